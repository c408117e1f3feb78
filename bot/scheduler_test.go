package bot_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/bot/sqlite"
	"refbot/bot/timing"
)

// fakePoster records posts. It can find them again by key (as Slack's
// and Discord's adapters do through message history), and it can fail.
type fakePoster struct {
	mu    sync.Mutex
	posts []fakePost
	// fail, when set, makes Post fail; sent says whether the message went
	// out first (a crash after the post, before the confirm).
	fail     error
	sentFail bool
	noFind   bool
	posted   chan fakePost // receives each post, when not nil
}

type fakePost struct {
	Team, Channel, Key, Title string
	ID                        string
}

func (p *fakePoster) Post(ctx context.Context, team, channel, key string, r bot.Reply) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil && !p.sentFail {
		return "", p.fail
	}
	fp := fakePost{Team: team, Channel: channel, Key: key, Title: r.Prompt.Title, ID: fmt.Sprintf("m%d", len(p.posts)+1)}
	p.posts = append(p.posts, fp)
	if p.posted != nil {
		p.posted <- fp
	}
	if p.fail != nil {
		return "", p.fail
	}
	return fp.ID, nil
}

func (p *fakePoster) Find(ctx context.Context, team, channel, key string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.noFind {
		return "", nil
	}
	for _, fp := range p.posts {
		if fp.Team == team && fp.Channel == channel && fp.Key == key {
			return fp.ID, nil
		}
	}
	return "", nil
}

func (p *fakePoster) Posts() []fakePost {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.posts)
}

func (p *fakePoster) setFail(err error, sent bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fail, p.sentFail = err, sent
}

var errCrash = errors.New("process killed")

// stores are the ReadingStore implementations every scheduler test runs
// against; each call returns a fresh store and a way to open it again
// (a restarted process opens the same file).
var stores = []struct {
	name string
	open func(t *testing.T) (bot.ReadingStore, func() bot.ReadingStore)
}{
	{"memory", func(t *testing.T) (bot.ReadingStore, func() bot.ReadingStore) {
		m := bot.NewMemoryReading()
		return m, func() bot.ReadingStore { return m }
	}},
	{"sqlite", func(t *testing.T) (bot.ReadingStore, func() bot.ReadingStore) {
		path := filepath.Join(t.TempDir(), "state.db")
		open := func() bot.ReadingStore {
			s, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		return open(), open
	}},
}

func london(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// weekly is Sundays at 01:30 in London: the time that does not exist on
// the last Sunday of March and happens twice on the last Sunday of
// October.
func weekly(t *testing.T) bot.Schedule {
	t.Helper()
	tm, err := timing.Parse("30 1 * * 0", london(t))
	if err != nil {
		t.Fatal(err)
	}
	// A workspace, as Slack installed through OAuth needs: posts and
	// look-ups after a crash must name it (fakePoster finds by it).
	return bot.Schedule{Platform: "slack", Team: "T1", Channel: "C1", Curriculum: "ai-safety-fundamentals", Timing: tm}
}

// process is one refbot process: a bot with a scheduler on a store.
func process(t *testing.T, store bot.ReadingStore, clock bot.Clock, poster bot.Poster, scheds ...bot.Schedule) *bot.Scheduler {
	t.Helper()
	g, err := defaultGlossary()
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(g, bot.Config{Clock: clock, Reading: bot.ReadingConfig{Store: store, Schedules: scheds}})
	return b.NewScheduler(map[string]bot.Poster{"slack": poster})
}

func runDue(t *testing.T, s *bot.Scheduler) time.Time {
	t.Helper()
	next, err := s.RunDue(context.Background())
	if err != nil {
		t.Fatalf("RunDue: %v", err)
	}
	return next
}

func titles(ps []fakePost) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Title
	}
	return out
}

