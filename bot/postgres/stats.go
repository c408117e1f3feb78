package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"refbot/bot"
)

// Lookup statistics reach the database in batches from a bot.StatsQueue
// in front of the store (refbot serve runs one per process), each batch
// in one transaction. The queue writes through AddLookupsOnce: each batch
// carries an id recorded in the same transaction, so a batch whose commit
// went through but whose answer was lost with the connection is retried
// without being added twice, and counts from every process sum exactly.

// AddLookups implements bot.StatsStore: the batch in one transaction.
func (s *Store) AddLookups(ctx context.Context, batch []bot.LookupCount) error {
	return s.AddLookupsOnce(ctx, "", batch)
}

// AddLookupsOnce implements bot.OnceStatsStore: the batch in one
// transaction, unless a batch with this id was applied before. An empty
// id is not remembered.
func (s *Store) AddLookupsOnce(ctx context.Context, id string, batch []bot.LookupCount) error {
	if err := s.observe("flush", s.write(ctx, id, batch)); err != nil {
		return fmt.Errorf("write lookup statistics: %w", err)
	}
	return nil
}

// batchesKept is how long applied batch ids are remembered: far longer
// than any retry of one.
const batchesKept = 24 * time.Hour

// write adds batch's counts in one transaction, unless a batch with id
// was applied already. Rows are written in key order, so two processes'
// batches never lock the same rows in opposite orders.
func (s *Store) write(ctx context.Context, id string, batch []bot.LookupCount) error {
	type row struct {
		platform, key, shown string
		missing              bool
		n, suggested         int64 // found (or found nothing), offered only suggestions
	}
	merged := map[[3]string]*row{}
	for _, c := range batch {
		r := row{platform: c.Platform, key: c.ID, n: int64(c.N)}
		if c.ID == "" {
			if c.Key == "" {
				continue // not counted
			}
			r = row{platform: c.Platform, key: c.Key, shown: c.Shown, missing: true, n: int64(c.N)}
			if c.Suggested {
				r.n, r.suggested = 0, int64(c.N)
			}
		}
		k := [3]string{r.platform, r.key, strconv.FormatBool(r.missing)}
		if m, ok := merged[k]; ok {
			m.n += r.n
			m.suggested += r.suggested
			continue
		}
		merged[k] = &r
	}
	rows := make([]*row, 0, len(merged))
	for _, r := range merged {
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b *row) int {
		return cmp.Or(cmp.Compare(a.platform, b.platform), cmp.Compare(a.key, b.key))
	})
	now := time.Now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if id != "" {
			tag, err := tx.Exec(ctx, `INSERT INTO stats_batches (id, applied_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, now.UnixNano())
			if err != nil || tag.RowsAffected() == 0 {
				return err // applied already: its commit went through
			}
		}
		var platforms, ids []string
		var counts []int64
		var qb pgx.Batch
		for _, r := range rows {
			if !r.missing {
				platforms, ids, counts = append(platforms, r.platform), append(ids, r.key), append(counts, r.n)
				continue
			}
			qb.Queue(`
INSERT INTO missing_terms (platform, query, shown, count, suggested)
SELECT $1, $2, $4, $5, $6
WHERE EXISTS (SELECT 1 FROM missing_terms WHERE platform = $1 AND query = $2)
   OR (SELECT count(*) FROM missing_terms WHERE platform = $1) < $3
ON CONFLICT (platform, query) DO UPDATE SET count = missing_terms.count + excluded.count,
	suggested = missing_terms.suggested + excluded.suggested`, r.platform, r.key, MaxMissing, r.shown, r.n, r.suggested)
		}
		if len(ids) > 0 {
			qb.Queue(`
INSERT INTO lookups (platform, entry_id, count)
SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
ON CONFLICT (platform, entry_id) DO UPDATE SET count = lookups.count + excluded.count`, platforms, ids, counts)
		}
		if id != "" && s.batches.Add(1)%100 == 1 {
			qb.Queue(`DELETE FROM stats_batches WHERE applied_at < $1`, now.Add(-batchesKept).UnixNano())
		}
		return tx.SendBatch(ctx, &qb).Close()
	})
}

// TopLookups implements bot.StatsStore: the counts written so far, by
// every process.
func (s *Store) TopLookups(ctx context.Context, platform string, n int) (bot.TopTerms, error) {
	var t bot.TopTerms
	var err error
	// COLLATE "C": ties in the order bytes sort, as the other stores do,
	// whatever the database's locale.
	t.Found, err = s.top(ctx, `SELECT entry_id, sum(count) AS c FROM lookups WHERE $1 = '' OR platform = $1
GROUP BY entry_id ORDER BY c DESC, entry_id COLLATE "C" LIMIT $2`, platform, n)
	if err := s.observe("top lookups", err); err != nil {
		return bot.TopTerms{}, fmt.Errorf("top lookups: %w", err)
	}
	// count and suggested are column names, fixed here, not input.
	for _, l := range []struct {
		column string
		to     *[]bot.Count
	}{{"count", &t.Missing}, {"suggested", &t.Suggested}} {
		*l.to, err = s.top(ctx, `SELECT min(shown COLLATE "C"), sum(`+l.column+`) AS c FROM missing_terms
WHERE ($1 = '' OR platform = $1) AND `+l.column+` > 0
GROUP BY query ORDER BY c DESC, query COLLATE "C" LIMIT $2`, platform, n)
		if err := s.observe("top lookups", err); err != nil {
			return bot.TopTerms{}, fmt.Errorf("top missing terms: %w", err)
		}
	}
	return t, nil
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
