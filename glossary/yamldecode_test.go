package glossary_test

import (
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"

	"refbot/glossary"
)

// Hostile entry files: every problem of a file is reported in one run,
// type errors and unknown fields with their path, line and what is
// expected, and the fields that did decode are still checked (issue
// 12.10). Each want line must be there, and nothing else.
func TestLoadReportsEveryProblemOfAFile(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string
	}{
		{"two unknown fields, a wrong type and a check", `id: multi
title: Multi
summry: a typo
colour: blue
summary: Fine.
sources:
  - {title: T, url: "https://example.org/x", year: last year}
  - title: U
    url: ftp://example.org/u
see_also: nowhere
aliases: [ok, {a: b}]
`, []string{
			`multi.yaml:3: summry: unknown field (did you mean "summary"?); check the spelling`,
			`multi.yaml:4: colour: unknown field; check the spelling`,
			`multi.yaml:7: sources[0].year: got "last year"; want a whole number`,
			`multi.yaml:9: sources[1].url: must start with https:// or http://`,
			`multi.yaml:10: see_also: got "nowhere"; want a list, such as [a, b]`,
			`multi.yaml:11: aliases[1]: got a mapping; want text`,
		}},
		{"a mapping where text goes, and a list where a mapping goes", `id: shapes
title: {text: Shapes}
summary: [one, two]
sources: {title: T, url: "https://example.org/x"}
`, []string{
			`shapes.yaml:2: title: got a mapping; want text`,
			`shapes.yaml:3: summary: got a list; want text`,
			`shapes.yaml:4: sources: got a mapping; want a list of mappings`,
		}},
		{"a key twice, an unknown nested field", `id: twice
title: Twice
title: Again
summary: Fine.
sources:
  - title: T
    url: "https://example.org/x"
    pages: 12
`, []string{
			`twice.yaml:3: title: appears twice; keep one`,
			`twice.yaml:8: sources[0].pages: unknown field; check the spelling`,
		}},
		{"a broken id leaves the rest unchecked against other files", `id: [a, b]
title: No Id
summary: Fine.
sources: [{title: T, url: "https://example.org/x"}]
`, []string{
			`no-id.yaml:1: id: got a list; want text`,
		}},
		{"a year too large for a number", `id: big
title: Big
summary: Fine.
sources: [{title: T, url: "https://example.org/x", year: 99999999999999999999999}]
`, []string{
			`big.yaml:4: sources[0].year: got "99999999999999999999999"; want a whole number`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.want[0][:strings.Index(tt.want[0], ":")]
			fsys := fstest.MapFS{"entries/" + file: {Data: []byte(tt.file)}}
			_, err := glossary.Load(glossary.Layer{FS: fsys})
			probs, ok := err.(glossary.Problems)
			if !ok {
				t.Fatalf("Load = %v, want Problems", err)
			}
			var got []string
			for _, p := range probs {
				got = append(got, p.String())
			}
			for _, w := range tt.want {
				if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, "entries/"+w) }) {
					t.Errorf("problems lack %q", w)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("%d problems, want %d", len(got), len(tt.want))
			}
			if t.Failed() {
				t.Log(strings.Join(got, "\n"))
			}
		})
	}
}

// A configuration-shaped struct: sections, durations, lists of mappings,
// maps, pointers and inline fields.
type testConfig struct {
	Server struct {
		Addr    string        `yaml:"addr"`
		Timeout time.Duration `yaml:"timeout"`
		Enabled bool          `yaml:"enabled"`
	} `yaml:"server"`
	IDs        []string          `yaml:"ids"`
	Items      []testItem        `yaml:"items"`
	Labels     map[string]int    `yaml:"labels"`
	Ptr        *testItem         `yaml:"ptr"`
	Any        any               `yaml:"any"`
	Skip       string            `yaml:"-"`
	Extra      map[string]string `yaml:"extra,omitempty"`
	TestInline `yaml:",inline"`
}

type testItem struct {
	Name  string `yaml:"name"`
	Count int    `yaml:"count"`
}

type TestInline struct {
	Shard int `yaml:"shard"`
}

