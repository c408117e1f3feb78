package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// decodeSearch checks the exact shape scripts rely on and returns it.
func decodeSearch(t *testing.T, out string) (query string, results []map[string]any) {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"query", "results"}) {
		t.Fatalf("keys = %v, want query, results", keys)
	}
	if err := json.Unmarshal(raw["query"], &query); err != nil {
		t.Fatalf("query: %v", err)
	}
	if !strings.HasPrefix(string(raw["results"]), "[") {
		t.Fatalf("results = %s, want an array (never null)", raw["results"])
	}
	if err := json.Unmarshal(raw["results"], &results); err != nil {
		t.Fatalf("results: %v", err)
	}
	last := 0.0
	for i, r := range results {
		id, _ := r["id"].(string)
		title, _ := r["title"].(string)
		score, ok := r["score"].(float64)
		if len(r) != 3 || id == "" || title == "" || !ok || score <= 0 {
			t.Errorf("result = %v, want exactly a string id and title and a positive score", r)
		}
		if i > 0 && score > last {
			t.Errorf("result %d scores %v above the one before (%v); want best first", i, score, last)
		}
		last = score
	}
	return query, results
}

func TestSearchJSON(t *testing.T) {
	tests := []struct {
		args  []string
		code  int
		query string
		first string // "" for no results
	}{
		{[]string{"--json", "two", "AIs", "argue", "and", "a", "human", "judges"}, 0, "two AIs argue and a human judges", "ai-safety-via-debate"},
		{[]string{"--json", "when a proxy stops being a good target"}, 0, "when a proxy stops being a good target", "goodharts-law"},
		{[]string{"the", "model", "pretends", "to", "be", "aligned", "--json"}, 0, "the model pretends to be aligned", ""}, // checked below
		{[]string{"--json", "xrisk"}, 0, "xrisk", "existential-risk"},                                                      // a name comes first
		{[]string{"--json", "how", "do", "I", "bake", "sourdough", "bread"}, 1, "how do I bake sourdough bread", ""},
		{[]string{"--json", "--", "--json"}, 1, "--json", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runArgs(t, "", nil, append([]string{"search"}, tt.args...)...)
			wantCode(t, r, tt.code)
			query, results := decodeSearch(t, r.stdout)
			if query != tt.query {
				t.Errorf("query = %q, want %q", query, tt.query)
			}
			switch {
			case tt.code == 1 && len(results) != 0:
				t.Errorf("results = %v, want none", results)
			case tt.first != "" && (len(results) == 0 || results[0]["id"] != tt.first):
				t.Errorf("results = %v, want %s first", results, tt.first)
			case tt.code == 0 && len(results) == 0:
				t.Errorf("no results")
			}
			if len(results) > 5 {
				t.Errorf("%d results, want at most 5", len(results))
			}
			if r.stderr != "" {
				t.Errorf("stderr = %q, want nothing", r.stderr)
			}
		})
	}
}

func TestSearchJSONExactBytes(t *testing.T) {
	r := runArgs(t, "", nil, "search", "--json", "kubernetes")
	wantCode(t, r, 1)
	want := "{\n  \"query\": \"kubernetes\",\n  \"results\": []\n}\n"
	if r.stdout != want {
		t.Errorf("stdout = %q, want %q", r.stdout, want)
	}
}

func TestSearchText(t *testing.T) {
	r := runArgs(t, "", nil, "search", "--limit", "3", "a", "neuron", "that", "fires", "for", "unrelated", "things")
	wantCode(t, r, 0)
	if !strings.HasPrefix(r.stdout, "Entries about") || !strings.Contains(r.stdout, "Polysemanticity —") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	if n := strings.Count(r.stdout, "\n  • "); n == 0 || n > 3 {
		t.Errorf("%d results with --limit 3:\n%s", n, r.stdout)
	}
	r = runArgs(t, "", nil, "search", "how do I bake sourdough bread")
	wantCode(t, r, 1)
	if !strings.Contains(r.stdout, "Nothing in the glossary matches") {
		t.Errorf("stdout: %q", r.stdout)
	}
}

func TestSearchUsage(t *testing.T) {
	for _, args := range [][]string{{"search"}, {"search", "--json"}, {"search", " "}, {"search", "--limit", "0", "x"}, {"search", "--limit", "26", "x"}, {"search", "--bogus", "x"}} {
		r := runArgs(t, "", nil, args...)
		wantCode(t, r, 2)
		if r.stdout != "" {
			t.Errorf("%v: stdout = %q, want nothing", args, r.stdout)
		}
		if !strings.Contains(r.stderr, "refbot search") {
			t.Errorf("%v: stderr %q lacks the usage", args, r.stderr)
		}
	}
}

func TestSearchOwnGlossary(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "entries", "widget-alignment.yaml"), widgetEntry+"describes:\n  - \"keeping gadgets pointed at what their owners want\"\n")
	r := runArgs(t, "", nil, "search", "--json", "--glossary", dir, "gadgets", "pointed", "at", "what", "owners", "want")
	wantCode(t, r, 0)
	if _, results := decodeSearch(t, r.stdout); len(results) == 0 || results[0]["id"] != "widget-alignment" {
		t.Errorf("results = %v, want widget-alignment first", results)
	}
}