func TestSchedulerPostsEachSlotOnceAcrossDaylightSaving(t *testing.T) {
	loc := london(t)
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			var at []string
			// Walk the clock an hour at a time through spring and autumn,
			// as a sleeping scheduler would wake, and once at each slot.
			// Each span is a new group (a fresh store) starting on the
			// Saturday before.
			for _, span := range [][2]time.Time{
				{time.Date(2026, 3, 14, 12, 0, 0, 0, loc), time.Date(2026, 4, 6, 0, 0, 0, 0, loc)},
				{time.Date(2026, 10, 17, 12, 0, 0, 0, loc), time.Date(2026, 11, 2, 0, 0, 0, 0, loc)},
			} {
				store, _ := st.open(t)
				clock := bottest.NewClock(span[0])
				poster := &fakePoster{}
				s := process(t, store, clock, poster, weekly(t))
				for now := span[0]; now.Before(span[1]); {
					clock.Set(now)
					before := len(poster.Posts())
					next := runDue(t, s)
					if len(poster.Posts()) > before {
						at = append(at, now.In(loc).Format("2006-01-02 15:04 MST"))
					}
					now = now.Add(time.Hour)
					if next.Before(now) {
						now = next
					}
				}
			}
			want := []string{
				"2026-03-15 01:30 GMT",
				"2026-03-22 01:30 GMT",
				"2026-03-29 02:00 BST", // 01:30 does not exist: at the change
				"2026-04-05 01:30 BST",
				"2026-10-18 01:30 BST",
				"2026-10-25 01:30 BST", // 01:30 happens twice: the first time only
				"2026-11-01 01:30 GMT",
			}
			if !slices.Equal(at, want) {
				t.Errorf("posted at\n%q\nwant\n%q", at, want)
			}
		})
	}
}

// Two processes on one store, waking at the same slots, post each once.
func TestTwoSchedulersPostEachSlotOnce(t *testing.T) {
	loc := london(t)
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			store, reopen := st.open(t)
			clock := bottest.NewClock(time.Date(2026, 3, 14, 12, 0, 0, 0, loc))
			poster := &fakePoster{}
			a := process(t, store, clock, poster, weekly(t))
			b := process(t, reopen(), clock, poster, weekly(t))
			runDue(t, a)
			runDue(t, b)
			for range 6 {
				now := weekly(t).Timing.Next(clock.Now())
				clock.Set(now)
				var wg sync.WaitGroup
				for _, s := range []*bot.Scheduler{a, b} {
					wg.Go(func() {
						if _, err := s.RunDue(context.Background()); err != nil {
							t.Errorf("RunDue: %v", err)
						}
					})
				}
				wg.Wait()
			}
			keys := map[string]int{}
			for _, p := range poster.Posts() {
				keys[p.Key]++
			}
			if len(poster.Posts()) != 6 || len(keys) != 6 {
				t.Errorf("posts = %v, want 6 distinct slots posted once each", titles(poster.Posts()))
			}
		})
	}
}

// A process that dies after claiming a slot, or after posting it but
// before confirming, leaves one post after the restart.
func TestCrashBetweenClaimAndConfirm(t *testing.T) {
	loc := london(t)
	tests := []struct {
		name     string
		sent     bool // the crash came after the post went out
		noFind   bool // the platform cannot look the post up
		wantPost int
	}{
		{"after claim", false, false, 1},
		{"after claim, platform cannot search", false, true, 1},
		{"after post, before confirm", true, false, 1},
	}
	for _, st := range stores {
		for _, tc := range tests {
			t.Run(st.name+"/"+tc.name, func(t *testing.T) {
				store, reopen := st.open(t)
				slot := time.Date(2026, 3, 15, 1, 30, 0, 0, loc)
				clock := bottest.NewClock(slot.Add(-time.Hour))
				poster := &fakePoster{noFind: tc.noFind}
				first := process(t, store, clock, poster, weekly(t))
				runDue(t, first) // starts before the slot
				clock.Set(slot)
				poster.setFail(errCrash, tc.sent)
				runDue(t, first) // claims, then "dies"
				if un, _ := store.Unconfirmed(context.Background()); len(un) != 1 {
					t.Fatalf("unconfirmed after the crash = %v, want the one claim", un)
				}

				poster.setFail(nil, false)
				clock.Set(slot.Add(30 * time.Second))
				restarted := process(t, reopen(), clock, poster, weekly(t))
				next := runDue(t, restarted)
				if got := len(poster.Posts()); got != boolInt(tc.sent) {
					t.Fatalf("within the claim's lease: %d posts, want %d (the old claim is left alone)", got, boolInt(tc.sent))
				}
				if want := slot.Add(bot.DefaultLease); !next.Equal(want) {
					t.Errorf("next wake = %v, want the lease's end %v", next, want)
				}
				clock.Set(next)
				runDue(t, restarted)
				clock.Set(next.Add(time.Hour))
				runDue(t, restarted)
				if got := len(poster.Posts()); got != tc.wantPost {
					t.Errorf("posts = %d (%v), want %d", got, titles(poster.Posts()), tc.wantPost)
				}
				if un, _ := store.Unconfirmed(context.Background()); len(un) != 0 {
					t.Errorf("unconfirmed after reconciling = %v, want none", un)
				}
				for _, p := range poster.Posts() {
					if p.Team != "T1" {
						t.Errorf("posted to team %q, want the schedule's T1", p.Team)
					}
				}
				if p, _ := reopen().Position(context.Background(), "slack", "C1", "ai-safety-fundamentals"); p != 1 {
					t.Errorf("position = %d, want 1", p)
				}
			})
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// After three missed slots a restart posts the latest one, once, with the
// step that came next.
func TestRestartAfterMissedSlotsPostsOne(t *testing.T) {
	loc := london(t)
	for _, st := range stores {
		for _, crashed := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/claim left behind=%v", st.name, crashed), func(t *testing.T) {
				store, reopen := st.open(t)
				slot := time.Date(2026, 3, 1, 1, 30, 0, 0, loc)
				clock := bottest.NewClock(slot.Add(-time.Hour))
				poster := &fakePoster{}
				s := process(t, store, clock, poster, weekly(t))
				runDue(t, s)
				clock.Set(slot)
				runDue(t, s) // week 1 posted
				if crashed {
					clock.Set(slot.Add(7 * 24 * time.Hour))
					poster.setFail(errCrash, false)
					runDue(t, s) // week 2 claimed, never posted
					poster.setFail(nil, false)
				}
				// Down through 8, 15 and 22 March; back on the 23rd.
				clock.Set(time.Date(2026, 3, 23, 9, 0, 0, 0, loc))
				restarted := process(t, reopen(), clock, poster, weekly(t))
				runDue(t, restarted)
				clock.Set(clock.Now().Add(time.Hour))
				runDue(t, restarted)
				got := titles(poster.Posts())
				if len(got) != 2 || got[1][:7] != "Week 2:" {
					t.Errorf("posts = %q, want week 1 then, after the restart, week 2 once", got)
				}
				if p := poster.Posts(); len(p) == 2 && p[1].Key != (bot.PostKey{Platform: "slack", Channel: "C1", Curriculum: "ai-safety-fundamentals", Slot: time.Date(2026, 3, 22, 1, 30, 0, 0, loc), Scheduled: true}).String() {
					t.Errorf("the catch-up post is for %s, want the latest slot, 22 March", p[1].Key)
				}
			})
		}
	}
}

