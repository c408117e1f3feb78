package bot

import (
	"context"
	"sync"
	"time"
)

// AutolinkMode is a channel's auto-link setting.
type AutolinkMode int

const (
	// AutolinkUnset: the channel never chose; the configuration decides.
	AutolinkUnset AutolinkMode = iota
	// AutolinkOff: never link in this channel.
	AutolinkOff
	// AutolinkDigest: reply in the message's thread with a short digest.
	AutolinkDigest
	// AutolinkReaction: add a 📖 reaction; the card is a click away.
	AutolinkReaction
)

// AutolinkStore keeps auto-link choices and cooldowns. Implementations
// must be safe for concurrent use; the SQLite one (bot/sqlite) also across
// processes.
type AutolinkStore interface {
	ChannelAutolink(ctx context.Context, platform, channel string) (AutolinkMode, error)
	SetChannelAutolink(ctx context.Context, platform, channel string, m AutolinkMode) error
	UserOptedOut(ctx context.Context, platform, user string) (bool, error)
	SetUserOptedOut(ctx context.Context, platform, user string, out bool) error
	// TakeCooldown reports whether term may be linked in the channel at
	// now — no link since now-d — and if so records now, atomically, so
	// two deliveries of one burst never both link.
	TakeCooldown(ctx context.Context, platform, channel, term string, now time.Time, d time.Duration) (bool, error)
}

// MemoryAutolink is an in-memory AutolinkStore, for the console and tests.
type MemoryAutolink struct {
	mu       sync.Mutex
	channels map[[2]string]AutolinkMode
	optedOut map[[2]string]bool
	linked   map[[3]string]time.Time
}

// NewMemoryAutolink returns an empty MemoryAutolink.
func NewMemoryAutolink() *MemoryAutolink {
	return &MemoryAutolink{
		channels: map[[2]string]AutolinkMode{},
		optedOut: map[[2]string]bool{},
		linked:   map[[3]string]time.Time{},
	}
}

func (m *MemoryAutolink) ChannelAutolink(ctx context.Context, platform, channel string) (AutolinkMode, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.channels[[2]string{platform, channel}], nil
}

func (m *MemoryAutolink) SetChannelAutolink(ctx context.Context, platform, channel string, mode AutolinkMode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.channels[[2]string{platform, channel}] = mode
	return nil
}

func (m *MemoryAutolink) UserOptedOut(ctx context.Context, platform, user string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.optedOut[[2]string{platform, user}], nil
}

func (m *MemoryAutolink) SetUserOptedOut(ctx context.Context, platform, user string, out bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if out {
		m.optedOut[[2]string{platform, user}] = true
	} else {
		delete(m.optedOut, [2]string{platform, user})
	}
	return nil
}

// maxCooldowns bounds the cooldown table; expired ones are dropped first.
const maxCooldowns = 100000

func (m *MemoryAutolink) TakeCooldown(ctx context.Context, platform, channel, term string, now time.Time, d time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [3]string{platform, channel, term}
	if last, ok := m.linked[k]; ok && now.Sub(last) < d {
		return false, nil
	}
	if len(m.linked) >= maxCooldowns {
		for key, t := range m.linked {
			if now.Sub(t) >= d {
				delete(m.linked, key)
			}
		}
	}
	m.linked[k] = now
	return true, nil
}
