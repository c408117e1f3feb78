package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// decodeDefine checks the exact shape scripts rely on and returns it.
func decodeDefine(t *testing.T, out string) (query string, match map[string]any, suggestions []map[string]any) {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"match", "query", "suggestions"}) {
		t.Fatalf("keys = %v, want match, query, suggestions", keys)
	}
	if err := json.Unmarshal(raw["query"], &query); err != nil {
		t.Fatalf("query: %v", err)
	}
	if string(raw["match"]) != "null" {
		if err := json.Unmarshal(raw["match"], &match); err != nil {
			t.Fatalf("match: %v", err)
		}
		if len(match) != 3 {
			t.Errorf("match has keys %v, want id, title, score", match)
		}
		id, _ := match["id"].(string)
		title, _ := match["title"].(string)
		score, ok := match["score"].(float64)
		if id == "" || title == "" || !ok || score <= 0 || score > 1 {
			t.Errorf("match = %v, want a string id and title and a score in (0, 1]", match)
		}
	}
	if !strings.HasPrefix(string(raw["suggestions"]), "[") {
		t.Fatalf("suggestions = %s, want an array (never null)", raw["suggestions"])
	}
	if err := json.Unmarshal(raw["suggestions"], &suggestions); err != nil {
		t.Fatalf("suggestions: %v", err)
	}
	for _, s := range suggestions {
		id, _ := s["id"].(string)
		title, _ := s["title"].(string)
		if len(s) != 2 || id == "" || title == "" {
			t.Errorf("suggestion = %v, want exactly a string id and title", s)
		}
	}
	return query, match, suggestions
}

func TestDefineJSON(t *testing.T) {
	tests := []struct {
		args      []string
		code      int
		query     string
		matchID   string // "" for null
		suggested string // an id that must be among the suggestions
	}{
		{[]string{"--json", "mesa", "optimisation"}, 0, "mesa optimisation", "mesa-optimization", ""},
		{[]string{"--json", "corrigable"}, 0, "corrigable", "corrigibility", ""},
		{[]string{"--json", "MESA OPTIMIZATION"}, 0, "MESA OPTIMIZATION", "mesa-optimization", ""},
		{[]string{"mesa", "optimisation", "--json"}, 0, "mesa optimisation", "mesa-optimization", ""}, // a flag after the term
		{[]string{"--json", "kubernetes"}, 1, "kubernetes", "", ""},
		{[]string{"--json", "banana bread"}, 1, "banana bread", "", ""},
		{[]string{"--json", "reward"}, 1, "reward", "", "reward-hacking"},
		{[]string{"--json", "--", "--json"}, 1, "--json", "", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runArgs(t, "", nil, append([]string{"define"}, tt.args...)...)
			wantCode(t, r, tt.code)
			if r.code() != 0 && r.err.Error() != "exit status 1" {
				t.Errorf("err = %q; not found needs no message, the JSON says it", r.err)
			}
			query, match, suggestions := decodeDefine(t, r.stdout)
			if query != tt.query {
				t.Errorf("query = %q, want %q", query, tt.query)
			}
			switch {
			case tt.matchID == "" && match != nil:
				t.Errorf("match = %v, want null", match)
			case tt.matchID != "" && (match == nil || match["id"] != tt.matchID):
				t.Errorf("match = %v, want %s", match, tt.matchID)
			}
			if tt.suggested != "" {
				var ids []string
				for _, s := range suggestions {
					ids = append(ids, s["id"].(string))
				}
				if !slices.Contains(ids, tt.suggested) {
					t.Errorf("suggestions %v lack %s", ids, tt.suggested)
				}
			}
			if r.stderr != "" {
				t.Errorf("stderr = %q, want nothing", r.stderr)
			}
		})
	}
}

func TestDefineJSONExactBytes(t *testing.T) {
	r := runArgs(t, "", nil, "define", "--json", "kubernetes")
	want := "{\n  \"query\": \"kubernetes\",\n  \"match\": null,\n  \"suggestions\": []\n}\n"
	if r.stdout != want {
		t.Errorf("stdout = %q, want %q", r.stdout, want)
	}
}

func TestDefineText(t *testing.T) {
	r := runArgs(t, "", nil, "define", "corrigable")
	wantCode(t, r, 0)
	if !strings.HasPrefix(r.stdout, "Corrigibility\n") || !strings.Contains(r.stdout, "Sources") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "\x1b") {
		t.Errorf("stdout is not a terminal, yet has escapes")
	}

	r = runArgs(t, "", nil, "define", "kubernetes")
	wantCode(t, r, 1)
	if !strings.Contains(r.stdout, `No glossary entry for "kubernetes"`) {
		t.Errorf("stdout: %q", r.stdout)
	}

	r = runArgs(t, "", nil, "define", "reward")
	wantCode(t, r, 1)
	if !strings.Contains(r.stdout, "Did you mean") || !strings.Contains(r.stdout, "Reward Hacking") {
		t.Errorf("stdout: %q", r.stdout)
	}

	r = runArgs(t, "", nil, "define", strings.Repeat("x", 201))
	wantCode(t, r, 1)
	if !strings.Contains(r.stdout, "201 characters") {
		t.Errorf("stdout: %q", r.stdout)
	}
}

func TestDefineUsage(t *testing.T) {
	for _, args := range [][]string{{"define"}, {"define", "--json"}, {"define", "  "}, {"define", "--json", "--bogus", "x"}} {
		r := runArgs(t, "", nil, args...)
		wantCode(t, r, 2)
		if r.stdout != "" {
			t.Errorf("%v: stdout = %q, want nothing", args, r.stdout)
		}
		if !strings.Contains(r.stderr, "refbot define") {
			t.Errorf("%v: stderr %q lacks the usage", args, r.stderr)
		}
	}
}

func TestDefineOwnGlossary(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "entries", "widget-alignment.yaml"), widgetEntry)
	r := runArgs(t, "", nil, "define", "--json", "--glossary", dir, "widget", "steering")
	wantCode(t, r, 0)
	if _, match, _ := decodeDefine(t, r.stdout); match["id"] != "widget-alignment" {
		t.Errorf("match = %v", match)
	}
	r = runArgs(t, "", nil, "define", "--glossary", filepath.Join(dir, "nope"), "x")
	if r.code() != 1 || !strings.Contains(r.err.Error(), "nope") {
		t.Errorf("missing directory: %v", r.err)
	}
}
