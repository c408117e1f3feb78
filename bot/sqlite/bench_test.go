package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/sqlite"
)

// Each write commits with synchronous=FULL: the cost is the disk's fsync.
// MemoryStats is the baseline in the same run.
func BenchmarkRecordLookup(b *testing.B) {
	ctx := context.Background()
	stores := []struct {
		name string
		s    bot.Stats
	}{
		{"memory-baseline", bot.NewMemoryStats()},
		{"sqlite-memory", openBench(b, ":memory:")},
		{"sqlite-file", openBench(b, filepath.Join(b.TempDir(), "state.db"))},
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if err := st.s.RecordLookup(ctx, bot.NewLookup("slack", "q", fmt.Sprintf("entry-%d", i%50))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkTopLookups(b *testing.B) {
	ctx := context.Background()
	s := openBench(b, filepath.Join(b.TempDir(), "state.db"))
	for i := range 2000 {
		if err := s.RecordLookup(ctx, bot.NewLookup("slack", fmt.Sprintf("missing %d", i), "")); err != nil {
			b.Fatal(err)
		}
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
