package glossary_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/fstest"

	"refbot/glossary"
)

func TestNormalize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Mesa-Optimization", "mesa optimization"},
		{"mesa optimisation", "mesa optimization"},
		{"  Inner_ALIGNMENT  ", "inner alignment"},
		{"Goodhart's Law", "goodhart law"},
		{"Goodhart’s law", "goodhart law"},
		{"optimization daemons", "optimization daemon"},
		{"policies", "policy"},
		{"boxes", "box"},
		{"bias", "bias"},
		{"loss", "loss"},
		{"analysis", "analysis"},
		{"behaviour", "behavior"},
		{"modelling", "modeling"},
		{"generalisation", "generalization"},
		{"maximiser", "maximizer"},
		{"defence", "defense"},
		{"centre", "center"},
		{"naïve café", "naive cafe"},
		{"ＲＬＨＦ", "rlhf"},
		{"zero\u200bwidth", "zerowidth"},
		{"bidi\u202eoverride", "bidioverride"},
		{"x-risk", "x risk"},
		{"a/b", "a b"},
		{"", ""},
		{"!!!", ""},
		{"Straße", "strasse"},
		{"\xff\xfeinvalid", "invalid"},
	} {
		if got := glossary.Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// osa is the optimal string alignment distance, computed the slow way.
func osa(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// TestTypoMatchesBruteForce checks the trie's banded typo search against
// the plain edit distance on random words: a typo lookup must find a
// one-word entry exactly when the word is within the typo budget.
func TestTypoMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abcdeilmnorst"[rng.IntN(13)]
		}
		return string(b)
	}
	var es []glossary.Entry
	seen := map[string]bool{}
	for len(es) < 300 {
		w := word(4 + rng.IntN(8))
		if seen[glossary.Normalize(w)] || glossary.Normalize(w) != w {
			continue
		}
		seen[w] = true
		es = append(es, glossary.Entry{ID: fmt.Sprintf("w%d", len(es)), Title: w, Summary: "s", Sources: []glossary.Source{{Title: "t", URL: "https://example.org"}}})
	}
	g, err := glossary.New(es, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 300 {
		q := word(4 + rng.IntN(8))
		if glossary.Normalize(q) != q {
			continue
		}
		budget := 1
		if len(q) >= 8 {
			budget = 2
		}
		want := map[string]bool{}
		for _, e := range es {
			if d := osa(q, e.Title); d <= budget && d > 0 {
				want[e.Title] = true
			}
		}
		got := map[string]bool{}
		r := g.Lookup(q)
		var all []glossary.Candidate
		if r.Match != nil {
			all = append(all, glossary.Candidate{Entry: r.Match})
		}
		all = append(all, r.Suggestions...)
		for _, c := range all {
			if c.Entry.Title != q {
				got[c.Entry.Title] = true
			}
		}
		// Lookup keeps the best few, so each answer must be a true
		// neighbour, and with few neighbours all must be found.
		for w := range got {
			if !want[w] && osa(q, w) > budget {
				// Prefix and subsequence stages may add others; they
				// must at least share the first letters.
				if !strings.HasPrefix(w, q[:3]) && !strings.HasPrefix(q, w[:3]) {
					t.Errorf("Lookup(%q) offered %q at distance %d", q, w, osa(q, w))
				}
			}
		}
		if len(want) <= 3 {
			for w := range want {
				if !got[w] && seen[q] == false {
					t.Errorf("Lookup(%q) missed %q at distance %d", q, w, osa(q, w))
				}
			}
		}
	}
}

func TestComplete(t *testing.T) {
	g := defaultGlossary(t)
	for _, c := range []struct {
		prefix string
		first  string // id of the first choice
		has    string // id that must be among the choices
	}{
		{"mesa", "mesa-objective", "mesa-optimization"},
		{"Mesa-Opt", "mesa-optimization", ""},
		{"mesa optimis", "mesa-optimization", ""},
		{"inner al", "inner-alignment", ""},
		{"align", "alignment-tax", "inner-alignment"},
		{"the sharp", "sharp-left-turn", ""},
		{"ELK", "eliciting-latent-knowledge", ""},
		{"rl", "rlhf", ""},
		{"corrigab", "corrigibility", ""},
		{"goodhart", "goodharts-law", ""},
	} {
		got := g.Complete(c.prefix, 25)
		if len(got) == 0 {
			t.Errorf("Complete(%q) = nothing", c.prefix)
			continue
		}
		if got[0].Entry.ID != c.first {
			t.Errorf("Complete(%q)[0] = %s, want %s", c.prefix, got[0].Entry.ID, c.first)
		}
		found := c.has == ""
		ids := map[string]bool{}
		for _, ch := range got {
			if ids[ch.Entry.ID] {
				t.Errorf("Complete(%q) repeats %s", c.prefix, ch.Entry.ID)
			}
			ids[ch.Entry.ID] = true
			found = found || ch.Entry.ID == c.has
		}
		if !found {
			t.Errorf("Complete(%q) lacks %s", c.prefix, c.has)
		}
	}
	if got := g.Complete("", 25); len(got) != 25 {
		t.Errorf("Complete(\"\") = %d choices, want 25", len(got))
	}
	if got := g.Complete("mesa", 2); len(got) != 2 {
		t.Errorf("Complete(mesa, 2) = %d choices", len(got))
	}
	if got := g.Complete("zzzzqqq", 25); len(got) != 0 {
		t.Errorf("Complete(zzzzqqq) = %v, want none", got)
	}
}

