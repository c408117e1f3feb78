package bot

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// StatsStore keeps lookup counts on disk or on a server (bot/sqlite, a
// server database) or in memory (MemoryStats). A StatsQueue stands in
// front of it, so that nothing a user waits for ever waits for the store.
type StatsStore interface {
	// AddLookups adds every count of batch, all or none: an error means
	// nothing was added, and the caller may try the same batch again.
	AddLookups(ctx context.Context, batch []LookupCount) error
	// TopLookups is Stats.TopLookups.
	TopLookups(ctx context.Context, platform string, n int) (TopTerms, error)
}

// LookupCount is a lookup counted N times.
type LookupCount struct {
	Lookup
	N int
}

// StatsQueueConfig holds a StatsQueue's settings. Zero values work.
type StatsQueueConfig struct {
	// Every is how often pending counts are written; 0 means
	// DefaultStatsEvery. After a failed write the queue waits twice as
	// long before the next, up to 32 times Every.
	Every time.Duration
	// MaxPending bounds the distinct lookups waiting to be written; 0
	// means DefaultMaxPending. Past it a lookup not already waiting is
	// dropped and counted (Dropped), never waited for.
	MaxPending int
	// Logger gets every failed write, the final one, and the start of
	// each run of dropped lookups; nil discards them.
	Logger *slog.Logger
}

// Defaults of StatsQueueConfig.
const (
	DefaultStatsEvery = time.Second
	DefaultMaxPending = 4096
)

// StatsQueue is a Stats that counts lookups in memory and writes them to a
// StatsStore in batches, from its own goroutine (Run). RecordLookup takes
// a mutex for a map update and never waits for the store: when the store
// is slow, locked by another process or failing, lookups keep being
// answered, counts wait in memory up to MaxPending distinct lookups, and
// beyond that are dropped and counted. TopLookups reads the store, so
// /stats shows counts up to Every old.
type StatsQueue struct {
	store StatsStore
	every time.Duration
	max   int
	log   *slog.Logger

	flushMu sync.Mutex // one write at a time, so no count is written twice
	mu      sync.Mutex // guards pending and dropping
	pending map[lookupKey]LookupCount
	// dropping is set from the first dropped lookup until the next
	// successful write, so a run of drops is logged once.
	dropping bool

	dropped  atomic.Uint64
	failures atomic.Uint64
}

type lookupKey struct {
	platform, key string // an entry id, or a normalised missing query
	missing       bool
	suggested     bool // a missing query offered only suggestions
}

