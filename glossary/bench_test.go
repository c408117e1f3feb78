package glossary_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/sahilm/fuzzy"

	"refbot/glossary"
)

// synthetic returns a deterministic glossary of n entries: the default
// glossary's entries plus made-up ones whose two- to four-word names are
// drawn from the words of the default summaries, so they look and collide
// like real names.
func synthetic(tb testing.TB, n int) []glossary.Entry {
	tb.Helper()
	base := defaultGlossary(tb)
	seen := map[string]bool{}
	vocab := map[string]bool{}
	var es []glossary.Entry
	for _, e := range base.Entries() {
		c := *e
		c.SeeAlso = nil
		es = append(es, c)
		for _, nm := range e.Names() {
			seen[glossary.Normalize(nm)] = true
		}
		for _, w := range strings.Fields(glossary.Normalize(e.Summary)) {
			if len(w) >= 3 && !functionWords[w] {
				vocab[w] = true
			}
		}
	}
	words := make([]string, 0, len(vocab))
	for w := range vocab {
		words = append(words, w)
	}
	sort.Strings(words)
	rng := rand.New(rand.NewPCG(1, 2))
	name := func() string {
		k := 2 + rng.IntN(3)
		parts := make([]string, k)
		for i := range parts {
			w := words[rng.IntN(len(words))]
			parts[i] = strings.ToUpper(w[:1]) + w[1:]
		}
		return strings.Join(parts, " ")
	}
	fresh := func() string {
		for {
			s := name()
			if k := glossary.Normalize(s); !seen[k] {
				seen[k] = true
				return s
			}
		}
	}
	for i := len(es); i < n; i++ {
		title := fresh()
		e := glossary.Entry{
			ID:      fmt.Sprintf("term-%05d", i),
			Title:   title,
			Summary: "A synthetic entry for benchmarks.",
			Sources: []glossary.Source{{Title: title, URL: fmt.Sprintf("https://example.org/%d", i)}},
		}
		for range rng.IntN(3) {
			e.Aliases = append(e.Aliases, fresh())
		}
		es = append(es, e)
	}
	return es
}

// functionWords do not make glossary names on their own. The last four
// are words Lookup strips as a question lead or tail ("explain X", "what
// does X mean"): a made-up name ending in "Mean" would never be an exact
// match, and whether one is drawn depends on the wording of every summary.
var functionWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields("the and for that this with from are was were not but its can has have had into than then when what which who why how also more most such only other some any all one two its their them they there these those our out over under about after before while where whether would could should will may might must been being does did doe very just each both few many much own same so too yet nor per via mean define explain lookup") {
		functionWords[w] = true
	}
}

var (
	bigOnce sync.Once
	big     *glossary.Glossary
	bigEs   []glossary.Entry
)

func bigGlossary(tb testing.TB) (*glossary.Glossary, []glossary.Entry) {
	bigOnce.Do(func() {
		bigEs = synthetic(tb, 10000)
		g, err := glossary.New(bigEs, nil)
		if err != nil {
			tb.Fatal(err)
		}
		big = g
	})
	return big, bigEs
}

// benchQueries picks names of the big glossary, as typed and with one
// typo (an adjacent swap or a changed letter in a word of 6+ letters).
func benchQueries(es []glossary.Entry) (exact, typo, prefix []string) {
	rng := rand.New(rand.NewPCG(3, 4))
	for len(exact) < 64 {
		e := es[rng.IntN(len(es))]
		nm := e.Names()[rng.IntN(len(e.Names()))]
		exact = append(exact, nm)
		b := []byte(strings.ToLower(nm))
		i := 1 + rng.IntN(len(b)-3)
		if rng.IntN(2) == 0 {
			b[i], b[i+1] = b[i+1], b[i]
		} else {
			b[i] = 'a' + byte(rng.IntN(26))
		}
		typo = append(typo, string(b))
		prefix = append(prefix, nm[:min(len(nm), 2+rng.IntN(5))])
	}
	return exact, typo, prefix
}

func BenchmarkBuild10k(b *testing.B) {
	_, es := bigGlossary(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := glossary.New(es, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookup10k(b *testing.B) {
	g, es := bigGlossary(b)
	exact, typo, _ := benchQueries(es)
	for _, bc := range []struct {
		name    string
		queries []string
	}{{"exact", exact}, {"typo", typo}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				g.Lookup(bc.queries[i%len(bc.queries)])
				i++
			}
		})
	}
}

func BenchmarkComplete10k(b *testing.B) {
	g, es := bigGlossary(b)
	_, _, prefix := benchQueries(es)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		g.Complete(prefix[i%len(prefix)], 25)
		i++
	}
}

// BenchmarkFuzzyFindBaseline is the naive matcher Lookup is compared
// with: sahilm/fuzzy over every name, for the same queries.
func BenchmarkFuzzyFindBaseline10k(b *testing.B) {
	_, es := bigGlossary(b)
	exact, typo, _ := benchQueries(es)
	var names []string
	for _, e := range es {
		names = append(names, e.Names()...)
	}
	for _, bc := range []struct {
		name    string
		queries []string
	}{{"exact", exact}, {"typo", typo}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				fuzzy.Find(bc.queries[i%len(bc.queries)], names)
				i++
			}
		})
	}
}

// TestSyntheticLookups checks that the benchmark's queries find what
// they were made from, so the figures measure real work.
func TestSyntheticLookups(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10,000-entry glossary")
	}
	g, es := bigGlossary(t)
	exact, _, _ := benchQueries(es)
	for _, q := range exact {
		if r := g.Lookup(q); r.Match == nil || r.Score != 1 {
			t.Errorf("Lookup(%q) = %+v, want an exact match", q, r.Match)
		}
	}
	if g.Len() != 10000 {
		t.Errorf("Len = %d", g.Len())
	}
}