func TestSearchAndRelated(t *testing.T) {
	g := defaultGlossary(t)
	res := g.Search("interpretability", 10)
	if len(res) == 0 || res[0].ID != "mechanistic-interpretability" {
		t.Errorf("Search(interpretability) = %v", ids(res))
	}
	if len(res) > 10 {
		t.Errorf("Search returned %d > 10", len(res))
	}
	if got := g.Search("the", 10); len(got) != 0 {
		t.Errorf("Search(the) = %v, want none", ids(got))
	}
	rel := g.Related("mesa-optimization")
	if len(rel) == 0 || rel[0].ID != "inner-alignment" {
		t.Errorf("Related(mesa-optimization) = %v", ids(rel))
	}
	for _, e := range rel {
		if e.ID == "mesa-optimization" {
			t.Error("Related lists the entry itself")
		}
	}
}

func ids(es []*glossary.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

const goodEntry = `id: widget
title: Widget
aliases: [gizmo]
summary: A widget is a small thing.
sources:
  - title: Widgets
    url: https://example.org/widget
`

func TestLoadReportsEveryProblem(t *testing.T) {
	fsys := fstest.MapFS{
		"entries/widget.yaml":     {Data: []byte(goodEntry)},
		"entries/bad-yaml.yaml":   {Data: []byte("id: bad-yaml\ntitle: [unclosed\n")},
		"entries/unknown.yaml":    {Data: []byte(strings.Replace(goodEntry, "id: widget\ntitle: Widget\naliases: [gizmo]", "id: unknown\ntitle: Unknown\ncolour: red", 1))},
		"entries/wrong-name.yaml": {Data: []byte(strings.Replace(goodEntry, "widget\ntitle: Widget\naliases: [gizmo]", "other\ntitle: Other", 1))},
		"entries/clash.yaml": {Data: []byte(`id: clash
title: Clash
aliases: [Gizmos]
summary: Shares a name with widget once normalised.
sources: [{title: T, url: "https://example.org"}]
see_also: [missing, clash]
no_autolink: [nothing]
`)},
		"entries/limits.yaml": {Data: []byte(`id: limits
title: ` + strings.Repeat("t", 101) + `
summary: ""
key_points: [` + strings.Repeat("p, ", 9) + `p]
sources:
  - title: ""
    url: ftp://example.org/x
  - title: Fine
    url: "https://"
    year: 12
`)},
		"readings/course.yaml": {Data: []byte(`id: course
title: Course
steps:
  - title: Week 1
    entries: [widget, nowhere]
    questions: []
`)},
	}
	_, err := glossary.Load(glossary.Layer{Name: "dir", FS: fsys})
	var probs glossary.Problems
	if !errors.As(err, &probs) {
		t.Fatalf("Load error = %v, want Problems", err)
	}
	text := err.Error()
	for _, want := range []string{
		"dir/entries/bad-yaml.yaml:2",
		"dir/entries/unknown.yaml:3: colour: unknown field",
		`dir/entries/wrong-name.yaml:1: id: "other" does not match the file name`,
		`dir/entries/widget.yaml:3: aliases[0]: "gizmo" is also a name of "clash" (dir/entries/clash.yaml)`,
		`see_also[0]: no entry has id "missing"`,
		"see_also[1]: an entry cannot list itself",
		`no_autolink[0]: "nothing" is not the title or an alias`,
		"dir/entries/limits.yaml:2: title: is 101 characters; the limit is 100",
		"summary: is missing or empty",
		"key_points: has 10 points; the limit is 8",
		"sources[0].title: is missing or empty",
		"sources[0].url: must start with https:// or http://",
		"sources[1].url: has no host",
		"sources[1].year: 12 is not a plausible year",
		`dir/readings/course.yaml:5: steps[0].entries[1]: no entry has id "nowhere"`,
		"steps[0].questions: needs 1 to 8 questions, has 0",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q", want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}

func TestLoadLayersOverride(t *testing.T) {
	base := fstest.MapFS{"entries/widget.yaml": {Data: []byte(goodEntry)}}
	over := fstest.MapFS{"entries/widget.yaml": {Data: []byte(strings.Replace(goodEntry, "a small thing", "a replaced thing", 1))}}
	g, err := glossary.Load(glossary.Layer{FS: base}, glossary.Layer{FS: over})
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := g.Entry("widget"); !strings.Contains(e.Summary, "replaced") {
		t.Errorf("later layer did not replace: %q", e.Summary)
	}
	if _, err := glossary.Load(glossary.Layer{Name: "empty", FS: fstest.MapFS{}}); err == nil {
		t.Error("a layer without entries/ loaded")
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Goodhart's Law":           "goodharts-law",
		"Mesa-Optimization":        "mesa-optimization",
		"  AI  Safety via Debate ": "ai-safety-via-debate",
		"Café Über":                "cafe-uber",
		"!!!":                      "",
	} {
		if got := glossary.Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}
