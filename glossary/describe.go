package glossary

import (
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/kljensen/snowball/english"
)

// Search by description: "the thing where a model pretends to be aligned
// during training" finds Deceptive Alignment though it names nothing.
//
// The ranking is BM25F (Robertson and Zaragoza, "The Probabilistic
// Relevance Framework: BM25 and Beyond", 2009) over each entry's text
// fields. Every field is cut into words as names are (Normalize: folded,
// British spellings made American, simple plurals made singular), stop
// words are dropped and the rest reduced to Snowball (Porter2) stems, so
// "deceptively", "deceive" and "deception" meet. A term's frequency in a
// field counts the field's weight times, damped by the field's length
// against the average for that field; the weighted sum s is saturated as
// s(k1+1)/(k1+s) and multiplied by the term's inverse document frequency.
// Titles and other names weigh most, then describes:, tags and the
// summary, then key points, source titles and questions.
//
// Everything that does not depend on the query (the saturated, weighted
// frequency of each term in each entry, times its idf) is computed when
// the glossary is built, so a search adds one precomputed number per
// posting of each query term.
//
// Scores are in units of the largest idf the glossary can give (a word
// found in one entry), so one rare word matched in a title scores about
// k1+1 whatever the glossary's size, and the relevance floor means the
// same for a glossary of ten entries or ten thousand.
//
// Why not a search library: bleve, Go's full-text engine, brings an index
// store, analysers and a query language for a few hundred short entries,
// and its scores are not built to be read as evidence for a relevance
// floor. The ranking itself is a small in-memory inverted index; the
// stemmer, the part worth not writing, comes from kljensen/snowball.

// descField is one text field of an entry, as the description ranking
// sees it.
type descField int

const (
	fieldTitle descField = iota
	fieldAliases
	fieldDescribes
	fieldTags
	fieldSummary
	fieldKeyPoints
	fieldQuestions
	fieldSources
	numFields
)

// descParams are the ranking's constants. They were chosen on
// testdata/descriptions.tsv (TestDescriptionTable, and
// TestDescriptionRankings for BM25 against BM25F); the results barely
// move when k1 or one field's weight is halved or doubled. The floor sits
// mid-way in the range that answers no off-topic row of the table.
type descParams struct {
	k1 float64
	// weight and b (length normalisation, 0 to 1) of each field. With
	// single set, every field is one bag of words: plain BM25.
	weight [numFields]float64
	b      [numFields]float64
	single bool
	// typoFactor scales a query word that was corrected for a typo.
	typoFactor float64
	// floor is the least evidence a result must have: its score less
	// unknown for each query word the glossary never uses, and less known
	// times the idf of each glossary word of the query that the entry
	// lacks. Below it an entry matched only common words, or one word of
	// a query about something else, and is not an answer. Unknown words
	// weigh more: a query full of words no entry uses ("sourdough",
	// "router") is about something else, while a description whose
	// glossary words are spread over several entries is still about the
	// glossary.
	floor, unknown, known float64
	// share: later results must score at least share of the best, so a
	// clear answer is not padded with entries that matched one word.
	share float64
}

var defaultDescParams = descParams{
	k1:         1.2,
	weight:     [numFields]float64{3, 2.5, 2, 1.5, 1, 0.7, 0.3, 0.5},
	b:          [numFields]float64{0.3, 0.3, 0.5, 0.3, 0.75, 0.75, 0.75, 0.5},
	typoFactor: 0.8,
	floor:      0.35,
	unknown:    1.0,
	known:      0.5,
	share:      0.3,
}

// descPosting says entry holds a term; score is the entry's whole
// contribution for the term (idf included).
type descPosting struct {
	entry int32
	score float32
}

// descIndex is the inverted index behind SearchHits, built once per
// glossary version.
type descIndex struct {
	p        descParams
	terms    map[string]int32 // stem -> term
	postings [][]descPosting  // by term, by entry
	// known maps every canonical word of every entry (before stemming)
	// to its term, so neither building nor most query words need the
	// stemmer twice. surface holds the same words for typo correction,
	// by first byte (a typo is not looked for there), without that byte.
	known   map[string]int32
	surface map[byte]surfaceWords
	df      []int32   // by term
	idf     []float32 // by term, in units of the largest
	entries int
	scratch sync.Pool // *descScratch
}

