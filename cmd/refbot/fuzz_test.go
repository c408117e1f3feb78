package main

import (
	"testing"
)

// A config file, however malformed, gives an error, never a panic.
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
		_ = decodeConfig("fuzz.yaml", data, &cfg)
	})
}