// NewStatsQueue returns a queue in front of store. Its Run must be running
// for counts to reach the store.
func NewStatsQueue(store StatsStore, cfg StatsQueueConfig) *StatsQueue {
	if cfg.Every <= 0 {
		cfg.Every = DefaultStatsEvery
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = DefaultMaxPending
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &StatsQueue{store: store, every: cfg.Every, max: cfg.MaxPending, log: log, pending: map[lookupKey]LookupCount{}}
}

// RecordLookup implements Stats. It never waits for the store and never
// fails: a lookup that does not fit is dropped and counted.
func (q *StatsQueue) RecordLookup(ctx context.Context, l Lookup) error {
	k, ok := keyOf(l)
	if !ok {
		return nil
	}
	q.mu.Lock()
	firstDrop := !q.add(k, LookupCount{Lookup: l, N: 1}) && !q.dropping
	if firstDrop {
		q.dropping = true
	}
	q.mu.Unlock()
	if firstDrop { // logged outside the lock: a slow log must not hold up lookups
		q.log.WarnContext(ctx, "lookup statistics are not being written fast enough; dropping lookups until the next write succeeds",
			"limit", q.max)
	}
	return nil
}

// keyOf is what lookups are counted together by; ok is false for a lookup
// that is not counted (no entry and nothing left of the query).
func keyOf(l Lookup) (k lookupKey, ok bool) {
	if l.ID != "" {
		return lookupKey{platform: l.Platform, key: l.ID}, true
	}
	return lookupKey{platform: l.Platform, key: l.Key, missing: true, suggested: l.Suggested}, l.Key != ""
}

// add counts c under k, reporting false (and counting the drop) when k is
// new and the queue is full. q.mu is held.
func (q *StatsQueue) add(k lookupKey, c LookupCount) bool {
	if p, ok := q.pending[k]; ok {
		p.N += c.N // the first query's Shown stays
		q.pending[k] = p
		return true
	}
	if len(q.pending) >= q.max {
		q.dropped.Add(uint64(c.N))
		return false
	}
	q.pending[k] = c
	return true
}

// TopLookups implements Stats: the store's counts, without those still
// waiting in the queue.
func (q *StatsQueue) TopLookups(ctx context.Context, platform string, n int) (TopTerms, error) {
	return q.store.TopLookups(ctx, platform, n)
}

// Flush writes the pending counts now. On failure they stay pending for
// the next try (as many as fit) and the failure is counted.
func (q *StatsQueue) Flush(ctx context.Context) error {
	_, err := q.flush(ctx)
	return err
}

// flush writes the pending counts and says how many lookups it wrote or
// tried to.
func (q *StatsQueue) flush(ctx context.Context) (lookups int, err error) {
	q.flushMu.Lock()
	defer q.flushMu.Unlock()
	q.mu.Lock()
	taken := q.pending
	q.pending = make(map[lookupKey]LookupCount, len(taken))
	q.mu.Unlock()
	if len(taken) == 0 {
		return 0, nil
	}
	batch := make([]LookupCount, 0, len(taken))
	for _, c := range taken {
		batch = append(batch, c)
		lookups += c.N
	}
	if err := q.store.AddLookups(ctx, batch); err != nil {
		q.failures.Add(1)
		q.mu.Lock()
		for k, c := range taken { // back in the queue, for the next try
			q.add(k, c)
		}
		q.mu.Unlock()
		return lookups, err // the store's error says what it could not write
	}
	q.mu.Lock()
	q.dropping = false
	q.mu.Unlock()
	return lookups, nil
}

// writeTimeout bounds one write to the store: a little over SQLite's busy
// timeout, so a database locked by another process fails the write (to be
// tried again) rather than holding the queue for ever.
const writeTimeout = 15 * time.Second

// Run writes the pending counts every Every until ctx is done, then once
// more, and returns that last write's error. Every failed write is logged
// and counted (FlushFailures); the counts stay pending for the next.
func (q *StatsQueue) Run(ctx context.Context) error {
	failed := 0 // in a row
	for {
		wait := q.every << min(failed, 5)
		select {
		case <-ctx.Done():
			return q.final()
		case <-time.After(wait):
		}
		// A write has a deadline of its own: shutdown lets one that has
		// begun finish (or time out) before the final write.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
		n, err := q.flush(wctx)
		cancel()
		if err == nil {
			failed = 0
			continue
		}
		failed++
		q.log.ErrorContext(ctx, "lookup statistics not written; keeping them for the next try",
			"lookups", n, "failures_in_a_row", failed, "next_try", q.every<<min(failed, 5), "err", err)
	}
}

// final is the write at shutdown, logged whatever its outcome.
func (q *StatsQueue) final() error {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	n, err := q.flush(ctx)
	if err != nil {
		q.log.Error("lookup statistics lost at shutdown", "lookups", n, "err", err)
		return err
	}
	q.log.Info("lookup statistics written at shutdown", "lookups", n, "dropped_since_start", q.dropped.Load())
	return nil
}

// Dropped is how many lookups were not counted because the queue was full.
func (q *StatsQueue) Dropped() uint64 { return q.dropped.Load() }

// FlushFailures is how many writes to the store failed.
func (q *StatsQueue) FlushFailures() uint64 { return q.failures.Load() }

// Pending is how many distinct lookups wait to be written.
func (q *StatsQueue) Pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending)
}
