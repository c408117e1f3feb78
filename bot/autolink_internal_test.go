package bot

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestSummaryLine(t *testing.T) {
	long := strings.Repeat("word ", 50)
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"Short. Second sentence here.", 160, "Short. Second sentence here."},
		{"A first sentence that is long enough. A second one.", 160, "A first sentence that is long enough."},
		{"abcdefghij klmnopqrst", 15, "abcdefghij…"},
		{"abcdefghijklmnopqrst", 10, "abcdefghi…"},
		{"ééééé ééééé ééééé", 12, "ééééé ééééé…"},
		{"exactly ten", 11, "exactly ten"},
		{"one, two, three, four", 14, "one, two…"},
		{long, 160, strings.TrimSpace(long[:155]) + "…"},
	}
	for _, tc := range tests {
		got := summaryLine(tc.in, tc.max)
		if got != tc.want {
			t.Errorf("summaryLine(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
		if n := utf8.RuneCountInString(got); n > tc.max {
			t.Errorf("summaryLine(%q, %d) is %d characters", tc.in, tc.max, n)
		}
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[string]string{
		"30m": "30 minutes", "1h": "1 hour", "2h": "2 hours", "1m": "1 minute", "45s": "45 seconds", "90m": "90 minutes", "1h30m10s": "1h30m10s", "24h": "24 hours",
	} {
		dur, _ := time.ParseDuration(d)
		if got := humanDuration(dur); got != want {
			t.Errorf("humanDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
