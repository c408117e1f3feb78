package timing_test

import (
	"testing"
	"time"

	"refbot/bot/timing"
)

// FuzzParse feeds reading.schedules[].cron and timezone through the
// path config takes: parse, then compute slots. Nothing may panic, and a
// slot is always after the time asked about and on a whole second.
func FuzzParse(f *testing.F) {
	for _, seed := range []struct {
		spec, zone string
		unix       int64
	}{
		{"30 1 * * 0", "Europe/London", 1774656000},
		{"0 18 * * 2", "UTC", 1772323200},
		{"*/20 1 * * *", "Europe/London", 1774742400},
		{"30 2 * * *", "America/New_York", 1772942400},
		{"@weekly", "Australia/Lord_Howe", 1775000000},
		{"0 0 29 2 *", "Pacific/Apia", 1325000000},
		{"59 23 31 12 *", "Asia/Kathmandu", 0},
		{"@every 1h", "", 0},
		{"TZ=UTC 0 0 * * *", "", 0},
		{"0 0 30 2 *", "", 0},
		{"? ? ? ? ?", "", 0},
		{"0-59/0 * * * *", "", 0},
		{"0 0 * * 7-0", "", -62135596800},
	} {
		f.Add(seed.spec, seed.zone, seed.unix)
	}
	f.Fuzz(func(t *testing.T, spec, zone string, unix int64) {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			return
		}
		tm, err := timing.Parse(spec, loc)
		if err != nil {
			return
		}
		after := time.Unix(unix%(400*365*24*3600), 0)
		next := tm.Next(after)
		if next.IsZero() {
			return
		}
		if !next.After(after) || next.Nanosecond() != 0 {
			t.Fatalf("Next(%v) = %v for %q in %s: not after, or not a whole second", after, next, spec, zone)
		}
		if latest, ok := tm.Latest(after, next); !ok || !latest.Equal(next) {
			t.Fatalf("Latest(%v, %v) = %v, %v; want the slot itself", after, next, latest, ok)
		}
	})
}
