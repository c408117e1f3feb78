// Package bottest holds test doubles for code built on package bot, as
// net/http/httptest does for net/http: a clock that moves only when a test
// moves it, a buffer that goroutines may write while a test reads it, and
// a store that panics on demand.
package bottest

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"refbot/bot"
)

// Clock is a bot.Clock that moves only when a test sets it.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	waiting chan struct{}
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

// maxWaiting is how many After calls a test may leave unobserved on
// Waiting before After blocks.
const maxWaiting = 100

// NewClock returns a Clock showing t.
func NewClock(t time.Time) *Clock {
	return &Clock{now: t, waiting: make(chan struct{}, maxWaiting)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After returns a channel that receives the time once the clock is set
// to now+d or later.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, waiter{c.now.Add(d), ch})
	c.waiting <- struct{}{}
	return ch
}

// Waiting receives once for each call to After, so a test can tell that
// the code under test has gone to sleep.
func (c *Clock) Waiting() <-chan struct{} { return c.waiting }

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Set moves the clock to t and wakes everyone waiting for a time up to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(t) {
			keep = append(keep, w)
			continue
		}
		w.ch <- t
	}
	c.waiters = keep
}

// Buffer is a bytes.Buffer that goroutines may write while a test reads
// it, for logs and console output.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Faulty is an in-memory bot.Stats and bot.AutolinkStore whose next calls
// panic when a test asks: a stand-in for a bug anywhere under bot.Handle,
// to show that such a bug cannot take a process down.
type Faulty struct {
	*bot.MemoryStats
	*bot.MemoryAutolink
	panics atomic.Int64
}

// NewFaulty returns a Faulty that works until PanicNext.
func NewFaulty() *Faulty {
	return &Faulty{MemoryStats: bot.NewMemoryStats(), MemoryAutolink: bot.NewMemoryAutolink()}
}

// PanicNext makes the next n lookups counted (RecordLookup) or channel
// settings read (ChannelAutolink) panic.
func (f *Faulty) PanicNext(n int) { f.panics.Store(int64(n)) }

func (f *Faulty) fail() {
	if f.panics.Add(-1) >= 0 {
		panic("bottest.Faulty: a bug under the core")
	}
}

// RecordLookup implements bot.Stats.
func (f *Faulty) RecordLookup(ctx context.Context, l bot.Lookup) error {
	f.fail()
	return f.MemoryStats.RecordLookup(ctx, l)
}

// ChannelAutolink implements bot.AutolinkStore.
func (f *Faulty) ChannelAutolink(ctx context.Context, platform, channel string) (bot.AutolinkMode, error) {
	f.fail()
	return f.MemoryAutolink.ChannelAutolink(ctx, platform, channel)
}
