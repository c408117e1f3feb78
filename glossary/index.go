package glossary

import (
	"sort"
	"strings"
	"sync"
)

// name is one title or alias of an entry, prepared for matching.
type name struct {
	entry   int32
	text    string    // as written in the file
	key     string    // canonical words joined by single spaces
	compact string    // key without spaces
	words   []string  // canonical words
	weights []float32 // wordWeight of each word
	weight  float64   // sum of weights
	title   bool
}

// posting says that word number pos of names[name] is a given vocabulary word.
type posting struct {
	name int32
	pos  uint8
}

type index struct {
	names []name

	exact   map[string]int32 // key -> name
	compact map[string]int32 // compact key -> name; ambiguous: -1
	bag     map[string]int32 // sorted words -> name; ambiguous: -1

	vocab    *trie       // every word of every name
	postings [][]posting // by vocab value

	compacts     *trie     // every compact key
	compactNames [][]int32 // by compacts value

	sounds     map[string][]int32 // consonant key (soundKey) -> vocab values
	soundSpell []string           // sound spelling by vocab value, if it has a key
	initials   map[string][]int32 // initials of multi-word titles -> names

	titles []int32     // titles[entry]: the name that is its title
	sorted []int32     // names by key, for Complete
	starts []wordStart // every word start of every name, by suffix, for Complete

	scratch sync.Pool // *scratch sized for names

	scan        *scanIndex
	scanScratch sync.Pool // *scanScratch
}

// wordStart is the suffix names[name].key[off:].
type wordStart struct {
	name int32
	off  int32
}

func (ix *index) suffix(w wordStart) string { return ix.names[w.name].key[w.off:] }

// maxNameWords bounds the words of a name that take part in word-level
// matching; a 100-character name rarely has more.
const maxNameWords = 16

func newIndex(entries []*Entry) *index {
	ix := &index{
		exact:   map[string]int32{},
		titles:  make([]int32, len(entries)),
		compact: map[string]int32{},
		bag:     map[string]int32{},
	}
	for ei, e := range entries {
		for i, text := range e.Names() {
			ws := nameWords(text)
			if len(ws) == 0 {
				continue
			}
			key := strings.Join(ws, " ")
			if _, dup := ix.exact[key]; dup {
				continue // same entry (validated): "SAE" and "SAEs"
			}
			n := name{entry: int32(ei), text: text, key: key, compact: strings.Join(ws, ""), words: ws, title: i == 0}
			for _, w := range ws {
				n.weights = append(n.weights, float32(wordWeight(w)))
				n.weight += wordWeight(w)
			}
			id := int32(len(ix.names))
			ix.names = append(ix.names, n)
			if n.title {
				ix.titles[ei] = id
			}
			ix.exact[key] = id
			addUnique(ix.compact, n.compact, id, ix.names)
			addUnique(ix.bag, bagKey(ws), id, ix.names)
		}
	}

	vocab := map[string][]posting{}
	compacts := map[string][]int32{}
	for id, n := range ix.names {
		for pos, w := range n.words {
			if pos >= maxNameWords {
				break
			}
			vocab[w] = append(vocab[w], posting{int32(id), uint8(pos)})
		}
		compacts[n.compact] = append(compacts[n.compact], int32(id))
	}
	ix.vocab = newTrie(keysOf(vocab))
	ix.postings = make([][]posting, len(ix.vocab.keys))
	for i, k := range ix.vocab.keys {
		ix.postings[i] = vocab[k]
	}
	ix.compacts = newTrie(keysOf(compacts))
	ix.compactNames = make([][]int32, len(ix.compacts.keys))
	for i, k := range ix.compacts.keys {
		ix.compactNames[i] = compacts[k]
	}
	ix.sounds = map[string][]int32{}
	ix.soundSpell = make([]string, len(ix.vocab.keys))
	var spell, key [2 * maxKeyLen]byte
	for v, w := range ix.vocab.keys {
		if sp, k, ok := soundKey(w, spell[:0], key[:0]); ok {
			ix.sounds[string(k)] = append(ix.sounds[string(k)], int32(v))
			ix.soundSpell[v] = string(sp)
		}
	}
	ix.initials = map[string][]int32{}
	for id, n := range ix.names {
		if !n.title {
			continue
		}
		for _, k := range initials(n.text) {
			if ix.vocab.find(k) < 0 { // a word is read as a word
				ix.initials[k] = append(ix.initials[k], int32(id))
			}
		}
	}

	ix.sorted = make([]int32, len(ix.names))
	for i := range ix.sorted {
		ix.sorted[i] = int32(i)
	}
	sort.Slice(ix.sorted, func(a, b int) bool { return ix.names[ix.sorted[a]].key < ix.names[ix.sorted[b]].key })
	for id, n := range ix.names {
		off := 0
		for i, w := range n.words {
			if i > 0 {
				ix.starts = append(ix.starts, wordStart{int32(id), int32(off)})
			}
			off += len(w) + 1
		}
	}
	sort.Slice(ix.starts, func(a, b int) bool { return ix.suffix(ix.starts[a]) < ix.suffix(ix.starts[b]) })

	ix.scan = newScanIndex(ix, entries)
	ix.scanScratch.New = func() any { return &scanScratch{buf: make([]byte, 0, 64)} }

	size := len(ix.names)
	ix.scratch.New = func() any {
		return &scratch{
			stamp: make([]uint32, size), acc: make([]accum, size),
			entStamp: make([]uint32, len(entries)), ent: make([]entryBest, len(entries)),
		}
	}
	return ix
}

// addUnique maps key to id, or to -1 when two entries share the key.
func addUnique(m map[string]int32, key string, id int32, names []name) {
	prev, ok := m[key]
	switch {
	case !ok:
		m[key] = id
	case prev >= 0 && names[prev].entry != names[id].entry:
		m[key] = -1
	}
}