// descText returns the text of each field of e.
func descText(e *Entry) [numFields][]string {
	var f [numFields][]string
	f[fieldTitle] = []string{e.Title}
	f[fieldAliases] = e.Aliases
	f[fieldDescribes] = e.Describes
	for _, t := range e.Tags {
		f[fieldTags] = append(f[fieldTags], strings.ReplaceAll(t, "-", " "))
	}
	f[fieldSummary] = []string{e.Summary}
	f[fieldKeyPoints] = e.KeyPoints
	f[fieldQuestions] = e.Questions
	for _, s := range e.Sources {
		f[fieldSources] = append(f[fieldSources], s.Title)
	}
	return f
}

// termOf returns the term of canonical word w while the index is built,
// adding it if new, or -1 for a stop word. A glossary repeats its words
// many times, so each is stemmed once.
func (ix *descIndex) termOf(w string) int32 {
	if t, ok := ix.known[w]; ok {
		return t
	}
	t := int32(-1)
	if s := stemWord(w); s != "" {
		var ok bool
		if t, ok = ix.terms[s]; !ok {
			t = int32(len(ix.terms))
			ix.terms[s] = t
		}
	}
	ix.known[w] = t
	return t
}

// stemWord is the term a canonical word counts as, or "" for a stop word.
func stemWord(w string) string {
	if descStopWord(w) {
		return ""
	}
	return english.Stem(w, true)
}

