package platform

import (
	"math/rand/v2"
	"time"
)

// Backoff paces the reconnects of a long-lived connection (Discord's
// gateway, Slack's Socket Mode) by how long the previous connection
// lasted. A connection that failed or dropped soon after it opened makes
// the next wait longer — doubling from Min up to Max — so a server that
// accepts and drops every connection is not hammered; one that lasted
// Stable or longer resets the backoff, and the next attempt follows at
// once, give or take a little jitter so that many instances dropped
// together do not return together. Both chat adapters pace their
// connections with it (adapters never import each other, so it lives
// here). The zero value is not usable; fill in Min, Max and Stable.
//
// Waits are "equal jitter": half the step fixed, half random, so each
// wait is at least as long as the one before until Max is reached.
type Backoff struct {
	Min, Max time.Duration
	// Stable is how long a connection must last to reset the backoff.
	Stable time.Duration
	step   time.Duration
	// rand returns a number in [0, 1); nil uses math/rand/v2.
	rand func() float64
}

// Wait returns how long to wait before the next attempt, given how long
// the previous connection lasted once it was up (0 for an attempt that
// never connected).
func (b *Backoff) Wait(lasted time.Duration) time.Duration {
	r := b.rand
	if r == nil {
		r = rand.Float64
	}
	if lasted >= b.Stable && b.Stable > 0 {
		b.step = 0
		return time.Duration(r() * float64(b.Min) / 2)
	}
	if b.step == 0 {
		b.step = b.Min
	} else {
		b.step = min(2*b.step, b.Max)
	}
	half := b.step / 2
	return half + time.Duration(r()*float64(b.step-half))
}
