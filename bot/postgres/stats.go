package postgres

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"refbot/bot"
)

// Lookup statistics are counted in memory, off the request path, and
// added to the database every FlushEvery in one transaction. Each batch
// carries an id recorded in the same transaction, so a batch whose commit
// was lost with its connection is retried without being added twice:
// counts from every process sum exactly. While the server is unreachable
// the batch waits and new lookups are counted beside it, up to MaxPending
// distinct terms in all; a lookup of a term beyond that is dropped and
// counted (Health.Dropped). A process that dies loses what it had not written:
// at most FlushEvery of lookups, or the queue during an outage.

type lookupKey struct {
	platform, key string // key: an entry id, or a normalised missing query
	missing       bool
}

type pendingLookup struct {
	count int64
	shown string // a missing query as first typed
}

// batch is a set of counts on its way to the database.
type batch struct {
	id     string
	counts map[lookupKey]pendingLookup
	prune  bool // also forget batch ids older than batchesKept
}

// statsQueue holds the counts not yet written.
type statsQueue struct {
	max    int
	prefix string // random: batch ids are unique across processes

	flushMu  sync.Mutex // held by the one flush running
	mu       sync.Mutex // guards the fields below
	pending  map[lookupKey]pendingLookup
	inflight *batch // a batch whose write failed, retried first
	seq      int64
	dropped  int64
}

func newStatsQueue(max int) *statsQueue {
	b := make([]byte, 8)
	rand.Read(b)
	return &statsQueue{max: max, prefix: hex.EncodeToString(b), pending: map[lookupKey]pendingLookup{}}
}

// add counts one lookup, or drops it when the queue is full.
func (q *statsQueue) add(k lookupKey, shown string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	p, ok := q.pending[k]
	held := len(q.pending)
	if q.inflight != nil {
		held += len(q.inflight.counts)
	}
	if !ok && held >= q.max {
		q.dropped++
		return
	}
	p.count++
	if p.shown == "" {
		p.shown = shown
	}
	q.pending[k] = p
}

// next is the batch to write: the one that failed, else what is pending.
func (q *statsQueue) next() *batch {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.inflight != nil {
		return q.inflight
	}
	if len(q.pending) == 0 {
		return nil
	}
	q.seq++
	q.inflight = &batch{id: fmt.Sprintf("%s-%d", q.prefix, q.seq), counts: q.pending, prune: q.seq%100 == 1}
	q.pending = map[lookupKey]pendingLookup{}
	return q.inflight
}

func (q *statsQueue) written(b *batch) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.inflight == b {
		q.inflight = nil
	}
}

// counts are the lookups waiting and those dropped.
func (q *statsQueue) counts() (pending, dropped int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, p := range q.pending {
		pending += p.count
	}
	if q.inflight != nil {
		for _, p := range q.inflight.counts {
			pending += p.count
		}
	}
	return pending, q.dropped
}

// RecordLookup implements bot.Stats. It never waits for the database.
func (s *Store) RecordLookup(ctx context.Context, l bot.Lookup) error {
	k := lookupKey{platform: l.Platform, key: l.ID}
	if l.ID == "" {
		k = lookupKey{platform: l.Platform, key: l.Key, missing: true}
		if k.key == "" {
			return nil
		}
	}
	s.stats.add(k, l.Shown)
	return nil
}

// flushLoop writes the counts every FlushEvery until ctx ends.
func (s *Store) flushLoop(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(s.cfg.FlushEvery)
	defer t.Stop()
	idle := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		if pending, _ := s.stats.counts(); pending > 0 {
			_ = s.Flush(fctx) // kept for the next tick; observe logged and counted it
		} else if time.Since(idle) >= pingEvery {
			// Nothing to write: ping, so that Health notices an
			// outage (and its end) on an idle replica too.
			idle = time.Now()
			_ = s.Ping(fctx)
		}
		cancel()
	}
}

