package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/sqlite"
)

// What a lookup costs the request that counts it: through the queue
// refbot serve uses (writes happen in its own goroutine, here every
// second), beside the in-memory store and beside writing each lookup to
// the file in its own transaction, which commits with synchronous=FULL
// and so costs the disk's fsync.
func BenchmarkRecordLookup(b *testing.B) {
	ctx := context.Background()
	lookup := func(i int) bot.Lookup { return bot.NewLookup("slack", "q", fmt.Sprintf("entry-%d", i%50)) }
	b.Run("memory-baseline", func(b *testing.B) {
		s := bot.NewMemoryStats()
		for i := 0; b.Loop(); i++ {
			if err := s.RecordLookup(ctx, lookup(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("queue-sqlite-file", func(b *testing.B) {
		q := bot.NewStatsQueue(openBench(b, filepath.Join(b.TempDir(), "state.db")), bot.StatsQueueConfig{})
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- q.Run(runCtx) }()
		for i := 0; b.Loop(); i++ {
			if err := q.RecordLookup(ctx, lookup(i)); err != nil {
				b.Fatal(err)
			}
		}
		stop()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	})
	b.Run("sqlite-file-each", func(b *testing.B) {
		s := openBench(b, filepath.Join(b.TempDir(), "state.db"))
		for i := 0; b.Loop(); i++ {
			if err := s.AddLookups(ctx, []bot.LookupCount{{Lookup: lookup(i), N: 1}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkTopLookups(b *testing.B) {
	ctx := context.Background()
	s := openBench(b, filepath.Join(b.TempDir(), "state.db"))
	batch := make([]bot.LookupCount, 2000)
	for i := range batch {
		batch[i] = bot.LookupCount{Lookup: bot.NewLookup("slack", fmt.Sprintf("missing %d", i), ""), N: 1}
	}
	if err := s.AddLookups(ctx, batch); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.TopLookups(ctx, "slack", 10); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClaimConfirm(b *testing.B) {
	ctx := context.Background()
	s := openBench(b, filepath.Join(b.TempDir(), "state.db"))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; b.Loop(); i++ {
		k := bot.PostKey{Platform: "slack", Channel: "C1", Curriculum: "c", Slot: t0.Add(time.Duration(i) * time.Minute), Scheduled: true}
		if _, ok, err := s.Claim(ctx, k, 8, t0, false); err != nil || !ok {
			b.Fatal(ok, err)
		}
		if err := s.Confirm(ctx, k, "m", t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTakeCooldown(b *testing.B) {
	ctx := context.Background()
	s := openBench(b, filepath.Join(b.TempDir(), "state.db"))
	now := time.Now()
	for i := 0; b.Loop(); i++ {
		if _, err := s.TakeCooldown(ctx, "slack", "C1", fmt.Sprintf("term-%d", i%100), now.Add(time.Duration(i)*time.Second), time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

func openBench(b *testing.B, path string) *sqlite.Store {
	b.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// What the checks at open cost (PRAGMA quick_check, and the schema
// version written as the check that the file can be written), on a file
// with 10,000 missing terms and 5,000 cooldowns, beside opening the same
// file bare and reading one row.
func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "state.db")
	s := openBench(b, path)
	batch := make([]bot.LookupCount, 10000)
	for i := range batch {
		batch[i] = bot.LookupCount{Lookup: bot.NewLookup("slack", fmt.Sprintf("missing term %d", i), ""), N: 1}
	}
	if err := s.AddLookups(ctx, batch); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	for i := range 5000 {
		if _, err := s.TakeCooldown(ctx, "slack", "C1", fmt.Sprintf("term-%d", i), now, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("bare-baseline", func(b *testing.B) {
		for b.Loop() {
			db, err := sql.Open("sqlite", path+"?_journal_mode=WAL&_synchronous=FULL")
			if err != nil {
				b.Fatal(err)
			}
			var n int
			if err := db.QueryRow("SELECT count(*) FROM lookups").Scan(&n); err != nil {
				b.Fatal(err)
			}
			db.Close()
		}
	})
	var pages, size int
	if err := sqlite.QueryPragma(s, "page_count", &pages); err != nil {
		b.Fatal(err)
	}
	if err := sqlite.QueryPragma(s, "page_size", &size); err != nil {
		b.Fatal(err)
	}
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			s, err := sqlite.Open(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
		b.ReportMetric(float64(pages*size)/(1<<20), "MiB-file")
	})
}
