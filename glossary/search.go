package glossary

import (
	"strings"
	"unicode"
)

// Search by description or topic. The ranking itself is in describe.go.

// SearchHits returns up to n entries that answer q, best first, with
// their scores: a description ("when a proxy stops being a good target")
// or a few words about a topic ("interpretability"). An entry that q
// names with confidence (as Lookup decides: "xrisk", "mesaoptimization")
// comes first, scored at least as high as the best of the rest and as
// one strongly matched word. Entries
// whose evidence is below the relevance floor are left out, so an
// off-topic query ("how do I bake sourdough bread") gets nothing.
func (g *Glossary) SearchHits(q string, n int) []Hit {
	if n <= 0 {
		return nil
	}
	named := -1
	if r := g.Lookup(q); r.Match != nil {
		named = g.byID[r.Match.ID]
	}
	top := g.desc.search(q, n)
	out := make([]Hit, 0, len(top)+1)
	if named >= 0 {
		h := Hit{Entry: g.entries[named]}
		for _, s := range top {
			if int(s.entry) == named {
				h.Score = float64(s.score)
			}
		}
		// A name counts at least as much as one query word can (a rare
		// word filling a title), and never below the best of the rest.
		h.Score = max(h.Score, g.desc.p.k1+1)
		if len(top) > 0 {
			h.Score = max(h.Score, float64(top[0].score))
		}
		out = append(out, h)
	}
	for _, s := range top {
		if int(s.entry) != named && len(out) < n {
			out = append(out, Hit{Entry: g.entries[s.entry], Score: float64(s.score)})
		}
	}
	return out
}

// Search is SearchHits without the scores.
func (g *Glossary) Search(q string, n int) []*Entry {
	hits := g.SearchHits(q, n)
	out := make([]*Entry, len(hits))
	for i, h := range hits {
		out[i] = h.Entry
	}
	return out
}

// IsDescription reports whether q reads like a description of an idea
// rather than a name: at least three words that are not stop words once
// question leads ("what is") are dropped. "when a proxy stops being a
// good target" is one; "mesa optimisation" and "what is ELK" are not.
func IsDescription(q string) bool {
	if len(q) > maxDescribeBytes {
		q = q[:maxDescribeBytes]
	}
	n := 0
	for _, w := range queryWords(q, nil) {
		if !descStopWord(w) {
			n++
		}
	}
	return n >= 3
}

// completeDescribed offers autocomplete the entries a partly typed
// description finds: ranked on the text as typed, then on its finished
// words alone (the last may be half a word), until add says stop.
func (g *Glossary) completeDescribed(prefix string, n int, add func(entry int32) bool) {
	for _, s := range g.desc.search(prefix, n) {
		if !add(s.entry) {
			return
		}
	}
	trimmed := strings.TrimRightFunc(prefix, unicode.IsSpace)
	if i := strings.LastIndexFunc(trimmed, unicode.IsSpace); i > 0 && len(trimmed) == len(prefix) {
		for _, s := range g.desc.search(trimmed[:i], n) {
			if !add(s.entry) {
				return
			}
		}
	}
}