func TestDecodeYAML(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"good", "server: {addr: x, timeout: 30s, enabled: true}\nids: [1, b]\nitems: [{name: a, count: 2}]\nlabels: {a: 1}\nptr: {name: p}\nany: [1, {a: b}]\nshard: 3\n", nil},
		{"wrong kinds everywhere", "server:\n  enabled: yes please\n  timeout: soon\nids: 123\nitems: [{name: a, count: many}, 7]\nlabels: {a: x}\nshard: first\nptr: 5\n", []string{
			`2: cfg.server.enabled: got "yes please"; want true or false`,
			`3: cfg.server.timeout: got "soon"; want a duration such as 30s`,
			`4: cfg.ids: got "123"; want a list`,
			`5: cfg.items[0].count: got "many"; want a whole number`,
			`5: cfg.items[1]: got "7"; want a mapping`,
			`6: cfg.labels.a: got "x"; want a whole number`,
			`7: cfg.shard: got "first"; want a whole number`,
			`8: cfg.ptr: got "5"; want a mapping`,
		}},
		{"unknown keys, near and far", "server: {adr: x}\nshards: 2\nzzz: 1\nSkip: no\n", []string{
			`1: cfg.server.adr: unknown field (did you mean "addr"?); see the manual`,
			`2: cfg.shards: unknown field (did you mean "shard"?); see the manual`,
			`3: cfg.zzz: unknown field; see the manual`,
			`4: cfg.Skip: unknown field; see the manual`,
		}},
		{"the top is not a mapping", "- a\n- b\n", []string{`1: cfg: got a list; want a mapping`}},
		{"null everywhere is fine", "server:\nids:\nitems: [~]\n", nil},
		{"keys twice", "shard: 1\nshard: 2\nlabels: {a: 1, a: 2}\n", []string{`2: cfg.shard: appears twice`, `3: cfg.labels.a: appears twice`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parser.ParseBytes([]byte(tt.in), 0, parser.AllowDuplicateMapKey())
			if err != nil {
				t.Fatal(err)
			}
			var c testConfig
			c.Labels = map[string]int{"kept": 1}
			probs := glossary.DecodeYAML(f.Docs[0].Body, "cfg", "see the manual", &c)
			var got []string
			for _, p := range probs {
				p.File = "f"
				got = append(got, strings.TrimPrefix(p.String(), "f:"))
			}
			for _, w := range tt.want {
				if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
					t.Errorf("problems lack %q", w)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("problems:\n%s\nwant %d", strings.Join(got, "\n"), len(tt.want))
			}
		})
	}
	// What decodes is decoded even beside problems.
	f, _ := parser.ParseBytes([]byte("server: {addr: x, enabled: maybe}\nids: [a]\nitems: [{name: n, count: x}, {name: m, count: 2}]\nshard: 4\n"), 0)
	var c testConfig
	if probs := glossary.DecodeYAML(f.Docs[0].Body, "", "", &c); len(probs) != 2 {
		t.Errorf("problems %v, want 2", probs)
	}
	want := testConfig{IDs: []string{"a"}, Items: []testItem{{Name: "n"}, {Name: "m", Count: 2}}, TestInline: TestInline{Shard: 4}}
	want.Server.Addr = "x"
	if !reflect.DeepEqual(c, want) {
		t.Errorf("decoded %+v, want %+v", c, want)
	}
}

// FuzzDecodeYAML: DecodeYAML never panics, and when it finds no problem
// the value is the one the library decodes strictly.
func FuzzDecodeYAML(f *testing.F) {
	for _, s := range []string{
		"id: x\ntitle: T\nsources: [{title: a, url: b, year: 3}]\n",
		"id: [a]\ntitle: {a: b}\nsumry: 1\n",
		"base: &b {title: a, url: u}\nsources: [*b]\n",
		"sources:\n  - <<: {title: a}\n    url: b\n",
		"id: !!str 12\nsee_also: !!seq [a]\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		defer func() {
			if r := recover(); r != nil {
				// The YAML library may panic on some input (decodeFile
				// recovers); a panic raised in our own code fails.
				if frame := panicFrame(debug.Stack()); strings.Contains(frame, "refbot/glossary.") {
					t.Fatalf("panic in %s: %v", frame, r)
				}
			}
		}()
		file, err := parser.ParseBytes([]byte(s), 0, parser.AllowDuplicateMapKey())
		if err != nil || len(file.Docs) != 1 || file.Docs[0].Body == nil {
			return
		}
		var got glossary.Entry
		probs := glossary.DecodeYAML(file.Docs[0].Body, "", "", &got)
		if len(probs) > 0 {
			return
		}
		var want glossary.Entry
		if err := yaml.NodeToValue(file.Docs[0].Body, &want, yaml.DisallowUnknownField()); err != nil {
			return // e.g. an unknown field inside a merge: the library's call
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("DecodeYAML = %+v, library = %+v", got, want)
		}
	})
}

// panicFrame is the function that panicked, from a stack taken in a
// deferred recover: the first frame after the runtime's panic.
func panicFrame(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "panic(") {
			for _, f := range lines[i+1:] {
				if f != "" && !strings.HasPrefix(f, "\t") && !strings.HasPrefix(f, "runtime.") {
					return f
				}
			}
		}
	}
	return ""
}
