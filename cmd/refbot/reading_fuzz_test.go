package main

import (
	"strings"
	"sync"
	"testing"

	"refbot/glossary"
)

var fuzzGlossary = sync.OnceValues(func() (*glossary.Glossary, error) { return loadGlossary("", "extend") })

// FuzzReadingConfig runs reading.schedules the way serve reads them:
// decode, compile, give them their curricula from the glossary. Whatever
// the file says, the result is schedules or errors naming a key, never a
// panic.
func FuzzReadingConfig(f *testing.F) {
	for _, s := range []string{
		"slack: {enabled: true, bot_token: x, signing_secret: y}\nreading:\n  schedules:\n    - {platform: slack, channel: C0123ABCD, cron: \"0 18 * * 2\", timezone: Europe/London}\n",
		"reading:\n  schedules:\n    - {platform: discord, channel: \"123456789012345678\", cron: \"@weekly\", curriculum: nope}\n",
		"reading:\n  schedules:\n    - {platform: slack, channel: \"#general\", cron: \"61 * * * *\", timezone: Mars/Olympus}\n",
		"reading:\n  schedules: [{cron: \"TZ=UTC 0 0 * * *\"}, {cron: \"@every 1s\"}, {}]\n",
		"reading: {schedules: {}}\n",
		"reading:\n  schedules:\n    - {platform: slack, channel: C0123ABCD, cron: \"0 0 30 2 *\", timezone: \"../../etc/passwd\"}\n",
	} {
		f.Add([]byte(s))
	}
	g, err := fuzzGlossary()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := defaultConfig(platforms())
		if err := decodeConfig("fuzz.yaml", data, &cfg, &positions{}); err != nil {
			return
		}
		s, err := cfg.compile(func(string) string { return "" }, platforms())
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if strings.HasPrefix(line, "reading") && !strings.HasPrefix(line, "reading.schedules[") {
					t.Fatalf("a reading error that names no schedule: %q", line)
				}
			}
			return
		}
		scheds, err := botSchedules(s.schedules, g)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "reading.schedules[") {
				t.Fatalf("schedules error names no key: %v", err)
			}
			return
		}
		if len(scheds) != len(cfg.Reading.Schedules) {
			t.Fatalf("%d schedules from %d entries", len(scheds), len(cfg.Reading.Schedules))
		}
	})
}
