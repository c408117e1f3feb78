package bot

import "time"

// Clock is the core's time, for cooldowns and schedules: the system clock
// in production, a fake one (bot/bottest) that tests move by hand.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// SystemClock is the real clock.
func SystemClock() Clock { return systemClock{} }