// Run sleeps on the injected clock and posts when it reaches a slot.
func TestSchedulerRunOnFakeClock(t *testing.T) {
	loc := london(t)
	slot := time.Date(2026, 3, 15, 1, 30, 0, 0, loc)
	clock := bottest.NewClock(slot.Add(-2 * time.Hour))
	poster := &fakePoster{posted: make(chan fakePost, 1)}
	s := process(t, bot.NewMemoryReading(), clock, poster, weekly(t))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	<-clock.Waiting() // asleep until the slot
	clock.Set(slot)
	if p := <-poster.posted; p.Title[:7] != "Week 1:" {
		t.Errorf("posted %q, want week 1", p.Title)
	}
	<-clock.Waiting()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil on cancel", err)
	}
}

// A platform error leaves the claim for a retry after the lease; the post
// goes out once.
func TestSchedulerRetriesAfterPostError(t *testing.T) {
	loc := london(t)
	slot := time.Date(2026, 3, 15, 1, 30, 0, 0, loc)
	clock := bottest.NewClock(slot.Add(-time.Hour))
	poster := &fakePoster{}
	var log testLog
	store := bot.NewMemoryReading()
	g, _ := defaultGlossary()
	b := bot.New(g, bot.Config{Logger: slog.New(slog.NewTextHandler(&log, nil)), Clock: clock, Reading: bot.ReadingConfig{Store: store, Schedules: []bot.Schedule{weekly(t)}}})
	s := b.NewScheduler(map[string]bot.Poster{"slack": poster})
	runDue(t, s)
	clock.Set(slot)
	poster.setFail(errors.New("channel_not_found"), false)
	runDue(t, s)
	poster.setFail(nil, false)
	for _, d := range []time.Duration{time.Minute, bot.DefaultLease, bot.DefaultLease + time.Minute} {
		clock.Set(slot.Add(d))
		runDue(t, s)
	}
	if got := len(poster.Posts()); got != 1 {
		t.Errorf("posts = %d, want 1", got)
	}
	if !log.contains("channel_not_found") {
		t.Errorf("log %q does not report the platform error", log.String())
	}
}

type testLog struct {
	mu  sync.Mutex
	buf []byte
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	return len(p), nil
}

func (l *testLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf)
}

func (l *testLog) contains(s string) bool { return strings.Contains(l.String(), s) }

