package main

import (
	"strings"
	"testing"
)

// A config file, however malformed, gives an error, never a panic, and
// every line of the error names the file.
func FuzzDecodeConfig(f *testing.F) {
	for _, s := range []string{
		"http:\n  addr: \"127.0.0.1:8080\"\n",
		"slack: {enabled: true, mode: socket}\n",
		"discord:\n  guild_ids: [1, 2]\n  shard_id: 3\n",
		"http:\n  adress: x\n",
		"# comment only\n",
		"- a list\n",
		"&a [*a]",
		"http: !!binary aGVsbG8=\n",
		"{",
		"---\n---\n",
		"log: {level: [1, {2: 3}]}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := defaultConfig(platforms())
		var where positions
		err := decodeConfig("fuzz.yaml", data, &cfg, &where)
		if err == nil {
			return
		}
		for _, l := range leafMessages(err) {
			if !strings.HasPrefix(l, "fuzz.yaml:") {
				t.Fatalf("a problem that does not name the file: %q", l)
			}
		}
	})
}
