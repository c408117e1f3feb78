package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"refbot/bot"
)

// Lookup statistics are counted in memory and written in one transaction
// at most FlushDelay after the first pending lookup (and by TopLookups,
// Flush and Close). With synchronous=FULL every commit waits for the
// disk — about 1–20 ms here — and a lookup must not: batching keeps /define
// fast and the disk idle under load. A crash loses at most the last
// FlushDelay of counts; claims and auto-link settings commit at once.
const FlushDelay = time.Second

// MaxMissing bounds the distinct missing queries kept per platform, so a
// flood of nonsense cannot grow the file without end; queries already
// counted keep counting.
const MaxMissing = 10000

// maxPending bounds the distinct lookups waiting for a flush; past it a
// lookup flushes on the caller's goroutine.
const maxPending = 4096

type lookupKey struct {
	platform, key string // key: an entry id, or a normalised missing query
	missing       bool
}

type pendingLookup struct {
	count     int    // lookups that found the entry, or nothing at all
	suggested int    // lookups of a missing query offered only suggestions
	shown     string // a missing query as first typed
}

// RecordLookup implements bot.Stats.
func (s *Store) RecordLookup(ctx context.Context, l bot.Lookup) error {
	k := lookupKey{platform: l.Platform, key: l.ID}
	if l.ID == "" {
		k = lookupKey{platform: l.Platform, key: l.Key, missing: true}
		if k.key == "" {
			return nil
		}
	}
	s.mu.Lock()
	p := s.pending[k]
	if l.Suggested && k.missing {
		p.suggested++
	} else {
		p.count++
	}
	if p.shown == "" && k.missing {
		p.shown = l.Shown
	}
	s.pending[k] = p
	full := len(s.pending) >= maxPending
	if s.flushTimer == nil && !s.closed {
		s.flushTimer = time.AfterFunc(FlushDelay, s.flushLater)
	}
	s.mu.Unlock()
	if full {
		return s.Flush(ctx)
	}
	return nil
}

// flushLater is the timer's flush. A failure keeps the counts pending for
// the next try.
func (s *Store) flushLater() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = s.Flush(ctx) // kept pending on failure; TopLookups and Close report it
}

// Flush writes the pending lookup counts.
func (s *Store) Flush(ctx context.Context) error {
	s.flushMu.Lock() // one flush at a time, so counts are never written twice
	defer s.flushMu.Unlock()
	s.mu.Lock()
	batch := s.pending
	s.pending = map[lookupKey]pendingLookup{}
	if s.flushTimer != nil {
		s.flushTimer.Stop()
		s.flushTimer = nil
	}
	s.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for k, p := range batch {
			var err error
			if k.missing {
				_, err = tx.ExecContext(ctx, `
INSERT INTO missing_terms (platform, query, shown, count, suggested)
SELECT ?1, ?2, ?4, ?5, ?6
WHERE EXISTS (SELECT 1 FROM missing_terms WHERE platform = ?1 AND query = ?2)
   OR (SELECT count(*) FROM missing_terms WHERE platform = ?1) < ?3
ON CONFLICT (platform, query) DO UPDATE SET count = count + excluded.count,
	suggested = suggested + excluded.suggested`, k.platform, k.key, MaxMissing, p.shown, p.count, p.suggested)
			} else {
				_, err = tx.ExecContext(ctx, `
INSERT INTO lookups (platform, entry_id, count) VALUES (?, ?, ?)
ON CONFLICT (platform, entry_id) DO UPDATE SET count = count + excluded.count`, k.platform, k.key, p.count)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.mu.Lock()
		for k, p := range batch { // put them back for the next flush
			q := s.pending[k]
			q.count += p.count
			q.suggested += p.suggested
			if q.shown == "" {
				q.shown = p.shown
			}
			s.pending[k] = q
		}
		if s.flushTimer == nil && !s.closed {
			s.flushTimer = time.AfterFunc(FlushDelay, s.flushLater)
		}
		s.mu.Unlock()
		return fmt.Errorf("write lookup statistics: %w", err)
	}
	return nil
}

// TopLookups implements bot.Stats. It flushes first, so it sees every
// lookup this process counted.
func (s *Store) TopLookups(ctx context.Context, platform string, n int) (bot.TopTerms, error) {
	var t bot.TopTerms
	if err := s.Flush(ctx); err != nil {
		return t, err
	}
	var err error
	t.Found, err = s.top(ctx, `SELECT entry_id, sum(count) AS c FROM lookups WHERE ?1 = '' OR platform = ?1
GROUP BY entry_id ORDER BY c DESC, entry_id LIMIT ?2`, platform, n)
	if err != nil {
		return t, fmt.Errorf("top lookups: %w", err)
	}
	// count and suggested are column names, fixed here, not input.
	for _, l := range []struct {
		column string
		to     *[]bot.Count
	}{{"count", &t.Missing}, {"suggested", &t.Suggested}} {
		*l.to, err = s.top(ctx, `SELECT min(shown), sum(`+l.column+`) AS c FROM missing_terms
WHERE (?1 = '' OR platform = ?1) AND `+l.column+` > 0
GROUP BY query ORDER BY c DESC, query LIMIT ?2`, platform, n)
		if err != nil {
			return t, fmt.Errorf("top missing terms: %w", err)
		}
	}
	return t, nil
}

func (s *Store) top(ctx context.Context, query string, args ...any) ([]bot.Count, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r *sql.Rows) (bot.Count, error) {
		var c bot.Count
		return c, r.Scan(&c.Name, &c.Count)
	})
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(*sql.Rows) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