// downReading is a reading store whose database is unreachable while down
// is set.
type downReading struct {
	bot.ReadingStore
	mu   sync.Mutex
	down bool
}

func (d *downReading) set(down bool) { d.mu.Lock(); d.down = down; d.mu.Unlock() }

func (d *downReading) Claim(ctx context.Context, k bot.PostKey, steps int, now time.Time, confirmed bool) (bot.ReadingPost, bool, error) {
	d.mu.Lock()
	down := d.down
	d.mu.Unlock()
	if down {
		return bot.ReadingPost{}, false, fmt.Errorf("claim: %w", bot.ErrStoreDown)
	}
	return d.ReadingStore.Claim(ctx, k, steps, now, confirmed)
}

// A slot that falls due while the store is unreachable waits, and is
// posted once when the store is back, with the next step: none skipped.
func TestSchedulerWaitsForTheStore(t *testing.T) {
	loc := london(t)
	store := &downReading{ReadingStore: bot.NewMemoryReading()}
	clock := bottest.NewClock(time.Date(2026, 5, 2, 12, 0, 0, 0, loc)) // a Saturday
	poster := &fakePoster{}
	s := process(t, store, clock, poster, weekly(t))
	runDue(t, s)
	store.set(true)
	clock.Set(time.Date(2026, 5, 3, 1, 30, 0, 0, loc))
	next, err := s.RunDue(context.Background())
	if !errors.Is(err, bot.ErrStoreDown) {
		t.Fatalf("RunDue with the store down: %v, want bot.ErrStoreDown", err)
	}
	if got := next.Sub(clock.Now()); got > time.Minute {
		t.Errorf("next look in %v, want within a minute", got)
	}
	if len(poster.Posts()) != 0 {
		t.Fatalf("posted with the store down: %v", poster.Posts())
	}
	store.set(false)
	clock.Set(next)
	runDue(t, s)
	runDue(t, s)
	clock.Set(time.Date(2026, 5, 10, 1, 30, 0, 0, loc))
	runDue(t, s)
	g, err := defaultGlossary()
	if err != nil {
		t.Fatal(err)
	}
	c, _ := g.Curriculum("ai-safety-fundamentals")
	want := []string{c.Steps[0].Title, c.Steps[1].Title}
	if got := titles(poster.Posts()); !slices.Equal(got, want) {
		t.Errorf("posted %q, want %q: the first two steps once each", got, want)
	}
}

// ctxPoster fails a post whose context ended while it was sent, as an
// HTTP client does.
type ctxPoster struct{ *fakePoster }

func (p ctxPoster) Post(ctx context.Context, team, channel, key string, r bot.Reply) (string, error) {
	id, err := p.fakePoster.Post(ctx, team, channel, key, r)
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	return id, err
}

// A shutdown that begins while a post is being sent does not cut it
// short: the post finishes and is confirmed, so nothing is left for
// another process to reconcile.
func TestSchedulerFinishesAPostAtShutdown(t *testing.T) {
	loc := london(t)
	store := bot.NewMemoryReading()
	clock := bottest.NewClock(time.Date(2026, 5, 2, 12, 0, 0, 0, loc))
	poster := ctxPoster{&fakePoster{posted: make(chan fakePost)}}
	s := process(t, store, clock, poster, weekly(t))
	runDue(t, s)
	clock.Set(time.Date(2026, 5, 3, 1, 30, 0, 0, loc))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.RunDue(ctx)
		done <- err
	}()
	cancel()        // the shutdown begins...
	<-poster.posted // ...while the post is on its way
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	un, err := store.Unconfirmed(context.Background())
	if err != nil || len(un) != 0 {
		t.Errorf("after a shutdown during a post: %d unconfirmed (%v), want the post confirmed", len(un), err)
	}
}