// Flush writes the counted lookups: the batch that failed before, then
// what is pending.
func (s *Store) Flush(ctx context.Context) error {
	q := s.stats
	q.flushMu.Lock() // one flush at a time: a batch is never written twice at once
	defer q.flushMu.Unlock()
	for range 2 { // the failed batch, then the pending one
		b := q.next()
		if b == nil {
			return nil
		}
		if err := s.observe("flush", s.write(ctx, b)); err != nil {
			return fmt.Errorf("write lookup statistics: %w", err)
		}
		q.written(b)
	}
	return nil
}

// pingEvery is how often an idle store checks that the server answers.
const pingEvery = 5 * time.Second

// batchesKept is how long applied batch ids are remembered: far longer
// than any retry of one.
const batchesKept = 24 * time.Hour

// write adds b's counts in one transaction, unless b was applied already.
// Rows are written in key order, so two processes' batches never lock
// the same rows in opposite orders.
func (s *Store) write(ctx context.Context, b *batch) error {
	keys := make([]lookupKey, 0, len(b.counts))
	for k := range b.counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b lookupKey) int {
		return cmp.Or(cmp.Compare(a.platform, b.platform), cmp.Compare(a.key, b.key))
	})
	now := time.Now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO stats_batches (id, applied_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, b.id, now.UnixNano())
		if err != nil || tag.RowsAffected() == 0 {
			return err // applied already: its commit went through
		}
		var platforms, ids []string
		var counts []int64
		var qb pgx.Batch
		for _, k := range keys {
			p := b.counts[k]
			if !k.missing {
				platforms, ids, counts = append(platforms, k.platform), append(ids, k.key), append(counts, p.count)
				continue
			}
			qb.Queue(`
INSERT INTO missing_terms (platform, query, shown, count)
SELECT $1, $2, $4, $5
WHERE EXISTS (SELECT 1 FROM missing_terms WHERE platform = $1 AND query = $2)
   OR (SELECT count(*) FROM missing_terms WHERE platform = $1) < $3
ON CONFLICT (platform, query) DO UPDATE SET count = missing_terms.count + excluded.count`, k.platform, k.key, MaxMissing, p.shown, p.count)
		}
		if len(ids) > 0 {
			qb.Queue(`
INSERT INTO lookups (platform, entry_id, count)
SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
ON CONFLICT (platform, entry_id) DO UPDATE SET count = lookups.count + excluded.count`, platforms, ids, counts)
		}
		if b.prune {
			qb.Queue(`DELETE FROM stats_batches WHERE applied_at < $1`, now.Add(-batchesKept).UnixNano())
		}
		return tx.SendBatch(ctx, &qb).Close()
	})
}

// TopLookups implements bot.Stats. It flushes first, so it sees every
// lookup this process counted.
func (s *Store) TopLookups(ctx context.Context, platform string, n int) (found, missing []bot.Count, err error) {
	if err := s.Flush(ctx); err != nil {
		return nil, nil, err
	}
	// COLLATE "C": ties in the order bytes sort, as the other stores do,
	// whatever the database's locale.
	found, err = s.top(ctx, `SELECT entry_id, sum(count) AS c FROM lookups WHERE $1 = '' OR platform = $1
GROUP BY entry_id ORDER BY c DESC, entry_id COLLATE "C" LIMIT $2`, platform, n)
	if err := s.observe("top lookups", err); err != nil {
		return nil, nil, fmt.Errorf("top lookups: %w", err)
	}
	missing, err = s.top(ctx, `SELECT min(shown COLLATE "C"), sum(count) AS c FROM missing_terms WHERE $1 = '' OR platform = $1
GROUP BY query ORDER BY c DESC, query COLLATE "C" LIMIT $2`, platform, n)
	if err := s.observe("top lookups", err); err != nil {
		return nil, nil, fmt.Errorf("top missing terms: %w", err)
	}
	return found, missing, nil
}

func (s *Store) top(ctx context.Context, query string, args ...any) ([]bot.Count, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (bot.Count, error) {
		var c bot.Count
		var n int64
		err := r.Scan(&c.Name, &n)
		c.Count = int(n)
		return c, err
	})
}
