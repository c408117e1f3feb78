package glossary_test

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"refbot/glossary"
)

func FuzzLookup(f *testing.F) {
	for _, c := range lookupCases {
		f.Add(c.query)
	}
	for _, s := range []string{"\xff\xfe", "a\u0301\u0301\u0301", "İstanbul", "ǅ", "ﬃ", strings.Repeat("ab ", 500), "\u202e\u200b", "x-", "--", "s's's", "isation"} {
		f.Add(s)
	}
	g := fixture(f)
	f.Fuzz(func(t *testing.T, q string) {
		n := glossary.Normalize(q)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q, not valid UTF-8", q, n)
		}
		if glossary.Normalize(n) != n {
			t.Fatalf("Normalize is not idempotent on %q: %q then %q", q, n, glossary.Normalize(n))
		}
		r := g.Lookup(q)
		if r.Match != nil && (r.Score <= 0 || r.Score > 1) {
			t.Fatalf("Lookup(%q) score %v", q, r.Score)
		}
		if len(r.Suggestions) > 6 {
			t.Fatalf("Lookup(%q) gave %d suggestions", q, len(r.Suggestions))
		}
		for _, c := range g.Complete(q, 25) {
			if !utf8.ValidString(c.Name) {
				t.Fatalf("Complete(%q) name %q", q, c.Name)
			}
		}
		g.Search(q, 10)
	})
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte(goodEntry))
	if b, err := os.ReadFile("data/entries/mesa-optimization.yaml"); err == nil {
		f.Add(b)
	}
	for _, s := range []string{"", "---\n---\n", "id: [", "- a\n- b\n", "id: x\ntitle: &a [*a]\n", "id: !!binary AAAA\n", "summary: |\n  \x00\n", "{id: widget, title: W, summary: s, sources: [{title: t, url: 'https://x'}]}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"entries/widget.yaml": {Data: data}}
		g, err := glossary.Load(glossary.Layer{FS: fsys})
		if err == nil {
			for _, e := range g.Entries() {
				if !utf8.ValidString(e.Title) || !utf8.ValidString(e.Summary) {
					t.Fatalf("loaded invalid UTF-8: %q", e.Title)
				}
				g.Lookup(e.Title)
			}
			return
		}
		if !utf8.ValidString(err.Error()) {
			t.Fatalf("error is not valid UTF-8: %q", err.Error())
		}
	})
}
