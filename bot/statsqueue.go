package bot

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
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

// OnceStatsStore is a StatsStore whose write can fail after it was
// applied — a server that committed a batch but whose answer was lost
// with the connection — and which therefore applies each batch under an
// id, once: a batch retried under the same id after it was applied is not
// added again. StatsQueue writes through AddLookupsOnce when its store has
// it, and retries a failed batch as it was, under its id, before any
// other, so counts from many processes sum exactly.
type OnceStatsStore interface {
	StatsStore
	// AddLookupsOnce is AddLookups, unless a batch with this id was
	// applied before, in which case it does nothing and succeeds. Ids are
	// unique across processes.
	AddLookupsOnce(ctx context.Context, id string, batch []LookupCount) error
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
	mu      sync.Mutex // guards pending, retry, seq and dropping
	pending map[lookupKey]LookupCount
	// retry is the batch whose write failed: written again as it was,
	// under its id, before anything counted since. It counts against
	// MaxPending; a batch being written for the first time does not.
	retry   *statsBatch
	writing *statsBatch // the batch being written, for PendingLookups
	prefix  string      // random, so batch ids are unique across processes
	seq     uint64
	// dropping is set from the first dropped lookup until the next
	// successful write, so a run of drops is logged once.
	dropping bool

	dropped  atomic.Uint64
	failures atomic.Uint64
}

// statsBatch is one write's counts and the id it is applied under.
type statsBatch struct {
	id     string
	counts []LookupCount
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
	return &StatsQueue{store: store, every: cfg.Every, max: cfg.MaxPending, log: log, pending: map[lookupKey]LookupCount{}, prefix: rand.Text()[:16]}
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
// new and the queue, the batch waiting to be retried included, is full.
// q.mu is held.
func (q *StatsQueue) add(k lookupKey, c LookupCount) bool {
	if p, ok := q.pending[k]; ok {
		p.N += c.N // the first query's Shown stays
		q.pending[k] = p
		return true
	}
	held := len(q.pending)
	if q.retry != nil {
		held += len(q.retry.counts)
	}
	if held >= q.max {
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

// Flush writes the pending counts now: first a batch whose write failed
// before, as it was, then what was counted since. On failure the counts
// stay for the next try and the failure is counted.
func (q *StatsQueue) Flush(ctx context.Context) error {
	_, err := q.flush(ctx)
	return err
}

// flush writes the waiting batches and says how many lookups it wrote or
// tried to.
func (q *StatsQueue) flush(ctx context.Context) (lookups int, err error) {
	q.flushMu.Lock()
	defer q.flushMu.Unlock()
	for {
		// The batch to retry, if any, then what was pending (counts made
		// while it is written wait for the next flush).
		b, retried := q.next()
		if b == nil {
			break
		}
		for _, c := range b.counts {
			lookups += c.N
		}
		if once, ok := q.store.(OnceStatsStore); ok {
			err = once.AddLookupsOnce(ctx, b.id, b.counts)
		} else {
			err = q.store.AddLookups(ctx, b.counts)
		}
		q.mu.Lock()
		q.writing = nil
		if err != nil {
			// Kept whole, for the next try: with an id, a write that
			// did go through is not applied twice.
			q.retry = b
			q.mu.Unlock()
			q.failures.Add(1)
			return lookups, err // the store's error says what it could not write
		}
		q.retry = nil
		q.mu.Unlock()
		if !retried {
			break
		}
	}
	q.mu.Lock()
	q.dropping = false
	q.mu.Unlock()
	return lookups, nil
}

// next is the batch to write: the one that failed, else what is pending
// (taken out of pending), and whether it is a retry.
func (q *StatsQueue) next() (b *statsBatch, retried bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.retry != nil {
		q.writing = q.retry
		return q.retry, true
	}
	if len(q.pending) == 0 {
		return nil, false
	}
	q.seq++
	b = &statsBatch{id: fmt.Sprintf("%s-%d", q.prefix, q.seq), counts: make([]LookupCount, 0, len(q.pending))}
	for _, c := range q.pending {
		b.counts = append(b.counts, c)
	}
	q.pending = make(map[lookupKey]LookupCount, len(b.counts))
	q.writing = b
	return b, false
}

// writeTimeout bounds one write to the store: a little over SQLite's busy
// timeout, so a database locked by another process fails the write (to be
// tried again) rather than holding the queue for ever.
const writeTimeout = 15 * time.Second

// Run writes the pending counts every Every until ctx is done, then once
// more, and returns that last write's error. Every failed write is logged
// and counted (FlushFailures); the counts stay pending for the next. A
// failure to reach a store's server (ErrStoreDown) is logged at debug
// level: the store logs its outage itself, once per interval.
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
		level := slog.LevelError
		if errors.Is(err, ErrStoreDown) {
			level = slog.LevelDebug // the store logs its outage once per interval
		}
		q.log.Log(ctx, level, "lookup statistics not written; keeping them for the next try",
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

// Pending is how many distinct lookups wait to be written (one counted
// in both the batch to retry and since is counted twice).
func (q *StatsQueue) Pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := len(q.pending)
	if q.retry != nil {
		n += len(q.retry.counts)
	}
	return n
}

// PendingLookups is how many lookups wait to be written or are being
// written: at most what a process killed now would lose.
func (q *StatsQueue) PendingLookups() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for _, c := range q.pending {
		n += c.N
	}
	b := q.retry
	if b == nil {
		b = q.writing
	}
	if b != nil {
		for _, c := range b.counts {
			n += c.N
		}
	}
	return n
}
