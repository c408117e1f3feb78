package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/sqlite"
)

func open(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenDirCreatesPrivateDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "refbot")
	s, err := sqlite.OpenDir(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("state directory mode = %v, want 0700", perm)
	}
	if s.Path() != filepath.Join(dir, sqlite.FileName) {
		t.Errorf("Path = %q", s.Path())
	}
	if v, err := s.IntegrityCheck(context.Background()); err != nil || v != "ok" {
		t.Errorf("integrity_check = %q, %v", v, err)
	}
}

// The file is in WAL mode with synchronous=FULL and the schema version is
// recorded; opening again does not migrate twice; a newer schema is
// refused with advice.
func TestSchemaAndPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	open(t, path).Close()
	s := open(t, path)
	_ = s
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	var version int
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != len(sqlite.Migrations) {
		t.Errorf("user_version = %d, %v; want %d", version, err, len(sqlite.Migrations))
	}
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.Open(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "newer refbot") {
		t.Errorf("opening a newer schema: %v, want advice to run a newer refbot", err)
	}
}

func TestSynchronousFull(t *testing.T) {
	// The pragma is per connection: ask through the store's own pool.
	s := open(t, filepath.Join(t.TempDir(), "state.db"))
	var n int
	if err := sqlite.QueryPragma(s, "synchronous", &n); err != nil || n != 2 {
		t.Errorf("synchronous = %d, %v; want 2 (FULL)", n, err)
	}
}

func TestOpenRejectsURIPaths(t *testing.T) {
	if _, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a?b")); err == nil {
		t.Error("a path with ? opened; want an error")
	}
}

// statsStores are the StatsStores a statistics test runs against: this
// package's, in memory and in a file, and bot.MemoryStats, which must
// agree with them.
func statsStores(t *testing.T) map[string]bot.StatsStore {
	return map[string]bot.StatsStore{
		"sqlite-memory": open(t, ":memory:"),
		"sqlite-file":   open(t, filepath.Join(t.TempDir(), "state.db")),
		"memory":        bot.NewMemoryStats(),
	}
}

func one(platform, query, id string) bot.LookupCount {
	return bot.LookupCount{Lookup: bot.NewLookup(platform, query, id), N: 1}
}

// suggested is a lookup of query that was offered only suggestions.
func suggested(platform, query string, n int) bot.LookupCount {
	l := bot.NewLookup(platform, query, "")
	l.Suggested = true
	return bot.LookupCount{Lookup: l, N: n}
}

func TestStats(t *testing.T) {
	ctx := context.Background()
	for name, s := range statsStores(t) {
		t.Run(name, func(t *testing.T) {
			batches := [][]bot.LookupCount{
				{one("slack", "mesa", "mesa-optimization"), one("slack", "mesa optimisation", "mesa-optimization")},
				{one("discord", "corrigable", "corrigibility")},
				{one("slack", "Kubernetes", ""), one("slack", "kubernetes!", ""), one("discord", "banana bread", "")},
				{one("slack", "  ", "")}, // normalises to nothing: not counted
				{{Lookup: bot.NewLookup("discord", "corrigible", "corrigibility"), N: 2}},
				// Queries offered only suggestions count apart from those
				// that found nothing (issue 12); a query can be either as
				// the glossary changes.
				{suggested("slack", "Mesa", 1), suggested("slack", "mesa", 1)},
				{suggested("discord", "mesa", 1), suggested("discord", "banana bread", 1)},
			}
			for _, b := range batches {
				if err := s.AddLookups(ctx, b); err != nil {
					t.Fatal(err)
				}
			}
			tests := []struct {
				platform                string
				found, wants, suggested []bot.Count
			}{
				{"", []bot.Count{{Name: "corrigibility", Count: 3}, {Name: "mesa-optimization", Count: 2}},
					[]bot.Count{{Name: "kubernetes", Count: 2}, {Name: "banana bread", Count: 1}},
					[]bot.Count{{Name: "mesa", Count: 3}, {Name: "banana bread", Count: 1}}},
				{"slack", []bot.Count{{Name: "mesa-optimization", Count: 2}}, []bot.Count{{Name: "kubernetes", Count: 2}}, []bot.Count{{Name: "mesa", Count: 2}}},
				{"discord", []bot.Count{{Name: "corrigibility", Count: 3}}, []bot.Count{{Name: "banana bread", Count: 1}},
					[]bot.Count{{Name: "banana bread", Count: 1}, {Name: "mesa", Count: 1}}},
				{"console", nil, nil, nil},
			}
			for _, tc := range tests {
				top, err := s.TopLookups(ctx, tc.platform, 10)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(top.Found, tc.found) || !slices.Equal(top.Missing, tc.wants) || !slices.Equal(top.Suggested, tc.suggested) {
					t.Errorf("TopLookups(%q) = %+v; want %v, %v, %v", tc.platform, top, tc.found, tc.wants, tc.suggested)
				}
			}
			if top, _ := s.TopLookups(ctx, "", 1); len(top.Found) != 1 || len(top.Missing) != 1 || len(top.Suggested) != 1 {
				t.Errorf("TopLookups(1) = %+v; want one of each", top)
			}
		})
	}
}

