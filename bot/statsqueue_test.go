package bot_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/bottest"
)

// flakyStore is a MemoryStats whose writes fail while failing is set,
// and which reports each write attempt on calls (when not nil).
type flakyStore struct {
	*bot.MemoryStats
	mu      sync.Mutex
	failing bool
	batches [][]bot.LookupCount // the batches written
	calls   chan error          // every attempt's outcome
}

func (f *flakyStore) AddLookups(ctx context.Context, batch []bot.LookupCount) error {
	f.mu.Lock()
	var err error
	if f.failing {
		err = errors.New("disk I/O error")
	} else {
		f.batches = append(f.batches, slices.Clone(batch))
		err = f.MemoryStats.AddLookups(ctx, batch)
	}
	f.mu.Unlock()
	if f.calls != nil {
		f.calls <- err
	}
	return err
}

func (f *flakyStore) setFailing(v bool) {
	f.mu.Lock()
	f.failing = v
	f.mu.Unlock()
}

func lookups(q bot.Stats, platform string, queries ...string) {
	for _, s := range queries {
		id := ""
		if strings.HasPrefix(s, "=") {
			id = s[1:]
		}
		_ = q.RecordLookup(context.Background(), bot.NewLookup(platform, s, id))
	}
}

// Lookups wait in memory and reach the store in one batch per write, the
// same lookup counted together.
func TestStatsQueueWritesInBatches(t *testing.T) {
	ctx := context.Background()
	store := &flakyStore{MemoryStats: bot.NewMemoryStats()}
	q := bot.NewStatsQueue(store, bot.StatsQueueConfig{})
	lookups(q, "slack", "=mesa-optimization", "=mesa-optimization", "kubernetes", "Kubernetes!", "  ")
	if found, missing, _ := foundMissing(q.TopLookups(ctx, "", 10)); len(found)+len(missing) != 0 {
		t.Errorf("counts reached the store before a write: %v %v", found, missing)
	}
	if err := q.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(store.batches) != 1 || len(store.batches[0]) != 2 {
		t.Fatalf("batches = %v; want one of two counts", store.batches)
	}
	found, missing, _ := foundMissing(q.TopLookups(ctx, "", 10))
	if !slices.Equal(found, []bot.Count{{Name: "mesa-optimization", Count: 2}}) || !slices.Equal(missing, []bot.Count{{Name: "kubernetes", Count: 2}}) {
		t.Errorf("after the write: %v %v", found, missing)
	}
	if err := q.Flush(ctx); err != nil || len(store.batches) != 1 {
		t.Errorf("an empty queue wrote: %v %v", err, store.batches)
	}
}

// A failed write loses nothing: the counts wait for the next, which adds
// them to those counted meanwhile. Each failure is counted.
func TestStatsQueueKeepsCountsWhenAWriteFails(t *testing.T) {
	ctx := context.Background()
	store := &flakyStore{MemoryStats: bot.NewMemoryStats(), failing: true}
	q := bot.NewStatsQueue(store, bot.StatsQueueConfig{})
	lookups(q, "slack", "=corrigibility", "banana bread")
	if err := q.Flush(ctx); err == nil || !strings.Contains(err.Error(), "disk I/O error") {
		t.Errorf("Flush on a failing store = %v", err)
	}
	lookups(q, "slack", "=corrigibility")
	store.setFailing(false)
	if err := q.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	found, missing, _ := foundMissing(q.TopLookups(ctx, "slack", 10))
	if !slices.Equal(found, []bot.Count{{Name: "corrigibility", Count: 2}}) || !slices.Equal(missing, []bot.Count{{Name: "banana bread", Count: 1}}) {
		t.Errorf("after recovering: %v %v", found, missing)
	}
	if q.FlushFailures() != 1 || q.Dropped() != 0 {
		t.Errorf("failures %d, dropped %d; want 1, 0", q.FlushFailures(), q.Dropped())
	}
}

