package glossary

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// naiveDesc is the description ranking without an inverted index: each
// search walks every word of every entry, as a first version would. It is
// the benchmarks' baseline and the index's oracle (TestDescribeMatchesNaive).
type naiveDesc struct {
	ix      *descIndex           // for query parsing, idf and parameters only
	stems   [][numFields][]int32 // stems[e][f]: the terms of field f, in order
	lens    [][numFields]float64
	avg     [numFields]float64
	entries int
}

func newNaiveDesc(entries []*Entry, p descParams) *naiveDesc {
	nv := &naiveDesc{ix: newDescIndex(entries, p), entries: len(entries)}
	nv.stems = make([][numFields][]int32, len(entries))
	nv.lens = make([][numFields]float64, len(entries))
	for i, e := range entries {
		for f, texts := range descText(e) {
			field := descField(f)
			if p.single {
				field = 0
			}
			for _, text := range texts {
				for _, w := range words(text, nil) {
					if s := stemWord(w); s != "" {
						nv.stems[i][field] = append(nv.stems[i][field], nv.ix.terms[s])
						nv.lens[i][field]++
					}
				}
			}
		}
	}
	for f := range numFields {
		for i := range entries {
			nv.avg[f] += nv.lens[i][f]
		}
		nv.avg[f] /= float64(len(entries))
	}
	return nv
}

func (nv *naiveDesc) search(q string, n int) []scored {
	p := nv.ix.p
	s := &descScratch{}
	terms, known, unknown := nv.ix.queryTerms(s, q)
	var acc []float32
	var all []int32
	for e := range nv.entries {
		var score, got float64
		held := 0
		for _, qt := range terms {
			var tf float64
			for f := range numFields {
				var c float64
				for _, t := range nv.stems[e][f] {
					if t == qt.term {
						c++
					}
				}
				if c == 0 {
					continue
				}
				w, b := p.weight[f], p.b[f]
				if p.single {
					w, b = 1, p.b[fieldSummary]
				}
				tf += w * c / (1 - b + b*nv.lens[e][f]/nv.avg[f])
			}
			if tf > 0 {
				score += float64(qt.factor) * float64(nv.ix.idf[qt.term]) * tf * (p.k1 + 1) / (p.k1 + tf)
				got += float64(nv.ix.idf[qt.term])
				held++
			}
		}
		acc = append(acc, float32(score))
		if held == 0 {
			continue
		}
		whole := unknown == 0 && held == len(terms)
		if whole || score-p.known*(float64(known)-got) >= p.floor+p.unknown*float64(unknown) {
			all = append(all, int32(e))
		}
	}
	return topScored(all, acc, n, p.share)
}

// TestDescribeMatchesNaive checks the inverted index against the naive
// scan on every row of the table, on plain BM25 and BM25F: same entries,
// same order (where scores differ by more than rounding), same scores.
func TestDescribeMatchesNaive(t *testing.T) {
	g := loadDefault(t)
	bm25 := defaultDescParams
	bm25.single = true
	for _, p := range []descParams{defaultDescParams, bm25} {
		ix := newDescIndex(g.entries, p)
		nv := newNaiveDesc(g.entries, p)
		for _, c := range descCases(t, "testdata/descriptions.tsv") {
			a, b := ix.search(c.query, 5), nv.search(c.query, 5)
			if len(a) != len(b) {
				t.Errorf("single=%v %q: index %v, naive %v", p.single, c.query, a, b)
				continue
			}
			for i := range a {
				if math.Abs(float64(a[i].score-b[i].score)) > 1e-4 || (a[i].entry != b[i].entry && math.Abs(float64(a[i].score-b[i].score)) > 1e-6) {
					t.Errorf("single=%v %q: index %v, naive %v", p.single, c.query, a, b)
					break
				}
			}
		}
	}
}

