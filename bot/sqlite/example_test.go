package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"refbot/bot"
	"refbot/bot/sqlite"
)

// A scheduled post is claimed before it is sent and confirmed after; the
// same slot cannot be claimed again, by this process or another.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "refbot-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	store, err := sqlite.OpenDir(ctx, filepath.Join(dir, "state"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	slot := time.Date(2026, 3, 3, 18, 0, 0, 0, time.UTC)
	key := bot.PostKey{Platform: "slack", Channel: "C0123", Curriculum: "ai-safety-fundamentals", Slot: slot, Scheduled: true}
	post, ok, err := store.Claim(ctx, key, 8, time.Now(), false)
	fmt.Println("claimed:", ok, "step:", post.Step+1, err)
	// ... post it to Slack, then:
	err = store.Confirm(ctx, key, "1772560800.000100", time.Now())
	fmt.Println("confirmed:", err)

	_, ok, err = store.Claim(ctx, key, 8, time.Now(), false)
	fmt.Println("claimed again:", ok, err)
	// Output:
	// claimed: true step: 1 <nil>
	// confirmed: <nil>
	// claimed again: false <nil>
}
