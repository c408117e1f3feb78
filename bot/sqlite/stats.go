package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"refbot/bot"
)

// MaxMissing bounds the distinct missing queries kept per platform, so a
// flood of nonsense cannot grow the file without end; queries already
// counted keep counting.
const MaxMissing = 10000

// AddLookups implements bot.StatsStore: the batch in one transaction.
// With synchronous=FULL every commit waits for the disk (1–20 ms here),
// so refbot serve puts a bot.StatsQueue in front, which calls this about
// once a second from its own goroutine, never from a request.
func (s *Store) AddLookups(ctx context.Context, batch []bot.LookupCount) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, c := range batch {
			var err error
			switch {
			case c.ID != "":
				_, err = tx.ExecContext(ctx, `
INSERT INTO lookups (platform, entry_id, count) VALUES (?, ?, ?)
ON CONFLICT (platform, entry_id) DO UPDATE SET count = count + excluded.count`, c.Platform, c.ID, c.N)
			case c.Key != "":
				count, suggested := c.N, 0 // found nothing, or only suggestions
				if c.Suggested {
					count, suggested = 0, c.N
				}
				_, err = tx.ExecContext(ctx, `
INSERT INTO missing_terms (platform, query, shown, count, suggested)
SELECT ?1, ?2, ?4, ?5, ?6
WHERE EXISTS (SELECT 1 FROM missing_terms WHERE platform = ?1 AND query = ?2)
   OR (SELECT count(*) FROM missing_terms WHERE platform = ?1) < ?3
ON CONFLICT (platform, query) DO UPDATE SET count = count + excluded.count,
	suggested = suggested + excluded.suggested`, c.Platform, c.Key, MaxMissing, c.Shown, count, suggested)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write lookup statistics: %w", explain(s.path, err))
	}
	return nil
}

// TopLookups implements bot.StatsStore.
func (s *Store) TopLookups(ctx context.Context, platform string, n int) (bot.TopTerms, error) {
	var t bot.TopTerms
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
