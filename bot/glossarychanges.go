package bot

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// GlossaryNotifier is a store's "glossary changed" capability: the
// glossary kept in the store (the curated layer) has a version that every
// change raises, and processes sharing the store learn of a change — at
// once where the backend can notify (PostgreSQL's LISTEN/NOTIFY), else at
// the next periodic check (FollowGlossary).
type GlossaryNotifier interface {
	// GlossaryChanged records a change to the stored glossary, tells
	// every process watching, and returns the new version.
	GlossaryChanged(ctx context.Context) (version int64, err error)
	// GlossaryVersion is the latest version; 0 before any change.
	GlossaryVersion(ctx context.Context) (int64, error)
	// WatchGlossary returns a channel that receives soon after each
	// change, by any process, while ctx lasts, and is closed when ctx
	// ends. Wake-ups may be coalesced or, after a lost connection,
	// missed: readers check GlossaryVersion. A nil channel means the
	// backend cannot notify and readers must poll.
	WatchGlossary(ctx context.Context) (<-chan struct{}, error)
}

// FollowGlossary calls reload with the new version each time the stored
// glossary's version moves on from version (the one in service), until
// ctx ends: on every notification from n and, as a fallback for
// notifications lost with a connection, every check. A failure to read
// the version is logged once until a read succeeds again (not at all when
// it wraps ErrStoreDown: the store logs its outages), and tried again at
// the next check.
func FollowGlossary(ctx context.Context, n GlossaryNotifier, version int64, check time.Duration, log *slog.Logger, reload func(ctx context.Context, version int64)) {
	var wake <-chan struct{}
	watchFailing := false
	watch := func() {
		w, err := n.WatchGlossary(ctx)
		if err != nil {
			if !watchFailing && !errors.Is(err, ErrStoreDown) { // the store logs its outages
				log.WarnContext(ctx, "watch for glossary changes; checking every interval instead", "every", check, "err", err)
			}
			watchFailing = true
			return
		}
		watchFailing = false
		wake = w
	}
	tick := time.NewTicker(check)
	defer tick.Stop()
	failing := false
	for {
		if wake == nil {
			watch() // (again, after a lost connection)
		}
		// Check now: a change made before the watch began has no
		// notification of its own.
		v, err := n.GlossaryVersion(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			if !failing && !errors.Is(err, ErrStoreDown) { // the store logs its outages
				log.WarnContext(ctx, "read the stored glossary's version; will try again", "every", check, "err", err)
			}
			failing = true
		case err == nil:
			failing = false
			if v != version {
				version = v
				reload(ctx, v)
			}
		}
		select {
		case <-ctx.Done():
			return
		case _, ok := <-wake:
			if !ok {
				wake = nil // the watch broke, or ctx ended
			}
		case <-tick.C:
		}
	}
}

// MemoryGlossaryNotifier is an in-memory GlossaryNotifier, for the console
// and tests: one process, so every watcher is told at once.
type MemoryGlossaryNotifier struct {
	mu       sync.Mutex
	version  int64
	watchers map[chan struct{}]struct{}
}

// NewMemoryGlossaryNotifier returns a MemoryGlossaryNotifier at version 0.
func NewMemoryGlossaryNotifier() *MemoryGlossaryNotifier {
	return &MemoryGlossaryNotifier{watchers: map[chan struct{}]struct{}{}}
}

func (m *MemoryGlossaryNotifier) GlossaryChanged(ctx context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.version++
	for w := range m.watchers {
		select {
		case w <- struct{}{}:
		default: // a wake-up is already waiting
		}
	}
	return m.version, nil
}

func (m *MemoryGlossaryNotifier) GlossaryVersion(ctx context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.version, nil
}

func (m *MemoryGlossaryNotifier) WatchGlossary(ctx context.Context) (<-chan struct{}, error) {
	w := make(chan struct{}, 1)
	m.mu.Lock()
	m.watchers[w] = struct{}{}
	m.mu.Unlock()
	go func() {
		<-ctx.Done()
		m.mu.Lock()
		delete(m.watchers, w)
		close(w)
		m.mu.Unlock()
	}()
	return w, nil
}
