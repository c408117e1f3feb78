package postgres_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"refbot/bot"
	"refbot/bot/postgres"
)

// Any number of processes open one database; a slot is claimed by one of
// them, before it is posted, and confirmed after.
func Example() {
	ctx := context.Background()
	store, err := postgres.Open(ctx, os.Getenv("DATABASE_URL"), postgres.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	key := bot.PostKey{Platform: "slack", Channel: "C0123", Curriculum: "ai-safety-fundamentals", Slot: time.Date(2026, 3, 3, 18, 0, 0, 0, time.UTC), Scheduled: true}
	post, ok, err := store.Claim(ctx, key, 8, time.Now(), false)
	if err != nil || !ok {
		return // the database is unreachable, or another process has the slot
	}
	fmt.Println("posting step", post.Step+1)
	// ... post it to Slack, then:
	if err := store.Confirm(ctx, key, "1772560800.000100", time.Now()); err != nil {
		fmt.Println(err)
	}
}