// A database of any schema before 3 (1: first release, 2: OAuth) keeps its
// missing terms' counts as "found nothing" (they cannot be told apart) and
// counts suggestions apart from then on.
func TestStatsMigratedFromEarlierSchemas(t *testing.T) {
	ctx := context.Background()
	for v := 1; v < 3; v++ {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			qs := append(slices.Clone(sqlite.Migrations[:v]), fmt.Sprintf("PRAGMA user_version = %d", v),
				"INSERT INTO missing_terms (platform, query, shown, count) VALUES ('slack', 'mesa', 'mesa', 3)")
			for _, q := range qs {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()
			s := open(t, path)
			if err := s.AddLookups(ctx, []bot.LookupCount{suggested("slack", "mesa", 1)}); err != nil {
				t.Fatal(err)
			}
			top, err := s.TopLookups(ctx, "", 10)
			if err != nil {
				t.Fatal(err)
			}
			if want := []bot.Count{{Name: "mesa", Count: 3}}; !slices.Equal(top.Missing, want) {
				t.Errorf("missing = %v, want %v", top.Missing, want)
			}
			if want := []bot.Count{{Name: "mesa", Count: 1}}; !slices.Equal(top.Suggested, want) {
				t.Errorf("suggested = %v, want %v", top.Suggested, want)
			}
		})
	}
}

// Batches written from many goroutines through a pool of connections
// all count.
func TestStatsConcurrent(t *testing.T) {
	ctx := context.Background()
	for name, s := range statsStores(t) {
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for i := range 25 {
						if err := s.AddLookups(ctx, []bot.LookupCount{one("slack", "x", "mesa-optimization"), one("slack", fmt.Sprintf("missing %d %d", g, i%5), "")}); err != nil {
							t.Error(err)
						}
					}
				})
			}
			wg.Wait()
			top, err := s.TopLookups(ctx, "slack", 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(top.Found) != 1 || top.Found[0].Count != 200 {
				t.Errorf("found = %v, want mesa-optimization 200", top.Found)
			}
			if len(top.Missing) != 40 {
				t.Errorf("%d missing terms, want 40", len(top.Missing))
			}
		})
	}
}