// Past MaxPending distinct lookups, a new one is dropped and counted (once
// logged), while lookups already waiting keep counting; a write that fails
// and finds the queue refilled drops what no longer fits, counted too.
func TestStatsQueueBounded(t *testing.T) {
	ctx := context.Background()
	log := &bottest.Buffer{}
	store := &flakyStore{MemoryStats: bot.NewMemoryStats()}
	q := bot.NewStatsQueue(store, bot.StatsQueueConfig{MaxPending: 10, Logger: slog.New(slog.NewTextHandler(log, nil))})
	for i := range 25 {
		lookups(q, "slack", fmt.Sprintf("query %d", i))
	}
	lookups(q, "slack", "query 3", "query 3")
	if q.Pending() != 10 || q.Dropped() != 15 {
		t.Errorf("pending %d, dropped %d; want 10, 15", q.Pending(), q.Dropped())
	}
	if n := strings.Count(log.String(), "dropping lookups"); n != 1 {
		t.Errorf("%d warnings about dropping; want 1:\n%s", n, log)
	}
	store.setFailing(true)
	_ = q.Flush(ctx) // 10 distinct go back...
	for i := range 4 {
		lookups(q, "slack", fmt.Sprintf("other %d", i)) // ...after 4 new ones took their place
	}
	_ = q.Flush(ctx)
	if q.Pending() != 10 || q.Dropped() != 15+4 {
		t.Errorf("after a failed write: pending %d, dropped %d; want 10, 19", q.Pending(), q.Dropped())
	}
	store.setFailing(false)
	if err := q.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	_, missing, _ := foundMissing(q.TopLookups(ctx, "slack", 100))
	total := 0
	for _, c := range missing {
		total += c.Count
	}
	if recorded := 25 + 2 + 4; uint64(total)+q.Dropped() != uint64(recorded) {
		t.Errorf("stored %d + dropped %d; want %d recorded", total, q.Dropped(), recorded)
	}
	lookups(q, "slack", "query 99")
	if q.Dropped() != 19 {
		t.Errorf("a lookup after a good write was dropped")
	}
}

// RecordLookup never waits for the store: while a write is stuck in the
// store, lookups are counted (or dropped) and return.
func TestStatsQueueNeverWaitsForTheStore(t *testing.T) {
	ctx := context.Background()
	release := make(chan struct{})
	entered := make(chan struct{})
	store := &blockingStore{MemoryStats: bot.NewMemoryStats(), entered: entered, release: release}
	q := bot.NewStatsQueue(store, bot.StatsQueueConfig{MaxPending: 100})
	lookups(q, "slack", "first")
	flushed := make(chan error, 1)
	go func() { flushed <- q.Flush(ctx) }()
	<-entered // the write is in the store now, and stays there
	for i := range 1000 {
		lookups(q, "slack", fmt.Sprintf("query %d", i))
	}
	if q.Pending() != 100 || q.Dropped() != 900 {
		t.Errorf("pending %d, dropped %d; want 100, 900", q.Pending(), q.Dropped())
	}
	close(release)
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
}

type blockingStore struct {
	*bot.MemoryStats
	entered chan struct{}
	release chan struct{}
}

func (b *blockingStore) AddLookups(ctx context.Context, batch []bot.LookupCount) error {
	close(b.entered)
	<-b.release
	return b.MemoryStats.AddLookups(ctx, batch)
}

// Run writes on its own, logs every failed write with what it keeps, and
// on shutdown writes once more and says so; a last write that fails is
// logged and returned.
func TestStatsQueueRun(t *testing.T) {
	for _, lastFails := range []bool{false, true} {
		t.Run(fmt.Sprintf("last write fails=%v", lastFails), func(t *testing.T) {
			log := &bottest.Buffer{}
			store := &flakyStore{MemoryStats: bot.NewMemoryStats(), failing: true, calls: make(chan error, 100)}
			q := bot.NewStatsQueue(store, bot.StatsQueueConfig{Every: time.Millisecond, Logger: slog.New(slog.NewTextHandler(log, nil))})
			ctx, stop := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- q.Run(ctx) }()
			lookups(q, "discord", "=grokking")
			for range 3 { // three failed writes
				if err := <-store.calls; err == nil {
					t.Fatal("a write succeeded on a failing store")
				}
			}
			store.setFailing(lastFails)
			lookups(q, "discord", "=grokking")
			stop()
			err := <-done
			if lastFails != (err != nil) {
				t.Errorf("Run = %v", err)
			}
			out := log.String()
			if n := strings.Count(out, "lookup statistics not written; keeping them for the next try"); n < 3 || int(q.FlushFailures()) < n {
				t.Errorf("%d failed writes logged, %d counted; want at least 3, and every one counted:\n%s", n, q.FlushFailures(), out)
			}
			want := "lookup statistics written at shutdown"
			if lastFails {
				want = "lookup statistics lost at shutdown"
			}
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %q:\n%s", want, out)
			}
			if found, _, _ := foundMissing(q.TopLookups(context.Background(), "discord", 1)); !lastFails && (len(found) != 1 || found[0].Count != 2) {
				t.Errorf("stored %v; want grokking 2", found)
			}
		})
	}
}

// onceStore applies each batch id once, and can lose the answer to a
// write that it applied, as a server whose connection drops during the
// commit does.
type onceStore struct {
	*bot.MemoryStats
	mu         sync.Mutex
	applied    map[string]bool
	ids        []string // every write's id, in order
	loseAnswer bool     // the next write is applied, then fails
}

