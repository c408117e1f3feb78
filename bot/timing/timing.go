// Package timing reads cron specifications in a time zone and answers
// when they fire, with daylight saving handled on the wall clock. It is
// pure computation: no clock, no goroutines.
package timing

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

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

// Parse reads a standard five-field cron specification ("30 18 * * 2" is
// Tuesdays at 18:30) or a descriptor (@daily, @weekly), in loc (nil means
// UTC).
func Parse(spec string, loc *time.Location) (*Timing, error) {
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

// Zone reads an IANA time zone name; empty means UTC. "Local" is refused:
// it depends on the machine. Programs that embed time/tzdata get every
// name on machines without a zone database.
func Zone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	if strings.EqualFold(name, "local") {
		return nil, fmt.Errorf("%q depends on the machine; name the zone, e.g. Europe/London", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not an IANA time zone name (like Europe/London or America/New_York)", name)
	}
	return loc, nil
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