func TestAutolink(t *testing.T) {
	ctx := context.Background()
	s := open(t, ":memory:")
	if m, err := s.ChannelAutolink(ctx, "slack", "C1"); err != nil || m != bot.AutolinkUnset {
		t.Errorf("unset channel = %v, %v", m, err)
	}
	for _, m := range []bot.AutolinkMode{bot.AutolinkDigest, bot.AutolinkReaction, bot.AutolinkOff, bot.AutolinkUnset} {
		if err := s.SetChannelAutolink(ctx, "slack", "C1", m); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ChannelAutolink(ctx, "slack", "C1"); err != nil || got != m {
			t.Errorf("after setting %v: %v, %v", m, got, err)
		}
	}
	if got, _ := s.ChannelAutolink(ctx, "discord", "C1"); got != bot.AutolinkUnset {
		t.Errorf("another platform's channel = %v, want unset", got)
	}
	for _, out := range []bool{true, true, false, false, true} {
		if err := s.SetUserOptedOut(ctx, "slack", "U1", out); err != nil {
			t.Fatal(err)
		}
		if got, err := s.UserOptedOut(ctx, "slack", "U1"); err != nil || got != out {
			t.Errorf("after opting out=%v: %v, %v", out, got, err)
		}
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	d := 10 * time.Minute
	for _, step := range []struct {
		at   time.Duration
		term string
		want bool
	}{
		{0, "grokking", true},
		{time.Minute, "grokking", false},
		{time.Minute, "elk", true},
		{9 * time.Minute, "grokking", false},
		{10 * time.Minute, "grokking", true},
		{11 * time.Minute, "grokking", false},
	} {
		got, err := s.TakeCooldown(ctx, "slack", "C1", step.term, now.Add(step.at), d)
		if err != nil || got != step.want {
			t.Errorf("TakeCooldown(%s at +%v) = %v, %v; want %v", step.term, step.at, got, err, step.want)
		}
	}
}

// Of many concurrent takes of one cooldown, across two stores on one file
// (two processes), exactly one wins.
func TestTakeCooldownOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	a, b := open(t, path), open(t, path)
	now := time.Now()
	var mu sync.Mutex
	wins := 0
	var wg sync.WaitGroup
	for i := range 16 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			ok, err := s.TakeCooldown(context.Background(), "slack", "C1", "elk", now, time.Hour)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d takes won, want 1", wins)
	}
}

