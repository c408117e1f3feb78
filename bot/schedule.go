package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Poster sends the posts the core starts itself: scheduled reading
// prompts. Each platform adapter implements it.
type Poster interface {
	// Post sends r to channel and returns the id of the message. key
	// identifies the post for good; adapters attach it where Find can see
	// it again (Slack message metadata, Discord's nonce) when they can.
	Post(ctx context.Context, channel, key string, r Reply) (messageID string, err error)
	// Find returns the id of a recent message the bot posted to channel
	// with key, or "" when there is none or the platform cannot tell.
	Find(ctx context.Context, channel, key string) (messageID string, err error)
}

// Clock is the scheduler's time: the system clock in production, a fake
// one that tests move by hand.
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

// PostKey names one post of a curriculum in one channel: a scheduled slot,
// or the moment someone asked for the next step. At most one post exists
// per key (the SQLite store makes it a UNIQUE key), so a slot is never
// posted twice, whatever the number of processes.
type PostKey struct {
	Platform, Channel, Curriculum string
	Slot                          time.Time // whole seconds
	Scheduled                     bool
}

// String is the key as Poster sees it, stable across restarts.
func (k PostKey) String() string {
	kind := "ask"
	if k.Scheduled {
		kind = "cron"
	}
	return fmt.Sprintf("refbot/reading/%s/%s/%s/%s/%d", k.Platform, k.Channel, k.Curriculum, kind, k.Slot.Unix())
}

// ReadingPost is a claimed post and what became of it.
type ReadingPost struct {
	PostKey
	Step        int // index into the curriculum's steps
	ClaimedAt   time.Time
	MessageID   string
	ConfirmedAt time.Time // zero until the post is known to be out
}

// Confirmed reports whether the post is known to have been sent.
func (p ReadingPost) Confirmed() bool { return !p.ConfirmedAt.IsZero() }

// ReadingStore keeps reading-schedule state: which step each channel is
// at and which posts were claimed and confirmed. Implementations must be
// safe for concurrent use; bot/sqlite's also across processes.
type ReadingStore interface {
	// Claim takes the channel's next step of the curriculum (position
	// modulo steps) for key and advances its position, atomically. ok is
	// false, and nothing changes, when key was claimed before. A claim
	// with confirmed set is recorded as already sent (on-demand posts,
	// which the adapter sends as the reply).
	Claim(ctx context.Context, key PostKey, steps int, now time.Time, confirmed bool) (p ReadingPost, ok bool, err error)
	// Confirm records that the claimed post went out as messageID.
	Confirm(ctx context.Context, key PostKey, messageID string, now time.Time) error
	// Unconfirmed lists scheduled claims not yet confirmed, oldest first.
	Unconfirmed(ctx context.Context) ([]ReadingPost, error)
	// TakeOver makes an unconfirmed claim this caller's by moving its
	// ClaimedAt from was to now; it reports false when another caller got
	// there first or the claim is gone or confirmed.
	TakeOver(ctx context.Context, key PostKey, was, now time.Time) (bool, error)
	// Release deletes an unconfirmed claim whose ClaimedAt is still was,
	// giving its step back when nothing was claimed after it.
	Release(ctx context.Context, key PostKey, was time.Time) (bool, error)
	// Position is how many steps were claimed in the channel so far; the
	// next step is Position modulo the number of steps.
	Position(ctx context.Context, platform, channel, curriculum string) (int, error)
	// LastPost is the latest claimed post of the curriculum in the channel,
	// scheduled or asked for.
	LastPost(ctx context.Context, platform, channel, curriculum string) (ReadingPost, bool, error)
	// LastSlot is the latest scheduled slot claimed in the channel.
	LastSlot(ctx context.Context, platform, channel, curriculum string) (time.Time, bool, error)
}

// Schedule posts a curriculum's steps to one channel at the times of a
// cron specification.
type Schedule struct {
	Platform, Channel, Curriculum string
	Timing                        *Timing
}

// ReadingConfig holds the reading prompts' collaborators. Zero values
// work: an in-memory store, no schedules.
type ReadingConfig struct {
	Store     ReadingStore
	Schedules []Schedule
}

