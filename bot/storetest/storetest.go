// Package storetest is the conformance suite every state backend passes:
// the in-memory stores of package bot, bot/sqlite and bot/postgres. A
// backend's test calls Run with a way to make an empty store and to open
// more handles on it (as other processes would); a backend is done only
// when it passes all of it.
//
// Every state-store interface refbot has is in Store and tested here, so
// a new one (as the curated glossary's store was) is added in one place:
// its methods go into Store, its tests into Run's list, and every backend
// then fails to build or to pass until it implements them.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/glossary"
)

// Store is a state backend as the suite sees it: every state-store
// interface refbot has.
type Store interface {
	bot.StatsStore
	bot.AutolinkStore
	bot.ReadingStore
	bot.GlossaryNotifier
	bot.CurationStore
	bottest.InstallationStore // Slack's OAuth installations and nonces
	// Close lets go of the handle; other handles keep working.
	Close() error
}

// New makes a new, empty state and returns a function that opens a handle
// on it. Each handle stands for one process: handles share the state, and
// each is closed by the suite or when t ends. A backend whose state lives
// in one process may return the same handle each time.
type New func(t *testing.T) (open func(t *testing.T) Store)

// Run runs the whole suite against a backend.
func Run(t *testing.T, newStore New) {
	tests := []struct {
		name string
		fn   func(*testing.T, New)
	}{
		{"Stats", testStats},
		{"StatsConcurrent", testStatsConcurrent},
		{"StatsAcrossHandles", testStatsAcrossHandles},
		{"StatsOnce", testStatsOnce},
		{"StatsThroughQueues", testStatsThroughQueues},
		{"Autolink", testAutolink},
		{"TakeCooldownOnce", testTakeCooldownOnce},
		{"ReadingClaims", testReadingClaims},
		{"ClaimAcrossHandles", testClaimAcrossHandles},
		{"TakeOverOnce", testTakeOverOnce},
		{"GlossaryChanged", testGlossaryChanged},
		{"Installations", testInstallations},
		{"Curation", testCuration},
		{"CurationAcrossHandles", testCurationAcrossHandles},
		// A new store interface's tests go here (see the package doc).
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore) })
	}
}

// one is a single handle on a new, empty state.
func one(t *testing.T, newStore New) Store { return newStore(t)(t) }

// suggested is a lookup of query that was offered only suggestions.
func suggested(platform, query string, n int) bot.LookupCount {
	l := bot.NewLookup(platform, query, "")
	l.Suggested = true
	return bot.LookupCount{Lookup: l, N: n}
}

// once is a lookup counted once.
func once(platform, query, id string) bot.LookupCount {
	return bot.LookupCount{Lookup: bot.NewLookup(platform, query, id), N: 1}
}