// descStopWord reports words that say nothing about which entry is meant:
// the Snowball English stop list, the name matcher's stop words, and
// words people use to frame a description ("the thing where", "the idea
// that ... is called"). Words are canonical, so "does" is "doe".
func descStopWord(w string) bool {
	if len(w) < 2 && !isDigit(w[0]) {
		return true
	}
	return stopWords[w] || english.IsStopWord(w) || describeFiller[w]
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

var describeFiller = setOf(
	"doe", "thing", "idea", "concept", "term", "called", "name", "word", "stuff",
	"something", "someone", "whats", "mean", "meaning", "like", "kind", "sort", "happen",
	"really", "actually", "basically", "also", "even", "still", "get", "got",
)

func newDescIndex(entries []*Entry, p descParams) *descIndex {
	ix := &descIndex{p: p, terms: map[string]int32{}, known: map[string]int32{}, entries: len(entries)}
	// tf[f][i] holds entry i's term counts in field f.
	type count struct {
		term int32
		n    float64
	}
	tfs := make([][numFields][]count, len(entries))
	lens := make([][numFields]float64, len(entries))
	var total [numFields]float64
	var ws []string
	// slot[t] is where term t sits in the current field's counts, valid
	// when stamp[t] is the current field's stamp.
	var slot, stamp []int32
	gen := int32(0)
	for i, e := range entries {
		for f, texts := range descText(e) {
			field := descField(f)
			if p.single {
				field = 0
			}
			gen++
			for _, text := range texts {
				ws = words(text, ws[:0])
				for _, w := range ws {
					t := ix.termOf(w)
					if t < 0 {
						continue
					}
					if int(t) >= len(slot) {
						slot = append(slot, make([]int32, int(t)+1-len(slot))...)
						stamp = append(stamp, make([]int32, int(t)+1-len(stamp))...)
					}
					lens[i][field]++
					if stamp[t] == gen {
						tfs[i][field][slot[t]].n++
					} else {
						stamp[t], slot[t] = gen, int32(len(tfs[i][field]))
						tfs[i][field] = append(tfs[i][field], count{t, 1})
					}
				}
			}
		}
		for f := range numFields {
			total[f] += lens[i][f]
		}
	}
	ix.df = make([]int32, len(ix.terms))
	ix.postings = make([][]descPosting, len(ix.terms))
	// acc[t] is entry i's weighted, length-normalised frequency of t.
	acc := make([]float64, len(ix.terms))
	var touched []int32
	for i := range entries {
		touched = touched[:0]
		for f := range numFields {
			if len(tfs[i][f]) == 0 {
				continue
			}
			w, b := p.weight[f], p.b[f]
			if p.single {
				w, b = 1, p.b[fieldSummary]
			}
			avg := total[f] / float64(len(entries))
			norm := 1 - b + b*lens[i][f]/avg
			for _, c := range tfs[i][f] {
				if acc[c.term] == 0 {
					touched = append(touched, c.term)
				}
				acc[c.term] += w * c.n / norm
			}
		}
		for _, t := range touched {
			ix.df[t]++
			s := acc[t]
			acc[t] = 0
			ix.postings[t] = append(ix.postings[t], descPosting{entry: int32(i), score: float32(s * (p.k1 + 1) / (p.k1 + s))})
		}
	}
	// idf, in units of the largest possible (a term in one entry).
	n := float64(len(entries))
	maxIDF := math.Log(1 + (n-1+0.5)/(1+0.5))
	if maxIDF <= 0 {
		maxIDF = 1
	}
	ix.idf = make([]float32, len(ix.postings))
	for t, ps := range ix.postings {
		df := float64(len(ps))
		idf := math.Log(1+(n-df+0.5)/(df+0.5)) / maxIDF
		ix.idf[t] = float32(idf)
		for k := range ps {
			ps[k].score *= float32(idf)
		}
	}
	for w, t := range ix.known {
		if t < 0 {
			delete(ix.known, w) // stop words: queries check those first
		}
	}
	byFirst := map[byte][]string{}
	for w := range ix.known {
		byFirst[w[0]] = append(byFirst[w[0]], w[1:])
	}
	ix.surface = make(map[byte]surfaceWords, len(byFirst))
	for b, rests := range byFirst {
		sw := surfaceWords{trie: newTrie(rests)}
		sw.term = make([]int32, len(sw.trie.keys))
		for v, k := range sw.trie.keys {
			sw.term[v] = ix.known[string(b)+k]
		}
		ix.surface[b] = sw
	}
	size := len(entries)
	ix.scratch.New = func() any {
		return &descScratch{
			acc: make([]float32, size), got: make([]float32, size),
			held: make([]uint16, size), stamp: make([]uint32, size),
		}
	}
	return ix
}

// surfaceWords are the glossary words that start with one byte, without
// it, and the term of each.
type surfaceWords struct {
	trie *trie
	term []int32 // by trie value
}

// descScratch is one search's working memory, pooled.
type descScratch struct {
	gen     uint32
	stamp   []uint32  // stamp[e] == gen: acc[e] is in use
	acc     []float32 // acc[e]: e's score
	got     []float32 // got[e]: idf of the query terms e holds
	held    []uint16  // held[e]: how many query terms e holds
	touched []int32
	words   []string
	terms   []queryTerm
}

// queryTerm is one distinct term of a query and how much it counts.
type queryTerm struct {
	term   int32
	factor float32
}

// maxDescribeBytes bounds the text a search reads; descriptions are a
// sentence, and the commands cap what users type well below this.
const maxDescribeBytes = 1000

// queryTerms turns a description into distinct index terms, the sum of
// their idfs, and the number of words the glossary does not use. Stop
// words go, and an unknown word is corrected when a glossary word is
// close enough (see correct).
func (ix *descIndex) queryTerms(s *descScratch, q string) (terms []queryTerm, known, unknown float32) {
	if len(q) > maxDescribeBytes {
		q = q[:maxDescribeBytes]
	}
	s.words = words(q, s.words[:0])
	s.terms = s.terms[:0]
	add := func(t int32, f float32) {
		for i := range s.terms {
			if s.terms[i].term == t {
				s.terms[i].factor = max(s.terms[i].factor, f)
				return
			}
		}
		s.terms = append(s.terms, queryTerm{t, f})
	}
	for _, w := range s.words {
		if t, ok := ix.known[w]; ok { // the common case: a word entries use
			add(t, 1)
			continue
		}
		stem := stemWord(w)
		if stem == "" {
			continue
		}
		if t, ok := ix.terms[stem]; ok {
			add(t, 1)
		} else if t, ok := ix.correct(w); ok {
			add(t, float32(ix.p.typoFactor))
		} else {
			unknown++
		}
	}
	for _, qt := range s.terms {
		known += ix.idf[qt.term]
	}
	return s.terms, known, unknown
}

// correct returns the term of the glossary word nearest to w, preferring
// fewer edits, then the more common word. A description is mostly
// ordinary English the glossary has never seen, so correction is
// cautious: only words of six letters or more, one edit below nine
// letters, two from nine, and the first letter as typed. "pretnds" is
// "pretends" and "inteligence" is "intelligence", while "table" is not
// "able", nor "router" "outer".
func (ix *descIndex) correct(w string) (int32, bool) {
	budget := 1
	switch {
	case len(w) < 6:
		return 0, false
	case len(w) >= 9:
		budget = 2
	}
	sw, ok := ix.surface[w[0]]
	if !ok {
		return 0, false
	}
	best, bestDist, bestDF := int32(-1), budget+1, int32(-1)
	sw.trie.near(w[1:], budget, func(v int32, d int) {
		t := sw.term[v]
		if d < bestDist || (d == bestDist && ix.df[t] > bestDF) {
			best, bestDist, bestDF = t, d, ix.df[t]
		}
	})
	return best, best >= 0
}

// Hit is an entry a search found and how well it answers.
type Hit struct {
	Entry *Entry
	Score float64
}

// search ranks the entries for q: up to n entries scoring at least the
// floor and share of the best, best first, ties by id.
func (ix *descIndex) search(q string, n int) []scored {
	if n <= 0 {
		return nil
	}
	s := ix.scratch.Get().(*descScratch)
	defer ix.scratch.Put(s)
	s.gen++
	if s.gen == 0 {
		clear(s.stamp)
		s.gen = 1
	}
	s.touched = s.touched[:0]
	terms, known, unknown := ix.queryTerms(s, q)
	for _, qt := range terms {
		idf := ix.idf[qt.term]
		for _, p := range ix.postings[qt.term] {
			if s.stamp[p.entry] != s.gen {
				s.stamp[p.entry] = s.gen
				s.acc[p.entry], s.got[p.entry], s.held[p.entry] = 0, 0, 0
				s.touched = append(s.touched, p.entry)
			}
			s.acc[p.entry] += qt.factor * p.score
			s.got[p.entry] += idf
			s.held[p.entry]++
		}
	}
	// An entry passes when it holds every word of a query made only of
	// glossary words ("alignment", "reward model"), or when its evidence
	// (see descParams.floor) clears the floor. The score alone orders
	// what passes.
	floor := float32(ix.p.floor) + float32(ix.p.unknown)*unknown
	lack := float32(ix.p.known)
	all := unknown == 0
	kept := s.touched[:0]
	for _, e := range s.touched {
		if (all && int(s.held[e]) == len(terms)) || s.acc[e]-lack*(known-s.got[e]) >= floor {
			kept = append(kept, e)
		}
	}
	return topScored(kept, s.acc, n, ix.p.share)
}

// scored is an entry's score in one search.
type scored struct {
	entry int32
	score float32
}

// topScored picks the n best of the touched entries: a bounded insertion
// into a short sorted list, since n is at most a few dozen.
func topScored(touched []int32, acc []float32, n int, share float64) []scored {
	top := make([]scored, 0, n+1)
	for _, e := range touched {
		sc := acc[e]
		if len(top) == n && !better(scored{e, sc}, top[n-1]) {
			continue
		}
		i := sort.Search(len(top), func(i int) bool { return better(scored{e, sc}, top[i]) })
		top = slices.Insert(top, i, scored{e, sc})
		if len(top) > n {
			top = top[:n]
		}
	}
	if len(top) > 0 {
		min := float32(share) * top[0].score
		for i, h := range top {
			if h.score < min {
				return top[:i]
			}
		}
	}
	return top
}

// better orders results: higher score first, then lower entry index
// (entries are sorted by id), so equal scores come out in a fixed order.
func better(a, b scored) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.entry < b.entry
}
