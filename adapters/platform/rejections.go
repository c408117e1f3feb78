package platform

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Rejections counts the requests a platform's endpoint refuses before
// they are authenticated — a bad or missing signature, a stale timestamp,
// a body over the cap — and logs them sparingly. Anyone on the internet
// can send such requests, so one log line each would let them fill the
// disk: the first in a quiet spell is logged at once, and the rest at most
// one line per interval, with their number. Every one is counted (Total,
// exported as refbot_unauthenticated_requests_total). It is safe for
// concurrent use; a nil *Rejections counts and logs nothing.
type Rejections struct {
	log   *slog.Logger
	every time.Duration
	now   func() time.Time // tests move it by hand
	total atomic.Uint64

	mu       sync.Mutex // guards the fields below
	lastLine time.Time  // when the last line was written
	held     int        // rejections since then, not logged yet
	reason   string     // the latest of them
	remote   string
}

// DefaultRejectionsEvery is the interval of refbot serve's Rejections.
const DefaultRejectionsEvery = time.Minute

// NewRejections returns a Rejections that logs to log at most once every
// interval (DefaultRejectionsEvery when 0). Run writes the held-back count
// when rejections stop; without it the count waits for the next rejection.
func NewRejections(log *slog.Logger, every time.Duration) *Rejections {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if every <= 0 {
		every = DefaultRejectionsEvery
	}
	return &Rejections{log: log, every: every, now: time.Now}
}

// Reject counts one refused request: why (never a secret, never the
// request's content) and where it came from.
func (r *Rejections) Reject(ctx context.Context, reason, remote string) {
	if r == nil {
		return
	}
	r.total.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reason, r.remote = reason, remote
	now := r.now()
	if !r.lastLine.IsZero() && now.Sub(r.lastLine) < r.every {
		r.held++
		return
	}
	if r.held > 0 {
		r.summary(ctx, now, r.held+1)
		return
	}
	r.lastLine = now
	r.log.WarnContext(ctx, "rejected an unauthenticated request; more within "+r.every.String()+" are counted, not logged",
		"reason", reason, "remote", remote)
}

// summary writes the count of n rejections since the last line. r.mu is
// held.
func (r *Rejections) summary(ctx context.Context, now time.Time, n int) {
	r.log.WarnContext(ctx, "rejected unauthenticated requests", "count", n, "since", r.lastLine.UTC().Format(time.RFC3339),
		"last_reason", r.reason, "last_remote", r.remote, "total", r.total.Load())
	r.lastLine, r.held = now, 0
}

// Flush writes the count of the rejections held back, if any, once the
// interval since the last line is over.
func (r *Rejections) Flush(ctx context.Context) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := r.now(); r.held > 0 && now.Sub(r.lastLine) >= r.every {
		r.summary(ctx, now, r.held)
	}
}

// Run flushes every interval until ctx is done, so a burst's count is
// logged even when no rejection follows it.
func (r *Rejections) Run(ctx context.Context) error {
	if r == nil {
		return nil
	}
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			r.Flush(ctx)
		}
	}
}

// Total is how many requests were rejected since start.
func (r *Rejections) Total() uint64 {
	if r == nil {
		return 0
	}
	return r.total.Load()
}
