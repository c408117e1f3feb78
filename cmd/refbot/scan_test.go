package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// decodeScan checks the exact shape scripts rely on and returns the
// mentions.
func decodeScan(t *testing.T, out string) []mentionJSON {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	if len(raw) != 1 || raw["mentions"] == nil {
		t.Fatalf("keys of %s: want exactly \"mentions\"", out)
	}
	if !strings.HasPrefix(string(raw["mentions"]), "[") {
		t.Fatalf("mentions = %s, want an array (never null)", raw["mentions"])
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw["mentions"], &items); err != nil {
		t.Fatal(err)
	}
	var ms []mentionJSON
	for _, it := range items {
		var keys []string
		for k := range it {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"end", "id", "start", "text"}) {
			t.Errorf("mention keys = %v, want end, id, start, text", keys)
		}
		var m mentionJSON
		b, _ := json.Marshal(it)
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("mention %s: %v", b, err)
		}
		ms = append(ms, m)
	}
	return ms
}

func TestScanJSON(t *testing.T) {
	tests := []struct {
		in   string
		want []mentionJSON
	}{
		{"hello there", nil},
		{"", nil},
		{"isn't this just deceptive alignment?", []mentionJSON{{"deceptive-alignment", "deceptive alignment", 16, 35}}},
		{"Mesa-Optimisation, again mesa optimizers; `RLHF` in code", []mentionJSON{
			{"mesa-optimization", "Mesa-Optimisation", 0, 17},
			{"mesa-optimization", "mesa optimizers", 25, 40},
		}},
		{"we saw an elk. The ELK report", []mentionJSON{{"eliciting-latent-knowledge", "ELK", 19, 22}}},
		{"what is [[mesa optimisation]]?", []mentionJSON{{"mesa-optimization", "mesa optimisation", 10, 27}}},
		{"é Goodhart’s law\n", []mentionJSON{{"goodharts-law", "Goodhart’s law", 3, 19}}},
		{"<@U123> reward hacking https://x.org/reward-hacking", []mentionJSON{{"reward-hacking", "reward hacking", 8, 22}}},
	}
	for _, tc := range tests {
		r := runArgs(t, tc.in, nil, "scan", "--json")
		wantCode(t, r, 0)
		got := decodeScan(t, r.stdout)
		if !slices.Equal(got, tc.want) {
			t.Errorf("scan %q = %+v, want %+v", tc.in, got, tc.want)
		}
		for _, m := range got {
			if tc.in[m.Start:m.End] != m.Text {
				t.Errorf("scan %q: offsets %d-%d hold %q, not %q", tc.in, m.Start, m.End, tc.in[m.Start:m.End], m.Text)
			}
		}
	}
}

func TestScanText(t *testing.T) {
	r := runArgs(t, "is this deceptive alignment or [[mesa optimisation]]?", nil, "scan")
	wantCode(t, r, 0)
	want := "8-27\t\"deceptive alignment\"\tdeceptive-alignment (Deceptive Alignment)\n" +
		"33-50\t\"mesa optimisation\"\tmesa-optimization (Mesa-Optimization) [[explicit]]\n"
	if r.stdout != want {
		t.Errorf("stdout = %q, want %q", r.stdout, want)
	}

	r = runArgs(t, "nothing here", nil, "scan")
	wantCode(t, r, 0)
	if r.stdout != "no glossary terms mentioned\n" {
		t.Errorf("stdout = %q", r.stdout)
	}

	// Invisible characters inside a mention are shown quoted, not raw.
	r = runArgs(t, "deceptive ali\u202egnment", nil, "scan")
	wantCode(t, r, 0)
	if strings.ContainsRune(r.stdout, '\u202e') {
		t.Errorf("a bidi override reached the terminal: %q", r.stdout)
	}
}

func TestScanErrorsAndGlossary(t *testing.T) {
	r := runArgs(t, "x", nil, "scan", "deceptive alignment")
	wantCode(t, r, 2)
	if !strings.Contains(r.err.Error(), "standard input") {
		t.Errorf("err = %v, want a hint to pipe the message in", r.err)
	}
	r = runArgs(t, strings.Repeat("a ", maxScanInput), nil, "scan")
	wantCode(t, r, 2)

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "entries", "widget-alignment.yaml"), widgetEntry)
	r = runArgs(t, "widget alignment vs deceptive alignment", nil, "scan", "--json", "--glossary", dir)
	wantCode(t, r, 0)
	got := decodeScan(t, r.stdout)
	if len(got) != 2 || got[0].ID != "widget-alignment" || got[1].ID != "deceptive-alignment" {
		t.Errorf("with a glossary directory: %+v", got)
	}

	r = runArgs(t, "", nil, "scan", "-h")
	wantCode(t, r, 0)
	if !strings.Contains(r.stderr, "-json") {
		t.Errorf("scan -h: %q", r.stderr)
	}
}
