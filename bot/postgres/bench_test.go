package postgres_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/postgres"
	"refbot/bot/postgres/pgtest"
	"refbot/bot/sqlite"
)

// benchStore is what the benchmarks use of a backend.
type benchStore interface {
	bot.ReadingStore
	bot.AutolinkStore
	bot.StatsStore
}

// memoryStore is the in-memory baseline.
type memoryStore struct {
	*bot.MemoryReading
	*bot.MemoryAutolink
	*bot.MemoryStats
}

// backends are the stores compared in one run: the in-memory baseline,
// SQLite on a file (WAL, synchronous=FULL) and PostgreSQL on a local Unix
// socket (default durability: fsync and synchronous_commit on).
func backends(b *testing.B) []backend {
	ctx := context.Background()
	lite, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { lite.Close() })
	pg := open(b, pgtest.URL(b), postgres.Options{})
	return []backend{
		{name: "memory", seq: new(atomic.Int64), s: memoryStore{bot.NewMemoryReading(), bot.NewMemoryAutolink(), bot.NewMemoryStats()}},
		{name: "sqlite", s: lite, seq: new(atomic.Int64)},
		{name: "postgres", s: pg, seq: new(atomic.Int64)},
	}
}

// backend is one store under benchmark. seq numbers its slots and
// times across b.Run's calls (and -count), so every claim is new and
// every take moves time on.
type backend struct {
	name string
	s    benchStore
	seq  *atomic.Int64
}

func (b backend) next() int64 { return b.seq.Add(1) }

// A scheduled post's two writes: claim the slot, confirm it.
func BenchmarkClaimConfirm(b *testing.B) {
	ctx := context.Background()
	for _, st := range backends(b) {
		b.Run(st.name, func(b *testing.B) {
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for b.Loop() {
				k := bot.PostKey{Platform: "slack", Channel: "C1", Curriculum: "c", Slot: t0.Add(time.Duration(st.next()) * time.Minute), Scheduled: true}
				if _, ok, err := st.s.Claim(ctx, k, 8, t0, false); err != nil || !ok {
					b.Fatal(ok, err)
				}
				if err := st.s.Confirm(ctx, k, "m", t0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Auto-link cooldowns taken for 30 terms in turn, a second apart, with a
// minute's cooldown: half the takes win and write.
func BenchmarkTakeCooldown(b *testing.B) {
	ctx := context.Background()
	for _, st := range backends(b) {
		b.Run(st.name, func(b *testing.B) {
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for b.Loop() {
				i := st.next()
				if _, err := st.s.TakeCooldown(ctx, "slack", "C1", fmt.Sprintf("term-%d", i%30), t0.Add(time.Duration(i)*time.Second), time.Minute); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// One flush of a second's statistics on a busy install: 200 lookups of
// 50 entries and 20 missing terms counted by the bot.StatsQueue that
// refbot serve puts in front of the store, then written in one
// transaction (on PostgreSQL under a batch id, AddLookupsOnce).
func BenchmarkStatsFlush(b *testing.B) {
	ctx := context.Background()
	for _, st := range backends(b) {
		b.Run(st.name, func(b *testing.B) {
			q := bot.NewStatsQueue(st.s, bot.StatsQueueConfig{})
			for b.Loop() {
				for i := range 200 {
					l := bot.NewLookup("slack", "q", fmt.Sprintf("entry-%d", i%50))
					if i%10 == 0 {
						l = bot.NewLookup("slack", fmt.Sprintf("missing %d", i%20), "")
					}
					if err := q.RecordLookup(ctx, l); err != nil {
						b.Fatal(err)
					}
				}
				if err := q.Flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Claims from 16 goroutines at once, each its own channel, as many
// schedules falling due together on several replicas would be: SQLite
// takes one writer at a time, PostgreSQL commits them side by side.
func BenchmarkClaimConfirmParallel(b *testing.B) {
	ctx := context.Background()
	var ch atomic.Int64 // a new channel per goroutine, across b.Run's calls
	for _, st := range backends(b) {
		b.Run(st.name, func(b *testing.B) {
			b.SetParallelism(8) // 16 goroutines on 2 cores
			b.RunParallel(func(pb *testing.PB) {
				channel := fmt.Sprintf("C%d", ch.Add(1))
				t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
				for i := 0; pb.Next(); i++ {
					k := bot.PostKey{Platform: "slack", Channel: channel, Curriculum: "c", Slot: t0.Add(time.Duration(i) * time.Minute), Scheduled: true}
					if _, ok, err := st.s.Claim(ctx, k, 8, t0, false); err != nil || !ok {
						b.Error(ok, err)
						return
					}
					if err := st.s.Confirm(ctx, k, "m", t0); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