func testStats(t *testing.T, newStore New) {
	ctx := context.Background()
	s := one(t, newStore)
	batches := [][]bot.LookupCount{
		{once("slack", "mesa", "mesa-optimization"), once("slack", "mesa optimisation", "mesa-optimization")},
		{once("discord", "corrigable", "corrigibility")},
		{once("slack", "Kubernetes", ""), once("slack", "kubernetes!", ""), once("discord", "banana bread", "")},
		{once("slack", "  ", "")}, // normalises to nothing: not counted
		{{Lookup: bot.NewLookup("discord", "corrigible", "corrigibility"), N: 2}},
		{}, // an empty batch is fine
		// Queries offered only suggestions count apart from those that
		// found nothing; a query can be either as the glossary changes.
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
}

// Batches written from many goroutines all count.
func testStatsConcurrent(t *testing.T, newStore New) {
	ctx := context.Background()
	s := one(t, newStore)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				if err := s.AddLookups(ctx, []bot.LookupCount{once("slack", "x", "mesa-optimization"), once("slack", fmt.Sprintf("missing %d %d", g, i%5), "")}); err != nil {
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
	found, missing := top.Found, top.Missing
	if len(found) != 1 || found[0].Count != 200 {
		t.Errorf("found = %v, want mesa-optimization 200", found)
	}
	if len(missing) != 40 {
		t.Errorf("%d missing terms, want 40", len(missing))
	}
}

// Batches written by several processes at once sum exactly; the first
// spelling of a missing term stays its shown name.
func testStatsAcrossHandles(t *testing.T, newStore New) {
	ctx := context.Background()
	open := newStore(t)
	handles := []Store{open(t), open(t), open(t)}
	var wg sync.WaitGroup
	for i, s := range handles {
		wg.Go(func() {
			for range 50 + i {
				if err := s.AddLookups(ctx, []bot.LookupCount{once("discord", "elk", "eliciting-latent-knowledge"), once("slack", "elk", "eliciting-latent-knowledge")}); err != nil {
					t.Error(err)
				}
			}
			if err := s.AddLookups(ctx, []bot.LookupCount{once("discord", "Banana Bread", "")}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i, s := range handles {
		top, err := s.TopLookups(ctx, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		found, missing := top.Found, top.Missing
		want := []bot.Count{{Name: "eliciting-latent-knowledge", Count: 2 * 153}}
		if !slices.Equal(found, want) {
			t.Errorf("handle %d: found = %v, want %v", i, found, want)
		}
		if want := []bot.Count{{Name: "banana bread", Count: 3}}; !slices.Equal(missing, want) {
			t.Errorf("handle %d: missing = %v, want %v", i, missing, want)
		}
	}
}

// A store whose write can succeed unseen (a server's commit whose answer
// was lost) applies a batch retried under its id once, from any handle.
// A store without AddLookupsOnce writes all or nothing locally, and a
// failed write was not applied.
func testStatsOnce(t *testing.T, newStore New) {
	ctx := context.Background()
	open := newStore(t)
	a, ok := open(t).(bot.OnceStatsStore)
	if !ok {
		t.Skip("not a bot.OnceStatsStore: a failed AddLookups added nothing, and a retry is the same call")
	}
	b := open(t).(bot.OnceStatsStore)
	batch := []bot.LookupCount{once("slack", "elk", "eliciting-latent-knowledge"), once("slack", "Banana", "")}
	for _, s := range []bot.OnceStatsStore{a, a, b} { // a retry on the same handle, then on another
		if err := s.AddLookupsOnce(ctx, "p1-1", batch); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.AddLookupsOnce(ctx, "p2-1", batch[:1]); err != nil { // another process's batch
		t.Fatal(err)
	}
	top, err := a.TopLookups(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	found, missing := top.Found, top.Missing
	if want := []bot.Count{{Name: "eliciting-latent-knowledge", Count: 2}}; !slices.Equal(found, want) {
		t.Errorf("found = %v, want %v (batch p1-1 once, p2-1 once)", found, want)
	}
	if want := []bot.Count{{Name: "banana", Count: 1}}; !slices.Equal(missing, want) {
		t.Errorf("missing = %v, want %v", missing, want)
	}
}

// Lookups counted by a bot.StatsQueue in front of each handle, as every
// refbot serve process runs one, sum exactly once the queues are flushed.
func testStatsThroughQueues(t *testing.T, newStore New) {
	ctx := context.Background()
	open := newStore(t)
	var queues []*bot.StatsQueue
	for range 3 {
		queues = append(queues, bot.NewStatsQueue(open(t), bot.StatsQueueConfig{}))
	}
	var wg sync.WaitGroup
	for i, q := range queues {
		wg.Go(func() {
			for j := range 100 {
				_ = q.RecordLookup(ctx, bot.NewLookup("slack", "grokking", "grokking"))
				if j%25 == 0 {
					if err := q.Flush(ctx); err != nil {
						t.Error(err)
					}
				}
			}
			_ = q.RecordLookup(ctx, bot.NewLookup("slack", fmt.Sprintf("Missing %d", i), ""))
			if err := q.Flush(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	top, err := queues[0].TopLookups(ctx, "slack", 10)
	if err != nil {
		t.Fatal(err)
	}
	found, missing := top.Found, top.Missing
	if want := []bot.Count{{Name: "grokking", Count: 300}}; !slices.Equal(found, want) {
		t.Errorf("found = %v, want %v", found, want)
	}
	if len(missing) != 3 {
		t.Errorf("missing = %v, want 3 terms", missing)
	}
}

func testAutolink(t *testing.T, newStore New) {
	ctx := context.Background()
	s := one(t, newStore)
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
	if err := s.SetChannelAutolink(ctx, "slack", "C1", bot.AutolinkDigest); err != nil {
		t.Fatal(err)
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
	if got, _ := s.UserOptedOut(ctx, "discord", "U1"); got {
		t.Error("a user opted out on another platform")
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
		{11 * time.Minute, "elk", true}, // its own cooldown ran out
	} {
		got, err := s.TakeCooldown(ctx, "slack", "C1", step.term, now.Add(step.at), d)
		if err != nil || got != step.want {
			t.Errorf("TakeCooldown(%s at +%v) = %v, %v; want %v", step.term, step.at, got, err, step.want)
		}
	}
	if got, _ := s.TakeCooldown(ctx, "slack", "C2", "grokking", now.Add(11*time.Minute), d); !got {
		t.Error("a term's cooldown in one channel held it back in another")
	}
}

// Of many concurrent takes of one cooldown, across three handles (three
// processes), exactly one wins.
func testTakeCooldownOnce(t *testing.T, newStore New) {
	open := newStore(t)
	handles := []Store{open(t), open(t), open(t)}
	now := time.Now()
	var mu sync.Mutex
	wins := map[string]int{}
	var wg sync.WaitGroup
	for i := range 24 {
		s := handles[i%len(handles)]
		wg.Go(func() {
			for _, term := range []string{"elk", "grokking"} {
				ok, err := s.TakeCooldown(context.Background(), "slack", "C1", term, now, time.Hour)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					wins[term]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if wins["elk"] != 1 || wins["grokking"] != 1 {
		t.Errorf("takes won: %v, want one per term", wins)
	}
}

func testReadingClaims(t *testing.T, newStore New) {
	ctx := context.Background()
	s := one(t, newStore)
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
	if _, _, err := s.Claim(ctx, key(0), 0, t0, false); err == nil {
		t.Error("a claim on a curriculum with no steps: no error")
	}
	if got := pos(); got != 0 {
		t.Errorf("position of a new channel = %d, want 0", got)
	}
	if _, ok, err := s.LastPost(ctx, "slack", "C1", "c"); ok || err != nil {
		t.Errorf("LastPost of a new channel: %v, %v", ok, err)
	}
	if p, ok := claim(key(0), false); !ok || p.Step != 0 || p.Confirmed() || !p.ClaimedAt.Equal(t0) {
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
	if p, err := s.Position(ctx, "slack", "C2", "c"); err != nil || p != 0 {
		t.Errorf("another channel's position = %d, %v; want 0", p, err)
	}

	un, err := s.Unconfirmed(ctx)
	if err != nil || len(un) != 3 || !un[0].Slot.Equal(t0) || !un[0].ClaimedAt.Equal(t0) || !un[2].Slot.Equal(key(2).Slot) {
		t.Fatalf("Unconfirmed = %+v, %v; want the three scheduled claims, oldest first", un, err)
	}
	if err := s.Confirm(ctx, key(0), "1700000000.000100", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.Confirm(ctx, key(9), "x", t0); err == nil {
		t.Error("confirming a slot never claimed: no error")
	}
	if un, _ := s.Unconfirmed(ctx); len(un) != 2 {
		t.Errorf("after a confirm, %d unconfirmed, want 2", len(un))
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
	if ok, _ := s.TakeOver(ctx, key(8), t0, t1); ok {
		t.Error("TakeOver of a slot never claimed succeeded")
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
	if ok, _ := s.Release(ctx, key(0), t0); ok {
		t.Error("Release of a confirmed post succeeded")
	}
	if ok, _ := s.Release(ctx, key(1), t1); !ok {
		t.Error("Release of a taken-over claim failed")
	}
	if got := pos(); got != 2 {
		t.Errorf("position after releasing the claim now last = %d, want 2", got)
	}
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
	// An asked-for post is the last post but not the last slot.
	later := bot.PostKey{Platform: "slack", Channel: "C1", Curriculum: "c", Slot: key(9).Slot}
	if _, ok := claim(later, true); !ok {
		t.Fatal("claim failed")
	}
	if last, _, _ := s.LastPost(ctx, "slack", "C1", "c"); last.Scheduled {
		t.Errorf("LastPost = %+v, want the asked-for post", last)
	}
	if slot, _, _ := s.LastSlot(ctx, "slack", "C1", "c"); !slot.Equal(key(4).Slot) {
		t.Errorf("LastSlot = %v, want %v: asked-for posts are not slots", slot, key(4).Slot)
	}
}

// Three handles (processes) claiming the same slots concurrently: each
// slot is claimed once and positions never repeat a step.
func testClaimAcrossHandles(t *testing.T, newStore New) {
	open := newStore(t)
	handles := []Store{open(t), open(t), open(t)}
	t0 := time.Date(2026, 3, 1, 18, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	steps := map[int]int{}
	var wg sync.WaitGroup
	for _, s := range handles {
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

// Of three handles taking over one stale claim at once, one wins.
func testTakeOverOnce(t *testing.T, newStore New) {
	ctx := context.Background()
	open := newStore(t)
	handles := []Store{open(t), open(t), open(t)}
	t0 := time.Date(2026, 3, 1, 18, 0, 0, 0, time.UTC)
	k := bot.PostKey{Platform: "discord", Channel: "123", Curriculum: "c", Slot: t0, Scheduled: true}
	if _, ok, err := handles[0].Claim(ctx, k, 5, t0, false); err != nil || !ok {
		t.Fatal(ok, err)
	}
	var mu sync.Mutex
	wins := 0
	var wg sync.WaitGroup
	for i := range 12 {
		s := handles[i%3]
		wg.Go(func() {
			ok, err := s.TakeOver(ctx, k, t0, t0.Add(time.Duration(i+1)*time.Minute))
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
		t.Errorf("%d take-overs won, want 1", wins)
	}
}

// A glossary change made through one handle raises the version every
// handle reads, and wakes a watcher on another handle when the backend
// can notify.
func testGlossaryChanged(t *testing.T, newStore New) {
	ctx := context.Background()
	open := newStore(t)
	a, b := open(t), open(t)
	v0, err := b.GlossaryVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wake, err := b.WatchGlossary(wctx)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := a.GlossaryChanged(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v1 <= v0 {
		t.Errorf("version after a change = %d, want more than %d", v1, v0)
	}
	if got, err := b.GlossaryVersion(ctx); err != nil || got != v1 {
		t.Errorf("the other handle reads version %d, %v; want %d", got, err, v1)
	}
	if wake != nil {
		select {
		case <-wake:
		case <-time.After(30 * time.Second): // a bound, not a timing assertion: notifications take milliseconds
			t.Error("the other handle's watcher was not woken by the change")
		}
	}
	v2, err := b.GlossaryChanged(ctx)
	if err != nil || v2 <= v1 {
		t.Errorf("second change: version %d, %v; want more than %d", v2, err, v1)
	}
	cancel()
	if wake != nil {
		for range wake { // drained and closed once the watch ends
		}
	}
}

// The installation store (Slack's OAuth mode) passes bottest's suite for
// it, restarts included: reopening is another handle on the same state.
func testInstallations(t *testing.T, newStore New) {
	var last func(*testing.T) Store
	bottest.TestInstallations(t,
		func(t *testing.T) bottest.InstallationStore {
			last = newStore(t)
			return last(t)
		},
		func(t *testing.T) bottest.InstallationStore { return last(t) })
}

// The curation store passes bottest's contract for it, each subtest on a
// new, empty state.
func testCuration(t *testing.T, newStore New) {
	bottest.CurationStoreSuite(t, func(t *testing.T) bot.CurationStore { return one(t, newStore) })
}

// Curation across handles, as across replicas: a suggestion stored
// through one is seen through the other under the same number; the pending
// cap holds when one author's suggestions arrive through both at once; of
// reviewers deciding through both at once exactly one wins; and an
// approval raises the stored glossary's version (waking a watcher on the
// other handle where the backend notifies) in the same step, so that every
// process lays the new entry over its files. A rejection changes no
// glossary and raises nothing.
func testCurationAcrossHandles(t *testing.T, newStore New) {
	ctx := context.Background()
	open := newStore(t)
	a, b := open(t), open(t)
	t0 := time.Date(2026, 12, 2, 14, 5, 0, 0, time.UTC)
	ann := bot.Who{Platform: "slack", User: "U1"}
	mod := bot.Who{Platform: "discord", User: "42"}
	entry := func(id string) glossary.Entry {
		return glossary.Entry{ID: id, Title: "Title of " + id, Summary: "A summary.", Sources: []glossary.Source{{Title: "S", URL: "https://example.org/" + id}}}
	}

	// The cap: 8 suggestions from one author through two handles at once,
	// 3 allowed pending.
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		accepted []int64
	)
	for i := range 8 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			id, err := s.AddProposal(ctx, bot.Proposal{Scope: bot.DefaultScope, Entry: entry(fmt.Sprintf("term-%d", i)), Author: ann, Proposed: t0}, 3)
			switch {
			case err == nil:
				mu.Lock()
				accepted = append(accepted, id)
				mu.Unlock()
			case !errors.Is(err, bot.ErrTooManyPending):
				t.Errorf("AddProposal: %v", err)
			}
		})
	}
	wg.Wait()
	if len(accepted) != 3 {
		t.Fatalf("%d suggestions accepted with a cap of 3 pending", len(accepted))
	}
	slices.Sort(accepted)
	for _, id := range accepted {
		pa, errA := a.Proposal(ctx, bot.DefaultScope, id)
		pb, errB := b.Proposal(ctx, bot.DefaultScope, id)
		if errA != nil || errB != nil || pa.Entry.ID != pb.Entry.ID || pa.Author != ann {
			t.Errorf("proposal %d through a: %+v, %v; through b: %+v, %v", id, pa, errA, pb, errB)
		}
	}

	v0, err := b.GlossaryVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wake, err := b.WatchGlossary(wctx)
	if err != nil {
		t.Fatal(err)
	}

	// A rejection raises no glossary version.
	if _, err := a.Decide(ctx, bot.DefaultScope, accepted[0], bot.Decision{By: mod, At: t0, Reason: "no"}); err != nil {
		t.Fatal(err)
	}
	if v, err := b.GlossaryVersion(ctx); err != nil || v != v0 {
		t.Errorf("glossary version after a rejection = %d, %v; want %d still", v, err, v0)
	}

	// Six reviewers, three on each handle, on one suggestion.
	id := accepted[1]
	won, curated := 0, int64(0)
	for i := range 6 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			v, err := s.Decide(ctx, bot.DefaultScope, id, bot.Decision{Approve: true, By: mod, At: t0})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
				curated = v
			case !errors.Is(err, bot.ErrDecided):
				t.Errorf("Decide: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d reviewers' approvals won, want 1", won)
	}
	if v, err := b.GlossaryVersion(ctx); err != nil || v <= v0 {
		t.Errorf("glossary version after an approval = %d, %v; want more than %d", v, err, v0)
	}
	if wake != nil {
		select {
		case <-wake:
		case <-time.After(30 * time.Second): // a bound, not a timing assertion: notifications take milliseconds
			t.Error("the other handle's watcher was not woken by the approval")
		}
	}
	es, v, changed, err := b.CuratedSince(ctx, bot.DefaultScope, 0)
	if err != nil || !changed || v != curated || len(es) != 1 || es[0].ID != mustProposal(t, a, id).Entry.ID {
		t.Errorf("CuratedSince through the other handle = %+v, %d, %v, %v; want the approved entry at %d", es, v, changed, err, curated)
	}
	if p := mustProposal(t, b, id); p.Status != bot.Approved || p.Version != curated {
		t.Errorf("the approved proposal through the other handle: %+v", p)
	}
	cancel()
	if wake != nil {
		for range wake { // drained and closed once the watch ends
		}
	}
}

func mustProposal(t *testing.T, s Store, id int64) bot.Proposal {
	t.Helper()
	p, err := s.Proposal(context.Background(), bot.DefaultScope, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
