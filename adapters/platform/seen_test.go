package platform

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSeen(t *testing.T) {
	s := NewSeen(10*time.Minute, 3)
	now := time.Unix(1_700_000_000, 0)
	s.now = func() time.Time { return now }
	steps := []struct {
		id      string
		advance time.Duration
		want    bool
	}{
		{"a", 0, true},
		{"a", 0, false},
		{"b", time.Minute, true},
		{"a", 8 * time.Minute, false}, // 9 minutes old: still remembered
		{"a", time.Minute, true},      // 10 minutes old: forgotten
		{"c", 0, true},
		{"d", 0, true}, // bound of 3: the oldest (b) is forgotten
		{"b", 0, true},
		{"", 0, true},
		{"", 0, true},
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		if got := s.Add(st.id); got != st.want {
			t.Errorf("step %d: Add(%q) = %v, want %v", i, st.id, got, st.want)
		}
		if s.Len() > 3 {
			t.Fatalf("step %d: %d ids kept, bound 3", i, s.Len())
		}
	}
	s.Forget("d")
	if !s.Add("d") {
		t.Error("a forgotten id is new again")
	}
}

func TestSeenStaysBounded(t *testing.T) {
	s := NewSeen(time.Hour, 100)
	for i := range 100_000 {
		s.Add(strings.Repeat("x", i%7) + string(rune(i)))
	}
	if len(s.at) > 100 || len(s.order) > 200 {
		t.Errorf("kept %d ids and %d order entries, bound 100", len(s.at), len(s.order))
	}
}

// TestSeenConcurrent: of many goroutines adding the same ids, exactly one
// wins each id.
func TestSeenConcurrent(t *testing.T) {
	s := NewSeen(time.Hour, 1000)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := map[string]int{}
	for range 8 {
		wg.Go(func() {
			for i := range 200 {
				id := string(rune('a' + i%26))
				if s.Add(id) {
					mu.Lock()
					wins[id]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(wins) != 26 {
		t.Errorf("%d ids won, want 26", len(wins))
	}
	for id, n := range wins {
		if n != 1 {
			t.Errorf("id %q new %d times, want once", id, n)
		}
	}
}
