package platform

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// A flood of unauthenticated requests writes one line at its start and at
// most one line per interval after it, with the count; every request is
// counted.
func TestRejectionsAggregate(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	r := NewRejections(slog.New(slog.NewTextHandler(&buf, nil)), time.Minute)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return now }
	lines := func() int { return strings.Count(buf.String(), "\n") }

	for i := range 1000 { // one second's flood
		r.Reject(ctx, "signature mismatch", "192.0.2.1:4000")
		if i == 0 && lines() != 1 {
			t.Fatalf("the first rejection was not logged: %q", buf.String())
		}
	}
	if lines() != 1 || r.Total() != 1000 {
		t.Fatalf("after 1,000 rejections in one instant: %d lines, total %d; want 1 line, 1000", lines(), r.Total())
	}
	if !strings.Contains(buf.String(), `reason="signature mismatch" remote=192.0.2.1:4000`) {
		t.Errorf("first line = %q", buf.String())
	}
	r.Flush(ctx) // within the interval: nothing yet
	if lines() != 1 {
		t.Errorf("Flush within the interval wrote a line")
	}
	now = now.Add(time.Minute)
	r.Flush(ctx)
	if lines() != 2 || !strings.Contains(buf.String(), `msg="rejected unauthenticated requests" count=999 since=2026-03-01T12:00:00Z last_reason="signature mismatch"`) {
		t.Errorf("after the interval: %q", buf.String())
	}
	r.Flush(ctx)
	if lines() != 2 {
		t.Errorf("Flush with nothing held wrote a line")
	}
	// The flood goes on: one summary per interval, the count including
	// the rejection that wrote it.
	for range 3 {
		for range 50 {
			now = now.Add(time.Second)
			r.Reject(ctx, "stale timestamp", "192.0.2.2:5000")
		}
	}
	if lines() != 4 || !strings.Contains(buf.String(), `count=60 since=2026-03-01T12:01:00Z last_reason="stale timestamp"`) {
		t.Errorf("during a long flood: %d lines:\n%s", lines(), buf.String())
	}
	if r.Total() != 1150 {
		t.Errorf("total = %d, want 1150", r.Total())
	}
}

// Run writes the held-back count when the flood stops, and stops with its
// context.
func TestRejectionsRun(t *testing.T) {
	var buf syncBuffer
	r := NewRejections(slog.New(slog.NewTextHandler(&buf, nil)), time.Millisecond)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	r.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	for range 3 {
		r.Reject(ctx, "bad signature headers", "192.0.2.3:1")
	}
	go func() { done <- r.Run(ctx) }()
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(buf.String(), "count=2"); {
		if time.Now().After(deadline) { // a liveness bound, not a timing assertion
			t.Fatalf("no summary from Run: %q", buf.String())
		}
		time.Sleep(time.Millisecond) // the summary comes at Run's next tick
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	var nilR *Rejections
	nilR.Reject(ctx, "x", "y")
	nilR.Flush(ctx)
	if nilR.Total() != 0 || nilR.Run(ctx) != nil {
		t.Error("a nil Rejections did something")
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