// syntheticDescribed returns the default glossary's entries plus made-up
// ones up to n, with text sampled from the default glossary's own words
// (so common words stay common and rare ones rare): a title of two to
// four words, a summary of 40 to 80 words, four key points and three
// describes: phrasings.
func syntheticDescribed(tb testing.TB, n int) []*Entry {
	tb.Helper()
	base := loadDefault(tb)
	var pool []string
	names := map[string]bool{}
	var es []*Entry
	for _, e := range base.entries {
		es = append(es, e)
		for _, nm := range e.Names() {
			names[Normalize(nm)] = true
		}
		for _, s := range append([]string{e.Summary}, e.KeyPoints...) {
			pool = append(pool, strings.Fields(strings.ToLower(s))...)
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	text := func(lo, hi int) string {
		k := lo + rng.IntN(hi-lo+1)
		ws := make([]string, k)
		for i := range ws {
			ws[i] = pool[rng.IntN(len(pool))]
		}
		return strings.Join(ws, " ")
	}
	for i := len(es); i < n; i++ {
		title := text(2, 4)
		for names[Normalize(title)] || Normalize(title) == "" {
			title = text(2, 4)
		}
		names[Normalize(title)] = true
		e := &Entry{ID: fmt.Sprintf("synthetic-%05d", i), Title: title, Summary: text(40, 80)}
		for range 4 {
			e.KeyPoints = append(e.KeyPoints, text(12, 25))
		}
		for range 3 {
			e.Describes = append(e.Describes, text(6, 10))
		}
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].ID < es[j].ID })
	return es
}

var (
	bigDescOnce sync.Once
	bigDesc     []*Entry
)

func describeQueries(tb testing.TB) []string {
	var qs []string
	for _, c := range descCases(tb, "testdata/descriptions.tsv") {
		qs = append(qs, c.query)
	}
	return qs
}

// BenchmarkDescribe measures a description search (the table's 146 rows in
// turn) beside the naive scan of the same ranking, over the default
// glossary and over 10,000 entries.
func BenchmarkDescribe(b *testing.B) {
	qs := describeQueries(b)
	def := loadDefault(b).entries
	bigDescOnce.Do(func() { bigDesc = syntheticDescribed(b, 10000) })
	for _, gl := range []struct {
		name    string
		entries []*Entry
	}{{"default", def}, {"10k", bigDesc}} {
		ix := newDescIndex(gl.entries, defaultDescParams)
		nv := newNaiveDesc(gl.entries, defaultDescParams)
		b.Run("index/"+gl.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				ix.search(qs[i%len(qs)], 5)
				i++
			}
		})
		b.Run("naive/"+gl.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				nv.search(qs[i%len(qs)], 5)
				i++
			}
		})
	}
}

// BenchmarkDescribeBuild10k is the cost of building the description
// index for 10,000 entries, paid once per glossary version.
func BenchmarkDescribeBuild10k(b *testing.B) {
	bigDescOnce.Do(func() { bigDesc = syntheticDescribed(b, 10000) })
	b.ReportAllocs()
	for b.Loop() {
		newDescIndex(bigDesc, defaultDescParams)
	}
}

// TestSyntheticDescribed checks that the synthetic glossary the
// benchmark uses does real work: a description reaches many entries, and
// the index and the naive scan agree on it. It builds 2,000 entries, not
// 10,000, to stay quick under the race detector.
func TestSyntheticDescribed(t *testing.T) {
	es := syntheticDescribed(t, 2000)
	ix := newDescIndex(es, defaultDescParams)
	nv := newNaiveDesc(es, defaultDescParams)
	for _, q := range describeQueries(t) {
		a, b := ix.search(q, 5), nv.search(q, 5)
		if !slices.EqualFunc(a, b, func(x, y scored) bool { return x.entry == y.entry }) {
			t.Errorf("%q: index %v, naive %v", q, a, b)
		}
	}
	q := "two AIs argue and a human judges who is right"
	s := ix.scratch.Get().(*descScratch)
	terms, _, _ := ix.queryTerms(s, q)
	postings := 0
	for _, qt := range terms {
		postings += len(ix.postings[qt.term])
	}
	ix.scratch.Put(s)
	if postings < len(es)/5 {
		t.Errorf("%q touches %d postings of %d entries; the benchmark would measure little", q, postings, len(es))
	}
}