func bagKey(ws []string) string {
	s := append([]string(nil), ws...)
	sort.Strings(s)
	return strings.Join(s, " ")
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// articles are dropped from the start of names and queries: "the sharp
// left turn" is "sharp left turn".
var articles = map[string]bool{"the": true, "a": true, "an": true}

// stopWords carry no meaning on their own; a query of only these matches
// nothing, and they weigh little inside names ("AI Safety via Debate").
var stopWords = map[string]bool{
	"the": true, "a": true, "an": true, "of": true, "to": true, "in": true, "on": true,
	"and": true, "or": true, "is": true, "are": true, "be": true, "for": true, "with": true,
	"by": true, "as": true, "at": true, "from": true, "via": true, "it": true, "its": true,
	"this": true, "that": true, "what": true, "how": true, "why": true, "who": true,
	"i": true, "you": true, "we": true, "me": true, "my": true, "do": true, "does": true,
	"not": true, "no": true, "yes": true, "so": true, "if": true, "but": true, "about": true,
	"there": true, "their": true, "they": true, "them": true, "he": true, "she": true,
	"was": true, "were": true, "has": true, "have": true, "had": true, "can": true,
	"will": true, "would": true, "should": true, "could": true, "all": true, "any": true,
	"some": true, "lol": true, "ok": true, "okay": true, "hi": true, "hello": true,
}

// questionLeads are phrases people put before a term in a lookup, in
// canonical form ("does" is "doe" once made singular).
var questionLeads = [][]string{
	{"what", "is"}, {"what", "are"}, {"what", "doe"}, {"what", "do"}, {"whats"}, {"what"}, {"who", "is"},
	{"define"}, {"definition", "of"}, {"meaning", "of"}, {"explain"},
	{"tell", "me", "about"}, {"lookup"}, {"look", "up"},
}

// questionTails are phrases people put after a term: "what does RLHF
// mean".
var questionTails = [][]string{{"mean"}, {"stand", "for"}}

// nameWords is the canonical words of a name: Normalize's words without a
// leading article.
func nameWords(s string) []string {
	return dropArticle(words(s, nil))
}

func dropArticle(ws []string) []string {
	if len(ws) > 1 && articles[ws[0]] {
		return ws[1:]
	}
	return ws
}

// queryWords is nameWords for what a person typed: question leads like
// "what is" go too.
func queryWords(s string, buf []string) []string {
	ws := words(s, buf)
	for _, lead := range questionLeads {
		if len(ws) > len(lead) && hasPrefixWords(ws, lead) {
			ws = ws[len(lead):]
			break
		}
	}
	for _, tail := range questionTails {
		if len(ws) > len(tail) && hasSuffixWords(ws, tail) {
			ws = ws[:len(ws)-len(tail)]
			break
		}
	}
	return dropArticle(ws)
}

func hasSuffixWords(ws, suffix []string) bool {
	return hasPrefixWords(ws[len(ws)-len(suffix):], suffix)
}

func hasPrefixWords(ws, prefix []string) bool {
	for i, p := range prefix {
		if ws[i] != p {
			return false
		}
	}
	return true
}

// wordWeight is how much a word counts toward a name's coverage: its
// length, so "AI" counts less than "alignment", and little for stop words.
func wordWeight(w string) float64 {
	if stopWords[w] {
		return 0.5
	}
	return float64(len(w))
}

// typoBudget is how many edits a word of n bytes may carry and still
// match: none below 4, one up to 7, two from 8.
func typoBudget(n int) int {
	switch {
	case n < 4:
		return 0
	case n < 8:
		return 1
	default:
		return 2
	}
}

// scratch is per-lookup working memory, pooled so a lookup over a large
// glossary allocates almost nothing.
type scratch struct {
	gen     uint32
	stamp   []uint32 // stamp[name] == gen: acc[name] is in use
	acc     []accum
	touched []int32 // names with an acc this lookup

	entStamp   []uint32 // entStamp[entry] == gen: ent[entry] is in use
	ent        []entryBest
	entTouched []int32
	best       float64 // best score offered so far
}

// entryBest is an entry's best-scoring name in one lookup.
type entryBest struct {
	name  int32
	score float64
	// clean: one of the entry's names holds every content word of the
	// query, spelt as typed (whole words or prefixes, no typo).
	clean bool
}

// offer records that name id of entry e scored score.
func (s *scratch) offer(e, id int32, score float64, clean, title bool) {
	if s.entStamp[e] != s.gen {
		s.entStamp[e] = s.gen
		s.ent[e] = entryBest{name: id, score: score, clean: clean}
		s.entTouched = append(s.entTouched, e)
		s.best = max(s.best, score)
		return
	}
	b := &s.ent[e]
	b.clean = b.clean || clean
	if score > b.score || (score == b.score && title) {
		b.name, b.score = id, score
	}
	s.best = max(s.best, score)
}

type accum struct {
	sims  [maxNameWords]float32 // best similarity per word of the name
	qmask uint64                // query words that matched some word
	typo  bool                  // a typo-corrected word contributed
}

func (s *scratch) get(n int32) *accum {
	if s.stamp[n] != s.gen {
		s.stamp[n] = s.gen
		s.acc[n] = accum{}
		s.touched = append(s.touched, n)
	}
	return &s.acc[n]
}

func (ix *index) getScratch() *scratch {
	s := ix.scratch.Get().(*scratch)
	s.gen++
	if s.gen == 0 { // wrapped: old stamps could collide
		clear(s.stamp)
		s.gen = 1
	}
	s.touched = s.touched[:0]
	s.entTouched = s.entTouched[:0]
	s.best = 0
	return s
}