func TestReadingClaims(t *testing.T) {
	ctx := context.Background()
	s := open(t, ":memory:")
	t0 := time.Date(2026, 3, 1, 18, 0, 0, 0, time.UTC)
	key := func(d int) bot.PostKey {
		return bot.PostKey{Platform: "slack", Channel: "C1", Curriculum: "c", Slot: t0.AddDate(0, 0, 7*d), Scheduled: true}
	}
	claim := func(k bot.PostKey, confirmed bool) (bot.ReadingPost, bool) {
		t.Helper()
		p, ok, err := s.Claim(ctx, k, 3, t0, confirmed)
		if err != nil {
			t.Fatal(err)
		}
		return p, ok
	}
	pos := func() int {
		t.Helper()
		p, err := s.Position(ctx, "slack", "C1", "c")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p, ok := claim(key(0), false); !ok || p.Step != 0 {
		t.Fatalf("first claim = %+v, %v", p, ok)
	}
	if _, ok := claim(key(0), false); ok {
		t.Fatal("the same slot was claimed twice")
	}
	asked := bot.PostKey{Platform: "slack", Channel: "C1", Curriculum: "c", Slot: t0} // same second, asked for: a different key
	if p, ok := claim(asked, true); !ok || p.Step != 1 || !p.Confirmed() {
		t.Fatalf("asked-for claim = %+v, %v; want step 1, confirmed", p, ok)
	}
	if p, ok := claim(key(1), false); !ok || p.Step != 2 {
		t.Fatalf("third claim = %+v, %v; want step 2", p, ok)
	}
	if p, ok := claim(key(2), false); !ok || p.Step != 0 {
		t.Fatalf("fourth claim = %+v, %v; want step 0 (the curriculum starts again)", p, ok)
	}
	if got := pos(); got != 4 {
		t.Errorf("position = %d, want 4", got)
	}

	un, err := s.Unconfirmed(ctx)
	if err != nil || len(un) != 3 || !un[0].Slot.Equal(t0) || un[0].ClaimedAt != t0 {
		t.Fatalf("Unconfirmed = %+v, %v; want the three scheduled claims, oldest first", un, err)
	}
	if err := s.Confirm(ctx, key(0), "1700000000.000100", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.Confirm(ctx, key(9), "x", t0); err == nil {
		t.Error("confirming a slot never claimed: no error")
	}

	// Take over: one winner; a stale was loses.
	t1 := t0.Add(time.Hour)
	if ok, _ := s.TakeOver(ctx, key(1), t0, t1); !ok {
		t.Error("TakeOver of a stale claim failed")
	}
	if ok, _ := s.TakeOver(ctx, key(1), t0, t1); ok {
		t.Error("TakeOver succeeded twice")
	}
	if ok, _ := s.TakeOver(ctx, key(0), t0.Add(time.Second), t1); ok {
		t.Error("TakeOver of a confirmed post succeeded")
	}

	// Release the last claim: its step comes back. Releasing an earlier
	// one while a later exists keeps the position.
	if ok, _ := s.Release(ctx, key(2), t0); !ok {
		t.Error("Release failed")
	}
	if got := pos(); got != 3 {
		t.Errorf("position after releasing the last claim = %d, want 3", got)
	}
	if ok, _ := s.Release(ctx, key(1), t0); ok {
		t.Error("Release with a stale claimed-at succeeded")
	}
	if ok, _ := s.Release(ctx, key(1), t1); !ok {
		t.Error("Release of a taken-over claim failed")
	}
	if got := pos(); got != 2 {
		t.Errorf("position after releasing the claim now last = %d, want 2", got)
	}
	// Releasing a claim with a later one after it keeps the position.
	if _, ok := claim(key(3), false); !ok {
		t.Fatal("claim failed")
	}
	if _, ok := claim(key(4), false); !ok {
		t.Fatal("claim failed")
	}
	if ok, _ := s.Release(ctx, key(3), t0); !ok {
		t.Error("Release failed")
	}
	if got := pos(); got != 4 {
		t.Errorf("position after releasing an earlier claim = %d, want 4 (a step after it was claimed)", got)
	}

	last, ok, err := s.LastPost(ctx, "slack", "C1", "c")
	if err != nil || !ok || !last.Slot.Equal(key(4).Slot) || last.Step != 0 {
		t.Errorf("LastPost = %+v, %v, %v; want slot 4, step 0", last, ok, err)
	}
	slot, ok, err := s.LastSlot(ctx, "slack", "C1", "c")
	if err != nil || !ok || !slot.Equal(key(4).Slot) {
		t.Errorf("LastSlot = %v, %v, %v; want %v", slot, ok, err, key(4).Slot)
	}
	if _, ok, _ := s.LastSlot(ctx, "slack", "C2", "c"); ok {
		t.Error("LastSlot of an empty channel found something")
	}
}

// Two stores on one file claiming the same slots concurrently: each slot
// is claimed once and positions never repeat a step.
func TestClaimAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	stores := []*sqlite.Store{open(t, path), open(t, path), open(t, path)}
	t0 := time.Date(2026, 3, 1, 18, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	steps := map[int]int{}
	var wg sync.WaitGroup
	for _, s := range stores {
		wg.Go(func() {
			for d := range 20 {
				k := bot.PostKey{Platform: "slack", Channel: "C1", Curriculum: "c", Slot: t0.Add(time.Duration(d) * time.Hour), Scheduled: true}
				p, ok, err := s.Claim(context.Background(), k, 100, t0, false)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					mu.Lock()
					steps[p.Step]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(steps) != 20 {
		t.Errorf("%d distinct steps claimed, want 20: %v", len(steps), steps)
	}
	for step, n := range steps {
		if n != 1 {
			t.Errorf("step %d claimed %d times", step, n)
		}
	}
}
