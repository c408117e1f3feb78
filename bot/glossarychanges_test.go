package bot_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"refbot/bot"
)

// pollOnly hides the notifier's watch, as SQLite's store has none, and
// can fail its version reads.
type pollOnly struct {
	*bot.MemoryGlossaryNotifier
	failing atomic.Bool
}

func (p *pollOnly) WatchGlossary(context.Context) (<-chan struct{}, error) { return nil, nil }

func (p *pollOnly) GlossaryVersion(ctx context.Context) (int64, error) {
	if p.failing.Load() {
		return 0, errors.New("database unreachable")
	}
	return p.MemoryGlossaryNotifier.GlossaryVersion(ctx)
}

// follow runs FollowGlossary on n and returns the versions it reloads.
func follow(t *testing.T, n bot.GlossaryNotifier, check time.Duration) <-chan int64 {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan int64, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		bot.FollowGlossary(ctx, n, 0, check, slog.New(slog.NewTextHandler(io.Discard, nil)), func(_ context.Context, v int64) { got <- v })
	}()
	t.Cleanup(func() { cancel(); <-done })
	return got
}

func wantReload(t *testing.T, got <-chan int64, want int64) {
	t.Helper()
	select {
	case v := <-got:
		if v != want {
			t.Errorf("reloaded version %d, want %d", v, want)
		}
	case <-time.After(30 * time.Second): // a bound for a hung test, not a timing assertion
		t.Fatalf("no reload for version %d", want)
	}
}

// A notification reloads at once: the check interval is an hour.
func TestFollowGlossaryNotified(t *testing.T) {
	n := bot.NewMemoryGlossaryNotifier()
	got := follow(t, n, time.Hour)
	for want := int64(1); want <= 3; want++ {
		if _, err := n.GlossaryChanged(context.Background()); err != nil {
			t.Fatal(err)
		}
		wantReload(t, got, want)
	}
}

// Without notifications, the periodic check finds the change; a failing
// read is retried and the change still found.
func TestFollowGlossaryPolls(t *testing.T) {
	n := &pollOnly{MemoryGlossaryNotifier: bot.NewMemoryGlossaryNotifier()}
	got := follow(t, n, 5*time.Millisecond)
	if _, err := n.GlossaryChanged(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantReload(t, got, 1)
	n.failing.Store(true)
	if _, err := n.GlossaryChanged(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // a few failing checks
	n.failing.Store(false)
	wantReload(t, got, 2)
}
