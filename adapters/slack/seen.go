package slack

import (
	"sync"
	"time"
)

// seen remembers Events API event ids so an event Slack delivers again
// (it retries after 3 s without an answer, or after an error) is
// processed once. Ids are kept for ttl; at most max are kept, the oldest
// forgotten first, so memory stays bounded under any load.
type seen struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	at    map[string]time.Time
	order []string // insertion order; order[head:] are live candidates
	head  int
	now   func() time.Time
}

func newSeen(ttl time.Duration, max int) *seen {
	return &seen{ttl: ttl, max: max, at: make(map[string]time.Time), now: time.Now}
}

// add records id and reports whether it is new. An empty id is always new.
func (s *seen) add(id string) bool {
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

// forget removes id, so a delivery refbot could not take on is processed
// when Slack retries it.
func (s *seen) forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.at, id) // its order entry is skipped when it comes up
}

func (s *seen) expire(now time.Time) {
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

func (s *seen) drop() {
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
func (s *seen) compact() {
	if s.head > 0 && s.head >= len(s.order)/2 {
		n := copy(s.order, s.order[s.head:])
		clear(s.order[n:])
		s.order = s.order[:n]
		s.head = 0
	}
}
