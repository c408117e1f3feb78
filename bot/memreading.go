package bot

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

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
