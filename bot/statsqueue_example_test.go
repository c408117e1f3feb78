package bot_test

import (
	"context"
	"fmt"

	"refbot/bot"
)

// A StatsQueue stands in front of a store (here the in-memory one; in
// refbot serve the SQLite file): lookups are counted in memory at once,
// and reach the store when the queue writes them — from Run's goroutine
// about once a second, or here by Flush.
func ExampleStatsQueue() {
	ctx := context.Background()
	store := bot.NewMemoryStats()
	q := bot.NewStatsQueue(store, bot.StatsQueueConfig{MaxPending: 2})
	for _, query := range []string{"banana bread", "banana bread", "kubernetes", "sourdough"} {
		_ = q.RecordLookup(ctx, bot.NewLookup("slack", query, ""))
	}
	before, _ := store.TopLookups(ctx, "", 10)
	fmt.Println("in the store before the write:", len(before.Missing))
	if err := q.Flush(ctx); err != nil {
		fmt.Println(err)
		return
	}
	after, _ := store.TopLookups(ctx, "", 10)
	fmt.Println("after:", after.Missing)
	fmt.Println("dropped (the queue holds 2 distinct lookups):", q.Dropped())
	// Output:
	// in the store before the write: 0
	// after: [{banana bread 2} {kubernetes 1}]
	// dropped (the queue holds 2 distinct lookups): 1
}
