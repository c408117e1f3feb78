package bot

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// PostKey names one post of a curriculum in one channel: a scheduled slot,
// or the moment someone asked for the next step. At most one post exists
// per key (the SQLite store makes it a UNIQUE key), so a slot is never
// posted twice, whatever the number of processes.
type PostKey struct {
	Platform, Channel, Curriculum string
	Slot                          time.Time // whole seconds
	Scheduled                     bool
}

// String is the key as Poster sees it, stable across restarts.
func (k PostKey) String() string {
	kind := "ask"
	if k.Scheduled {
		kind = "cron"
	}
	return fmt.Sprintf("refbot/reading/%s/%s/%s/%s/%d", k.Platform, k.Channel, k.Curriculum, kind, k.Slot.Unix())
}

// ReadingPost is a claimed post and what became of it.
type ReadingPost struct {
	PostKey
	Step        int // index into the curriculum's steps
	ClaimedAt   time.Time
	MessageID   string
	ConfirmedAt time.Time // zero until the post is known to be out
}

// Confirmed reports whether the post is known to have been sent.
func (p ReadingPost) Confirmed() bool { return !p.ConfirmedAt.IsZero() }

// ReadingStore keeps reading-schedule state: which step each channel is
// at and which posts were claimed and confirmed. Implementations must be
// safe for concurrent use; bot/sqlite's also across processes.
type ReadingStore interface {
	// Claim takes the channel's next step of the curriculum (position
	// modulo steps) for key and advances its position, atomically. ok is
	// false, and nothing changes, when key was claimed before. A claim
	// with confirmed set is recorded as already sent (on-demand posts,
	// which the adapter sends as the reply).
	Claim(ctx context.Context, key PostKey, steps int, now time.Time, confirmed bool) (p ReadingPost, ok bool, err error)
	// Confirm records that the claimed post went out as messageID.
	Confirm(ctx context.Context, key PostKey, messageID string, now time.Time) error
	// Unconfirmed lists scheduled claims not yet confirmed, oldest first.
	Unconfirmed(ctx context.Context) ([]ReadingPost, error)
	// TakeOver makes an unconfirmed claim this caller's by moving its
	// ClaimedAt from was to now; it reports false when another caller got
	// there first or the claim is gone or confirmed.
	TakeOver(ctx context.Context, key PostKey, was, now time.Time) (bool, error)
	// Release deletes an unconfirmed claim whose ClaimedAt is still was,
	// giving its step back when nothing was claimed after it.
	Release(ctx context.Context, key PostKey, was time.Time) (bool, error)
	// Position is how many steps were claimed in the channel so far; the
	// next step is Position modulo the number of steps.
	Position(ctx context.Context, platform, channel, curriculum string) (int, error)
	// LastPost is the latest claimed post of the curriculum in the channel,
	// scheduled or asked for.
	LastPost(ctx context.Context, platform, channel, curriculum string) (ReadingPost, bool, error)
	// LastSlot is the latest scheduled slot claimed in the channel.
	LastSlot(ctx context.Context, platform, channel, curriculum string) (time.Time, bool, error)
}

// MemoryReading is an in-memory ReadingStore, for tests. It keeps the
// same rules as bot/sqlite's store within one process.
type MemoryReading struct {
	mu        sync.Mutex
	posts     map[PostKey]*memPost
	positions map[scheduleID]int
}

type memPost struct {
	ReadingPost
	seq int // the channel's position when claimed
}

// NewMemoryReading returns an empty MemoryReading.
func NewMemoryReading() *MemoryReading {
	return &MemoryReading{posts: map[PostKey]*memPost{}, positions: map[scheduleID]int{}}
}

func normKey(k PostKey) PostKey {
	k.Slot = time.Unix(k.Slot.Unix(), 0).UTC()
	return k
}

func (m *MemoryReading) Claim(ctx context.Context, key PostKey, steps int, now time.Time, confirmed bool) (ReadingPost, bool, error) {
	if steps <= 0 {
		return ReadingPost{}, false, fmt.Errorf("claim %s: the curriculum has no steps", key)
	}
	key = normKey(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.posts[key]; ok {
		return ReadingPost{}, false, nil
	}
	id := scheduleID{key.Platform, key.Channel, key.Curriculum}
	pos := m.positions[id]
	p := &memPost{ReadingPost{PostKey: key, Step: pos % steps, ClaimedAt: now}, pos}
	if confirmed {
		p.ConfirmedAt = now
	}
	m.posts[key] = p
	m.positions[id] = pos + 1
	return p.ReadingPost, true, nil
}

func (m *MemoryReading) Confirm(ctx context.Context, key PostKey, messageID string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.posts[normKey(key)]
	if !ok {
		return fmt.Errorf("confirm %s: no such claim", key)
	}
	p.MessageID, p.ConfirmedAt = messageID, now
	return nil
}

func (m *MemoryReading) Unconfirmed(ctx context.Context) ([]ReadingPost, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ReadingPost
	for _, p := range m.posts {
		if p.Scheduled && !p.Confirmed() {
			out = append(out, p.ReadingPost)
		}
	}
	slices.SortFunc(out, func(a, b ReadingPost) int { return a.Slot.Compare(b.Slot) })
	return out, nil
}

func (m *MemoryReading) TakeOver(ctx context.Context, key PostKey, was, now time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.posts[normKey(key)]
	if !ok || p.Confirmed() || !p.ClaimedAt.Equal(was) {
		return false, nil
	}
	p.ClaimedAt = now
	return true, nil
}

func (m *MemoryReading) Release(ctx context.Context, key PostKey, was time.Time) (bool, error) {
	key = normKey(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.posts[key]
	if !ok || p.Confirmed() || !p.ClaimedAt.Equal(was) {
		return false, nil
	}
	delete(m.posts, key)
	id := scheduleID{key.Platform, key.Channel, key.Curriculum}
	if m.positions[id] == p.seq+1 {
		m.positions[id] = p.seq
	}
	return true, nil
}

func (m *MemoryReading) Position(ctx context.Context, platform, channel, curriculum string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.positions[scheduleID{platform, channel, curriculum}], nil
}

func (m *MemoryReading) LastPost(ctx context.Context, platform, channel, curriculum string) (ReadingPost, bool, error) {
	return m.last(platform, channel, curriculum, false)
}

func (m *MemoryReading) LastSlot(ctx context.Context, platform, channel, curriculum string) (time.Time, bool, error) {
	p, ok, err := m.last(platform, channel, curriculum, true)
	return p.Slot, ok, err
}

// last returns the channel's latest claim by position (scheduledOnly: by slot).
func (m *MemoryReading) last(platform, channel, curriculum string, scheduledOnly bool) (ReadingPost, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var best *memPost
	for k, p := range m.posts {
		if k.Platform != platform || k.Channel != channel || k.Curriculum != curriculum || scheduledOnly && !k.Scheduled {
			continue
		}
		if best == nil || scheduledOnly && p.Slot.After(best.Slot) || !scheduledOnly && p.seq > best.seq {
			best = p
		}
	}
	if best == nil {
		return ReadingPost{}, false, nil
	}
	return best.ReadingPost, true, nil
}