// everyMinute is a schedule with slots closer together than the lease, so
// a slot comes due while an earlier claim is still within its lease.
func everyMinute(t *testing.T) bot.Schedule {
	t.Helper()
	tm, err := timing.Parse("* * * * *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return bot.Schedule{Platform: "slack", Channel: "C1", Curriculum: "ai-safety-fundamentals", Timing: tm}
}

// A claim lost to a crash before its post left, and superseded by a later
// slot that came due within the claim's lease, costs no step: the later
// post carries the lost claim's step, and the release is logged. Before,
// the later slot took the next step at once and the release came too late
// to give the lost one back (steps 1, 2, 3, 4, 6, ...).
func TestSupersededLostClaimCostsNoStep(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			store, reopen := st.open(t)
			t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			clock := bottest.NewClock(t0.Add(-30 * time.Second))
			poster := &fakePoster{}
			var log testLog
			newProcess := func(store bot.ReadingStore) *bot.Scheduler {
				g, err := defaultGlossary()
				if err != nil {
					t.Fatal(err)
				}
				b := bot.New(g, bot.Config{Logger: slog.New(slog.NewTextHandler(&log, nil)), Clock: clock,
					Reading: bot.ReadingConfig{Store: store, Schedules: []bot.Schedule{everyMinute(t)}}})
				return b.NewScheduler(map[string]bot.Poster{"slack": poster})
			}
			s := newProcess(store)
			runDue(t, s)
			crashAt := t0.Add(2 * time.Minute) // the third slot
			end := t0.Add(10 * time.Minute)
			for now := t0; now.Before(end); {
				clock.Set(now)
				if now.Equal(crashAt) {
					poster.setFail(errCrash, false)
					runDue(t, s) // claims the slot, then "dies" before the post leaves
					poster.setFail(nil, false)
					now = now.Add(30 * time.Second)
					clock.Set(now)
					s = newProcess(reopen()) // restarted, within the lease
				}
				next := runDue(t, s)
				if now = now.Add(time.Minute); next.Before(now) {
					now = next
				}
			}
			var weeks []int
			for _, title := range titles(poster.Posts()) {
				var w int
				if _, err := fmt.Sscanf(title, "Week %d:", &w); err != nil {
					t.Fatalf("title %q", title)
				}
				weeks = append(weeks, w)
			}
			t.Logf("posted weeks %v", weeks)
			if len(weeks) < 4 {
				t.Fatalf("posted weeks %v; want more", weeks)
			}
			for i, w := range weeks {
				if w != weeks[0]+i && w != 1 { // consecutive, or the curriculum starting over
					t.Errorf("posted weeks %v: a step was skipped or repeated", weeks)
					break
				}
			}
			if !log.contains("released the claim of a reading post that was never sent") {
				t.Errorf("the release is not logged:\n%s", log.String())
			}
		})
	}
}

// confirmDown is a ReadingStore whose Confirm fails as an unreachable
// store's does while down is set.
type confirmDown struct {
	bot.ReadingStore
	mu   sync.Mutex
	down bool
}

func (d *confirmDown) set(down bool) { d.mu.Lock(); d.down = down; d.mu.Unlock() }

func (d *confirmDown) Confirm(ctx context.Context, k bot.PostKey, id string, at time.Time) error {
	d.mu.Lock()
	down := d.down
	d.mu.Unlock()
	if down {
		return fmt.Errorf("confirm: %w", bot.ErrStoreDown)
	}
	return d.ReadingStore.Confirm(ctx, k, id, at)
}

// A post whose confirmation fails because the store went away is not an
// error of the scheduler's (the store logs its outage): it is confirmed
// from the platform once the store is back, and not posted twice.
func TestSchedulerConfirmWaitsForTheStore(t *testing.T) {
	loc := london(t)
	store := &confirmDown{ReadingStore: bot.NewMemoryReading()}
	clock := bottest.NewClock(time.Date(2026, 5, 2, 12, 0, 0, 0, loc))
	poster := &fakePoster{}
	var logs bottest.Buffer
	g, err := defaultGlossary()
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(g, bot.Config{Clock: clock, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Reading: bot.ReadingConfig{Store: store, Schedules: []bot.Schedule{weekly(t)}}})
	s := b.NewScheduler(map[string]bot.Poster{"slack": poster})
	runDue(t, s)
	store.set(true)
	clock.Set(time.Date(2026, 5, 3, 1, 30, 0, 0, loc))
	runDue(t, s)
	if len(poster.Posts()) != 1 {
		t.Fatalf("posts %v, want the one made before the confirmation failed", titles(poster.Posts()))
	}
	if strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "confirmation waits for the state store") {
		t.Errorf("log:\n%s\nwant an INFO line saying the confirmation waits, no ERROR", logs.String())
	}
	store.set(false)
	for range 3 {
		clock.Set(clock.Now().Add(3 * time.Minute)) // past the claim's lease
		runDue(t, s)
	}
	if len(poster.Posts()) != 1 {
		t.Errorf("posts %v, want the one post, confirmed from the platform, not posted again", titles(poster.Posts()))
	}
	if !strings.Contains(logs.String(), "found on the platform and confirmed") {
		t.Errorf("log:\n%s\nwant the post found and confirmed", logs.String())
	}
}
