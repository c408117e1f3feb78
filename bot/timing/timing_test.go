package timing_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"refbot/bot/timing"
)

func london(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestTimingDaylightSaving(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	loc := london(t)
	tests := []struct {
		spec  string
		loc   *time.Location
		after time.Time
		want  []string // RFC 3339 with the zone's offset
	}{
		{"30 1 * * *", loc, time.Date(2026, 3, 28, 0, 0, 0, 0, loc), []string{
			"2026-03-28T01:30:00Z", "2026-03-29T02:00:00+01:00", "2026-03-30T01:30:00+01:00"}},
		{"30 1 * * *", loc, time.Date(2026, 10, 24, 0, 0, 0, 0, loc), []string{
			"2026-10-24T01:30:00+01:00", "2026-10-25T01:30:00+01:00", "2026-10-26T01:30:00Z"}},
		{"*/20 1 * * *", loc, time.Date(2026, 3, 29, 0, 0, 0, 0, loc), []string{
			"2026-03-29T02:00:00+01:00", "2026-03-30T01:00:00+01:00"}}, // the gap's three slots fire once
		{"30 2 * * *", ny, time.Date(2026, 3, 7, 12, 0, 0, 0, ny), []string{
			"2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"}},
		{"0 18 * * 2", time.UTC, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), []string{
			"2026-03-03T18:00:00Z", "2026-03-10T18:00:00Z"}},
		{"@weekly", loc, time.Date(2026, 3, 1, 0, 0, 0, 0, loc), []string{
			"2026-03-08T00:00:00Z", "2026-03-15T00:00:00Z"}},
	}
	for _, tc := range tests {
		t.Run(tc.spec+" "+tc.loc.String(), func(t *testing.T) {
			tm, err := timing.Parse(tc.spec, tc.loc)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for at := tc.after; len(got) < len(tc.want); {
				at = tm.Next(at)
				got = append(got, at.In(tc.loc).Format(time.RFC3339))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("slots = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, spec := range []string{"", "  ", "61 * * * *", "* * *", "@every 1h", "CRON_TZ=Europe/London 0 1 * * *", "0 0 30 2 *", "@nonsense"} {
		if _, err := timing.Parse(spec, time.UTC); err == nil {
			t.Errorf("Parse(%q) = nil error, want one", spec)
		}
	}
}

func TestTimingLatest(t *testing.T) {
	tm, err := timing.Parse("* * * * *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	after := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	until := time.Date(2026, 1, 1, 0, 0, 30, 0, time.UTC)
	got, ok := tm.Latest(after, until) // a minutely schedule after a year away
	if want := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); !ok || !got.Equal(want) {
		t.Errorf("Latest = %v, %v; want %v", got, ok, want)
	}
	if got, ok := tm.Latest(until, until.Add(20*time.Second)); ok {
		t.Errorf("Latest over 20 s without a minute boundary = %v, want none", got)
	}
}

func TestZone(t *testing.T) {
	for _, tc := range []struct{ name, want, err string }{
		{"", "UTC", ""},
		{"Europe/London", "Europe/London", ""},
		{"Local", "", "depends on the machine"},
		{"local", "", "depends on the machine"},
		{"Europe/Londn", "", "IANA"},
	} {
		loc, err := timing.Zone(tc.name)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Zone(%q) = %v, %v; want an error with %q", tc.name, loc, err, tc.err)
			}
		case err != nil || loc.String() != tc.want:
			t.Errorf("Zone(%q) = %v, %v; want %s", tc.name, loc, err, tc.want)
		}
	}
}