// Timing is a cron specification read in a time zone, with daylight
// saving handled on the wall clock:
//   - a time that does not exist on the night clocks go forward (01:30 in
//     Europe/London on the last Sunday of March) fires once, at the moment
//     the clocks change (02:00 summer time), so a weekly prompt is late by
//     minutes rather than skipped for a week;
//   - a time that happens twice on the night clocks go back fires once,
//     the first time.
//
// github.com/robfig/cron/v3 on its own skips the first and fires twice on
// the second; Timing runs its schedule on wall-clock time instead.
type Timing struct {
	spec  string
	loc   *time.Location
	sched cron.Schedule
}

// ParseTiming reads a standard five-field cron specification ("30 18 * * 2"
// is Tuesdays at 18:30) or a descriptor (@daily, @weekly), in loc.
func ParseTiming(spec string, loc *time.Location) (*Timing, error) {
	spec = strings.TrimSpace(spec)
	switch {
	case spec == "":
		return nil, errors.New("empty: write five fields, for example \"0 18 * * 2\" (Tuesdays at 18:00)")
	case strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ="):
		return nil, errors.New("put the time zone in the timezone key, not in the cron specification")
	case strings.HasPrefix(spec, "@every"):
		return nil, errors.New("@every counts from when refbot starts, so its slots move on every restart; use a calendar time such as \"0 18 * * 2\"")
	}
	if loc == nil {
		loc = time.UTC
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("%q: %w (five fields: minute hour day-of-month month day-of-week)", spec, err)
	}
	ss, ok := s.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("%q: not a calendar schedule", spec)
	}
	ss.Location = time.UTC // wall-clock time, see Next
	t := &Timing{spec: spec, loc: loc, sched: ss}
	if t.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return nil, fmt.Errorf("%q never fires (is it a date that does not exist, like 30 February?)", spec)
	}
	return t, nil
}

// Spec is the specification as written.
func (t *Timing) Spec() string { return t.spec }

// Location is the time zone the specification is read in.
func (t *Timing) Location() *time.Location { return t.loc }

// Next returns the first slot after after, in the timing's zone, or the
// zero time when there is none within five years.
func (t *Timing) Next(after time.Time) time.Time {
	after = after.Truncate(time.Second)
	w := wall(after.In(t.loc))
	for range 1000 { // each turn passes one wall-clock slot
		w = t.sched.Next(w)
		if w.IsZero() {
			return time.Time{}
		}
		if at := t.instant(w); at.After(after) {
			return at.In(t.loc)
		}
	}
	return time.Time{}
}

// Latest returns the last slot in (after, until], if any, without walking
// every slot of a long outage.
func (t *Timing) Latest(after, until time.Time) (time.Time, bool) {
	from := after
	// Look back a growing window until it holds a slot, so a minutely
	// schedule after a year's outage costs a few steps, not half a million.
	for d := time.Hour; ; d *= 2 {
		if start := until.Add(-d); start.After(after) {
			from = start
		} else {
			from = after
		}
		if s := t.Next(from); !s.IsZero() && !s.After(until) {
			break
		}
		if !from.After(after) {
			return time.Time{}, false
		}
	}
	var last time.Time
	for s := t.Next(from); !s.IsZero() && !s.After(until); s = t.Next(s) {
		last = s
	}
	return last, !last.IsZero()
}

// wall returns the wall-clock reading of t labelled UTC.
func wall(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}

// instant returns the earliest moment whose wall clock in t.loc reads w;
// for a reading skipped when clocks went forward, the moment they changed.
func (t *Timing) instant(w time.Time) time.Time {
	var best time.Time
	for _, probe := range []time.Time{w.Add(-36 * time.Hour), w.Add(36 * time.Hour)} {
		_, off := probe.In(t.loc).Zone()
		at := w.Add(-time.Duration(off) * time.Second)
		if wall(at.In(t.loc)).Equal(w) && (best.IsZero() || at.Before(best)) {
			best = at
		}
	}
	if !best.IsZero() {
		return best
	}
	// In a gap: read with the offset before the change, w lands after
	// it; the zone that starts there began when the clocks changed.
	_, off := w.Add(-36 * time.Hour).In(t.loc).Zone()
	start, _ := w.Add(-time.Duration(off) * time.Second).In(t.loc).ZoneBounds()
	return start
}