func (o *onceStore) AddLookupsOnce(ctx context.Context, id string, batch []bot.LookupCount) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ids = append(o.ids, id)
	if !o.applied[id] {
		o.applied[id] = true
		if err := o.MemoryStats.AddLookups(ctx, batch); err != nil {
			return err
		}
	}
	if o.loseAnswer {
		o.loseAnswer = false
		return errors.New("connection reset during COMMIT")
	}
	return nil
}

// A write whose answer was lost after the store applied it is retried as
// it was, under the same id, and not counted twice; what was counted
// meanwhile goes in a batch of its own, under a new id.
func TestStatsQueueRetriesUnderTheSameID(t *testing.T) {
	ctx := context.Background()
	store := &onceStore{MemoryStats: bot.NewMemoryStats(), applied: map[string]bool{}, loseAnswer: true}
	q := bot.NewStatsQueue(store, bot.StatsQueueConfig{})
	lookups(q, "slack", "=grokking", "=grokking", "banana bread")
	if err := q.Flush(ctx); err == nil {
		t.Fatal("the lost answer was not reported")
	}
	if q.PendingLookups() != 3 {
		t.Errorf("PendingLookups after the failed write = %d, want 3", q.PendingLookups())
	}
	lookups(q, "slack", "=grokking")
	if err := q.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	found, missing, _ := foundMissing(q.TopLookups(ctx, "slack", 10))
	if !slices.Equal(found, []bot.Count{{Name: "grokking", Count: 3}}) || !slices.Equal(missing, []bot.Count{{Name: "banana bread", Count: 1}}) {
		t.Errorf("stored %v %v; want grokking 3, banana bread 1 (nothing twice)", found, missing)
	}
	if len(store.ids) != 3 || store.ids[0] != store.ids[1] || store.ids[2] == store.ids[1] {
		t.Errorf("write ids %q; want the failed one twice, then a new one", store.ids)
	}
	if q.PendingLookups() != 0 || q.FlushFailures() != 1 {
		t.Errorf("pending %d, failures %d; want 0, 1", q.PendingLookups(), q.FlushFailures())
	}
}

// unreachableStore cannot reach its server: every write fails with
// bot.ErrStoreDown, which the store itself logs once per interval.
type unreachableStore struct {
	*bot.MemoryStats
	calls chan struct{}
}

func (d unreachableStore) AddLookups(ctx context.Context, batch []bot.LookupCount) error {
	d.calls <- struct{}{}
	return fmt.Errorf("write lookup statistics: %w", bot.ErrStoreDown)
}

// Writes that fail because the store's server is unreachable are counted
// but not logged one by one: the store's own outage line covers them.
func TestStatsQueueLeavesOutagesToTheStore(t *testing.T) {
	log := &bottest.Buffer{}
	store := unreachableStore{MemoryStats: bot.NewMemoryStats(), calls: make(chan struct{}, 100)}
	q := bot.NewStatsQueue(store, bot.StatsQueueConfig{Every: time.Millisecond, Logger: slog.New(slog.NewTextHandler(log, nil))})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx) }()
	lookups(q, "slack", "=grokking")
	for range 3 {
		<-store.calls
	}
	stop()
	<-store.calls // the final write
	if err := <-done; !errors.Is(err, bot.ErrStoreDown) {
		t.Errorf("Run = %v, want the last write's bot.ErrStoreDown", err)
	}
	if strings.Contains(log.String(), "keeping them for the next try") || q.FlushFailures() < 3 {
		t.Errorf("%d failures; want each counted and none logged at info level:\n%s", q.FlushFailures(), log)
	}
	if !strings.Contains(log.String(), "lookup statistics lost at shutdown") {
		t.Errorf("the loss at shutdown is not logged:\n%s", log)
	}
}

// foundMissing is a TopLookups' found and missing lists.
func foundMissing(t bot.TopTerms, err error) (found, missing []bot.Count, _ error) {
	return t.Found, t.Missing, err
}

// A query offered only suggestions waits apart from the same query that
// found nothing, and reaches the store as such.
func TestStatsQueueKeepsSuggestionsApart(t *testing.T) {
	ctx := context.Background()
	store := bot.NewMemoryStats()
	q := bot.NewStatsQueue(store, bot.StatsQueueConfig{})
	l := bot.NewLookup("slack", "mesa", "")
	_ = q.RecordLookup(ctx, l)
	l.Suggested = true
	_ = q.RecordLookup(ctx, l)
	_ = q.RecordLookup(ctx, l)
	if err := q.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	top, _ := q.TopLookups(ctx, "", 10)
	if !slices.Equal(top.Missing, []bot.Count{{Name: "mesa", Count: 1}}) || !slices.Equal(top.Suggested, []bot.Count{{Name: "mesa", Count: 2}}) {
		t.Errorf("missing %v, suggested %v; want mesa 1 and mesa 2", top.Missing, top.Suggested)
	}
}
