package platform

import (
	"sync"
	"time"
)

// Seen remembers the ids of deliveries a platform may send more than once
// — a Slack event or Socket Mode envelope redelivered, a Discord
// interaction dispatched again — so each is handled once. Ids are kept
// for a time-to-live; at most a fixed number are kept, the oldest
// forgotten first, so memory stays bounded under any load. It lives here
// because both chat adapters need it and adapters never import each
// other. Safe for concurrent use.
type Seen struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	at    map[string]time.Time
	order []string // insertion order; order[head:] are live candidates
	head  int
	now   func() time.Time
}

// NewSeen returns an empty Seen that remembers each id for ttl and at
// most max ids.
func NewSeen(ttl time.Duration, max int) *Seen {
	return &Seen{ttl: ttl, max: max, at: make(map[string]time.Time), now: time.Now}
}

// Add records id and reports whether it is new. An empty id is always new.
func (s *Seen) Add(id string) bool {
	if id == "" {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.expire(now)
	if _, ok := s.at[id]; ok {
		return false
	}
	for len(s.at) >= s.max {
		s.drop()
	}
	s.at[id] = now
	s.order = append(s.order, id)
	return true
}

// Forget removes id, so a delivery refbot could not take on is handled
// when the platform sends it again.
func (s *Seen) Forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.at, id) // its order entry is skipped when it comes up
}

// Len is how many ids are remembered.
func (s *Seen) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.at)
}

func (s *Seen) expire(now time.Time) {
	for s.head < len(s.order) {
		id := s.order[s.head]
		t, ok := s.at[id]
		if ok && now.Sub(t) < s.ttl {
			break
		}
		if ok {
			delete(s.at, id)
		}
		s.head++
	}
	s.compact()
}

func (s *Seen) drop() {
	for s.head < len(s.order) {
		id := s.order[s.head]
		s.head++
		if _, ok := s.at[id]; ok {
			delete(s.at, id)
			break
		}
	}
	s.compact()
}

// compact reuses the slice once half of it is spent.
func (s *Seen) compact() {
	if s.head > 0 && s.head >= len(s.order)/2 {
		n := copy(s.order, s.order[s.head:])
		clear(s.order[n:])
		s.order = s.order[:n]
		s.head = 0
	}
}
