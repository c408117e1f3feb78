package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/glossary"
	"refbot/glossary/data"
)

// requestMark marks the context of a request, so that a store can tell
// whether a request is what called it.
type requestMark struct{}

// watchedStore counts the writes it is asked for, and those asked for from
// inside a request.
type watchedStore struct {
	bot.StatsStore
	writes, fromRequests atomic.Int64
	first                chan struct{} // closed when the first write begins
}

func (w *watchedStore) AddLookups(ctx context.Context, batch []bot.LookupCount) error {
	if w.writes.Add(1) == 1 {
		close(w.first)
	}
	if ctx.Value(requestMark{}) != nil {
		w.fromRequests.Add(1)
	}
	return w.StatsStore.AddLookups(ctx, batch)
}

// TestLookupsNeverWaitForTheWriteLock: another connection (as another
// process would) holds the database's write lock while many distinct
// lookups are answered. Every lookup is answered while the lock is still
// held, none of them asks the store for anything, the queue stays within
// its bound and counts what it drops, and once the lock is released every
// lookup not dropped reaches the file. Before, the 4,096th distinct
// pending lookup flushed inside the request and waited for the lock.
func TestLookupsNeverWaitForTheWriteLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	store := open(t, path)

	other, err := sql.Open("sqlite", path+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	locker, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	if _, err := locker.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	locked := true
	defer func() {
		if locked {
			locker.ExecContext(ctx, "ROLLBACK")
		}
	}()

	logs := &bottest.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	watched := &watchedStore{StatsStore: store, first: make(chan struct{})}
	const maxPending = 300
	q := bot.NewStatsQueue(watched, bot.StatsQueueConfig{Every: time.Millisecond, MaxPending: maxPending, Logger: log})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- q.Run(runCtx) }()
	defer func() { stop(); <-done }()

	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(g, bot.Config{Stats: q, Logger: log})
	const lookups = 1000
	answered := 0
	reqCtx := context.WithValue(ctx, requestMark{}, true)
	ask := func(i int) bot.Reply {
		return b.Answer(reqCtx, bot.Request{Platform: "slack", Kind: bot.Command, Command: bot.CommandDefine, Text: fmt.Sprintf("zqx %d", i)})
	}
	// The first lookup starts the queue's first write, which then waits
	// for the lock while the others are answered.
	ask(0)
	answered++
	<-watched.first
	for i := 1; i < lookups; i++ {
		if r := ask(i); r.Notice == "" || strings.Contains(r.Notice, "went wrong") {
			t.Fatalf("lookup %d: %+v", i, r)
		}
		answered++
	}
	// Still holding the lock.
	if answered != lookups {
		t.Errorf("%d of %d lookups answered while the lock was held", answered, lookups)
	}
	if n := watched.fromRequests.Load(); n != 0 {
		t.Errorf("%d requests asked the store to write; want none", n)
	}
	if p := q.Pending(); p > maxPending {
		t.Errorf("%d lookups pending; the bound is %d", p, maxPending)
	}
	if q.Dropped() == 0 {
		t.Errorf("nothing dropped: the test never filled the queue")
	}
	if strings.Contains(logs.String(), "record lookup") || strings.Contains(logs.String(), "request failed") {
		t.Errorf("a request logged a failure:\n%s", logs.String())
	}

	if _, err := locker.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	locked = false
	stop()
	if err := <-done; err != nil {
		t.Fatalf("final write: %v", err)
	}
	done <- nil // for the deferred stop
	top, err := store.TopLookups(ctx, "slack", lookups)
	if err != nil {
		t.Fatal(err)
	}
	stored := 0
	for _, c := range top.Missing {
		stored += c.Count
	}
	if uint64(stored)+q.Dropped() != lookups {
		t.Errorf("%d lookups stored + %d dropped = %d; want %d", stored, q.Dropped(), uint64(stored)+q.Dropped(), lookups)
	}
	t.Logf("%d lookups answered under the lock; %d stored after it, %d dropped; %d writes tried, %d write failures",
		answered, stored, q.Dropped(), watched.writes.Load(), q.FlushFailures())
}
