package glossary

import (
	"math"
	"sort"
	"strings"

	"github.com/sahilm/fuzzy"
)

// Result is the answer to a Lookup.
type Result struct {
	// Match is set when the lookup is confident (see Lookup).
	Match *Entry
	// Score of Match, or of the best suggestion when there is no Match;
	// 1 for an exact name, lower for each approximation.
	Score float64
	// Name is the title or alias that matched.
	Name string
	// Suggestions are the next best entries, best first, without Match.
	Suggestions []Candidate
}

// Candidate is an entry that might be what was meant.
type Candidate struct {
	Entry *Entry
	Name  string // the title or alias that scored best
	Score float64
}

// Scores of the exact stages. Approximate stages score below these.
const (
	scoreExact   = 1.0
	scoreCompact = 0.98 // "mesaoptimization"
	scoreBag     = 0.95 // "alignment deceptive"
	scoreApprox  = 0.95 // ceiling of every approximate stage
)

// The confidence rule. Lookup answers with one entry only when
//
//  1. the best entry scores at least confidentScore and beats the
//     runner-up entry by confidentMargin; or
//
//  2. the best entry scores at least clearScore, beats the runner-up by
//     clearMargin, the query has at least clearMinLen letters, every word
//     of the query is in the name, and no typo correction was needed (only
//     whole words and word prefixes), as in "treacherous" or "instrumental
//     conv" — but not "debate club".
//
//  3. no typo was needed, every word of the query is in the best entry's
//     name and in no other entry's names, the query has at least
//     clearMinLen letters and the best scores at least uniqueScore:
//     "shard" is Shard Theory, "responsible scaling" is the Responsible
//     Scaling Policy, while "mesa" (two entries) stays a question.
//
//  4. the query is a run of one entry's names (see run and findRun):
//     consecutive words of its names and of no other entry's, two content
//     words or more, either the start of a name ("treacherous t", "goal
//     misgen", "sharp left") or its end in whole words ("left turn").
//     Everyday words in order are enough here.
//
// Rules 2 and 3 also need one query word that is not an everyday word
// (see everydayWords): "theory" alone is not Shard Theory, and "fast"
// alone is not AI Takeoff, though both are suggested. Rules 2 to 4 never
// answer a phrase of the field that no entry is (fieldPhrases: "language
// model" is not Agentic AI's "language model agents").
//
// Otherwise it returns up to maxSuggestions entries scoring at least
// suggestScore as "did you mean". A match that rests on a corrected typo
// or a sound-alike must therefore be strong on its own: "corrigable" and
// "steganografy" are, "debase" (one letter from "debate") is not.
const (
	confidentScore  = 0.80
	confidentMargin = 0.08
	clearScore      = 0.55
	clearMargin     = 0.30
	clearMinLen     = 4
	uniqueScore     = 0.35
	suggestScore    = 0.25
	maxSuggestions  = 5
	maxQueryBytes   = 200
)

// Lookup finds the entry a person most likely means by q.
//
// The pipeline: an entry id is an exact answer; otherwise normalise (see Normalize; also drop "what is", "the"),
// then exact name, compact name (no spaces), word-order-insensitive name;
// those are certain. Failing them, approximate stages score every name
// that shares something with the query: word by word (exact words, typos
// within typoBudget, sound-alikes, word prefixes), initials of titles for
// a one-word query, the whole compact name within typoBudget edits (not
// when every word is a vocabulary word as typed), and an
// ordered-subsequence match (sahilm/fuzzy) over the names those stages
// found; a run of one entry's names (rule 4) is found by binary search
// over the sorted names. Each entry keeps its best score, and the
// confidence rule above decides between a match and suggestions.
// Stop words, single letters and words unlike any name get nothing.
func (g *Glossary) Lookup(q string) Result {
	if len(q) > maxQueryBytes*4 {
		q = q[:maxQueryBytes*4]
	}
	// An entry id, as autocomplete and buttons send, is an exact answer.
	if i, ok := g.byID[q]; ok {
		e := g.entries[i]
		return Result{Match: e, Score: scoreExact, Name: e.Title}
	}
	var buf [8]string
	ws := queryWords(q, buf[:0])
	if !meaningful(ws) {
		return Result{}
	}
	ix := g.idx
	key := strings.Join(ws, " ")
	if id, ok := ix.exact[key]; ok {
		n := &ix.names[id]
		return Result{Match: g.entries[n.entry], Score: scoreExact, Name: n.text}
	}
	compact := strings.Join(ws, "")
	if id, ok := ix.compact[compact]; ok && id >= 0 {
		n := &ix.names[id]
		return Result{Match: g.entries[n.entry], Score: scoreCompact, Name: n.text}
	}
	if len(ws) > 1 {
		if id, ok := ix.bag[bagKey(ws)]; ok && id >= 0 {
			n := &ix.names[id]
			return Result{Match: g.entries[n.entry], Score: scoreBag, Name: n.text}
		}
	}
	return g.approximate(ws, key, compact)
}

// Meaningful reports whether q could name an entry at all: once question
// words ("what is") and articles are gone, something is left that is not
// only stop words ("this", "it") and has two letters or more. Lookup
// answers nothing else.
func Meaningful(q string) bool {
	var buf [8]string
	return meaningful(queryWords(q, buf[:0]))
}

// meaningful reports whether the words can name anything: not empty, not
// only stop words, more than one letter in all.
func meaningful(ws []string) bool {
	letters := 0
	stop := true
	for _, w := range ws {
		letters += len(w)
		if !stopWords[w] {
			stop = false
		}
	}
	return letters >= 2 && !stop
}

func (g *Glossary) approximate(ws []string, key, compact string) Result {
	ix := g.idx
	s := ix.getScratch()
	defer ix.scratch.Put(s)

	q := newQueryWeights(ws)
	known := ix.scoreWords(s, ws)
	for _, id := range s.touched {
		a := &s.acc[id]
		n := &ix.names[id]
		score := ix.wordScore(a, n, q)
		s.offer(n.entry, id, score, !a.typo && a.qmask&q.content == q.content, n.title)
	}
	if len(ws) == 1 {
		ix.scoreInitials(s, ws[0])
	}
	// The whole-name stages are a fallback: a query whose words already
	// found a strong name does not pay for them. A query of vocabulary
	// words spelt as typed has no typo to correct across word boundaries:
	// "machine learning" is not two edits from "machine unlearning".
	if s.best < confidentScore {
		if !known {
			ix.scoreCompact(s, compact)
		}
		ix.scoreSubsequence(s, compact)
	}
	run := ix.findRun(ws, key)
	general := fieldPhrases[key]
	runs := !general && run.confident(ws, compact)
	if runs {
		s.offer(run.entry, run.name, runScore, false, ix.names[run.name].title)
	}

	cands := make([]Candidate, 0, len(s.entTouched))
	for _, e := range s.entTouched {
		b := &s.ent[e]
		if b.score >= suggestScore {
			cands = append(cands, Candidate{Entry: g.entries[e], Name: ix.names[b.name].text, Score: math.Round(b.score*100) / 100})
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].Score != cands[j].Score {
			return cands[i].Score > cands[j].Score
		}
		return cands[i].Entry.ID < cands[j].Entry.ID
	})
	if len(cands) == 0 {
		return Result{}
	}
	top := cands[0]
	runnerUp := 0.0
	if len(cands) > 1 {
		runnerUp = cands[1].Score
	}
	margin := top.Score - runnerUp
	b := &s.ent[g.byID[top.Entry.ID]]
	cleanEntries := 0
	for _, e := range s.entTouched {
		if s.ent[e].clean {
			cleanEntries++
		}
	}
	clean := b.clean && len(compact) >= clearMinLen && distinctive(ws) && !general
	confident := (top.Score >= confidentScore && margin >= confidentMargin) ||
		(clean && top.Score >= clearScore && margin >= clearMargin) ||
		(clean && top.Score >= uniqueScore && cleanEntries == 1)
	if runs {
		// Rule 4: the query is a run of one entry's name; it leads.
		for i, c := range cands {
			if g.byID[c.Entry.ID] == int(run.entry) {
				copy(cands[1:i+1], cands[:i])
				cands[0] = c
				break
			}
		}
		if top = cands[0]; g.byID[top.Entry.ID] == int(run.entry) {
			confident = true
		}
	}
	rest := cands
	if len(rest) > maxSuggestions+1 {
		rest = rest[:maxSuggestions+1]
	}
	if confident {
		return Result{Match: top.Entry, Score: top.Score, Name: top.Name, Suggestions: rest[1:]}
	}
	if len(rest) > maxSuggestions {
		rest = rest[:maxSuggestions]
	}
	return Result{Score: top.Score, Name: top.Name, Suggestions: rest}
}

// distinctive reports whether some content word of the query is not an
// everyday word.
func distinctive(ws []string) bool {
	for _, w := range ws {
		if !stopWords[w] && !everydayWords[w] {
			return true
		}
	}
	return false
}

// queryWeights holds the query's word weights.
type queryWeights struct {
	w       []float64
	total   float64
	content uint64 // mask of the query's content (non-stop) words
}

func newQueryWeights(ws []string) queryWeights {
	q := queryWeights{w: make([]float64, 0, len(ws))}
	for i, w := range ws {
		if i >= 64 {
			break
		}
		q.w = append(q.w, wordWeight(w))
		q.total += q.w[i]
		if !stopWords[w] {
			q.content |= 1 << i
		}
	}
	return q
}

// scoreWords matches each query word against the vocabulary: exactly,
// within its typo budget, by sound (see soundKeys), and as a prefix of a
// longer word. Every name holding a matched word records the similarity
// at that word's position. It reports whether every content word of the
// query is a vocabulary word as typed.
func (ix *index) scoreWords(s *scratch, ws []string) (known bool) {
	known = true
	for qi, w := range ws {
		if qi >= 64 || stopWords[w] {
			continue
		}
		mark := func(v int32, sim float64, typo bool) {
			for _, p := range ix.postings[v] {
				a := s.get(p.name)
				if float32(sim) > a.sims[p.pos] {
					a.sims[p.pos] = float32(sim)
					if typo {
						a.typo = true
					}
				}
				a.qmask |= 1 << qi
			}
		}
		exact := ix.vocab.find(w)
		if exact >= 0 {
			mark(exact, 1, false)
		} else {
			known = false
		}
		// A word that is in the vocabulary is taken as spelt as meant.
		if k := typoBudget(len(w)); k > 0 && exact < 0 && qi < maxTypoWords {
			ix.vocab.near(w, k, func(v int32, d int) {
				if d > 0 {
					mark(v, typoSim(d, len(w), len(ix.vocab.keys[v])), true)
				}
			})
			ix.soundAlikes(w, func(v int32, d int) {
				mark(v, max(soundSim, typoSim(d, len(w), len(ix.vocab.keys[v]))), true)
			})
		}
		if len(w) >= 3 {
			count := 0
			ix.vocab.withPrefix(w, func(v int32) bool {
				if v != exact {
					mark(v, prefixSim(len(w), len(ix.vocab.keys[v])), false)
				}
				count++
				return count < 256
			})
		}
	}
	return known
}

// soundAlikes calls fn for every vocabulary word that sounds like w (see
// soundKey): the same consonant sounds in order and sound spellings at
// most soundSlack apart, with the two words' edit distance. A word is not
// its own sound-alike.
func (ix *index) soundAlikes(w string, fn func(v int32, d int)) {
	var spell, key [2 * maxKeyLen]byte
	sp, k, ok := soundKey(w, spell[:0], key[:0])
	if !ok {
		return
	}
	vs := ix.sounds[string(k)]
	if len(vs) == 0 {
		return
	}
	for _, v := range vs {
		if editDistance(sp, ix.soundSpell[v]) > soundSlack(len(w)) {
			continue
		}
		if d := editDistance(w, ix.vocab.keys[v]); d > 0 {
			fn(v, d)
		}
	}
}

// scoreInitials offers the entries whose multi-word title has the
// one-word query w as initials ("CAI" is Constitutional AI): with
// initialsScore when one entry has them, as a suggestion when several do.
func (ix *index) scoreInitials(s *scratch, w string) {
	ids := ix.initials[w]
	if len(ids) == 0 {
		return
	}
	score := initialsScore
	for _, id := range ids[1:] {
		if ix.names[id].entry != ix.names[ids[0]].entry {
			score = suggestScore
		}
	}
	for _, id := range ids {
		s.offer(ix.names[id].entry, id, score, false, true)
	}
}

// initialsScore is the score of a query that is the initials of one
// entry's title: confident unless another entry scores close to it.
const initialsScore = 0.85

// maxTypoWords bounds how many words of one query are typo-corrected, so
// a paragraph pasted into /define costs no more than a long name.
const maxTypoWords = 8

// typoSim is the similarity of two words d edits apart.
func typoSim(d, a, b int) float64 {
	return math.Max(0, 1-1.25*float64(d)/float64(max(a, b)))
}

// prefixSim is the similarity of a word to a longer word it begins.
func prefixSim(prefix, full int) float64 {
	return 0.4 + 0.5*float64(prefix)/float64(full)
}

// wordScore is how well the query words cover name n and the name covers
// the query words, weighted by word length.
func (ix *index) wordScore(a *accum, n *name, q queryWeights) float64 {
	if a.qmask == 0 {
		return 0
	}
	var got float64
	for i, w := range n.weights {
		if i >= maxNameWords {
			break
		}
		got += float64(w * a.sims[i])
	}
	var matched float64
	for i, w := range q.w {
		if a.qmask&(1<<i) != 0 {
			matched += w
		}
	}
	qweight := q.total
	// Query words the name lacks cost half as much as name words the
	// query lacks: "mesa optimization paper" still means the entry.
	return scoreApprox * (got / n.weight) * (0.5 + 0.5*matched/qweight)
}

// scoreCompact finds names whose compact form is within the typo budget
// of the compact query, which catches typos that cross word boundaries
// ("inneralignmnet", "inner align ment").
func (ix *index) scoreCompact(s *scratch, compact string) {
	k := typoBudget(len(compact))
	if k == 0 {
		return
	}
	ix.compacts.near(compact, k, func(v int32, d int) {
		if d == 0 {
			return // an exact compact key was ambiguous; leave it to words
		}
		sim := scoreApprox * typoSim(d, len(compact), len(ix.compacts.keys[v]))
		for _, id := range ix.compactNames[v] {
			n := &ix.names[id]
			s.offer(n.entry, id, sim, false, n.title)
		}
	})
}

// subsequenceSource presents the names found so far to sahilm/fuzzy
// without building a slice of strings.
type subsequenceSource struct {
	ix  *index
	ids []int32
}

func (src subsequenceSource) String(i int) string { return src.ix.names[src.ids[i]].compact }
func (src subsequenceSource) Len() int            { return len(src.ids) }

// maxSubsequenceNames bounds the subsequence stage, which costs about
// half a microsecond per name: half from names starting like the query,
// half from names the word stage found.
const maxSubsequenceNames = 96

// scoreSubsequence runs sahilm/fuzzy over names starting with the query's
// first letters and names the word stage found. It catches abbreviations
// that are neither typos nor word prefixes ("mesaopt", "instconv"). Its
// score is the share of the name the query covers.
func (ix *index) scoreSubsequence(s *scratch, compact string) {
	if len(compact) < 3 {
		return
	}
	ids := make([]int32, 0, maxSubsequenceNames)
	ix.compacts.withPrefix(compact[:3], func(v int32) bool {
		ids = append(ids, ix.compactNames[v]...)
		return len(ids) < maxSubsequenceNames/2
	})
	for _, id := range s.touched {
		if len(ids) >= maxSubsequenceNames {
			break
		}
		ids = append(ids, id)
	}
	for _, m := range fuzzy.FindFromNoSort(compact, subsequenceSource{ix, ids}) {
		id := ids[m.Index]
		n := &ix.names[id]
		sim := 0.85 * float64(len(compact)) / float64(len(n.compact))
		if len(m.MatchedIndexes) == 0 || m.MatchedIndexes[0] != 0 {
			sim *= 0.8
		}
		s.offer(n.entry, id, sim, false, n.title)
	}
}

// A run is a query whose words are consecutive words of one entry's names
// and of no other entry's, the last word possibly cut short: "treacherous
// t", "goal misgen", "sharp left", "learning from human feedback".
type run struct {
	entry int32 // -1: no entry, or several
	name  int32
	// start: the run is the start of the name.
	start bool
	// cut: the last query word stops inside a word of the name.
	cut bool
	// head: the run reaches the name's last word, which in an English
	// name is the thing named ("left turn", "human feedback").
	head bool
	// everyday: the name words the run leaves out are everyday or stop
	// words ("sharp left" leaves "turn"; "training data" leaves
	// "poisoning", which is the point of that name).
	everyday bool
}

// runScore is the score the entry of a confident run gets at least, so
// that it is a candidate even when its words weigh little in the name
// ("model w").
const runScore = 0.5

// maxRunNames bounds the names findRun looks at; a run this common is not
// one entry's.
const maxRunNames = 64

// confident reports whether the run names its entry plainly enough to
// answer (rule 4 of Lookup's confidence rule): two content words or more,
// clearMinLen letters, and either the start of the name, cut short or
// leaving out only everyday words ("goal misgen", "sharp left"), or the
// end of the name, whole words ("left turn", "human feedback").
func (r run) confident(ws []string, compact string) bool {
	if r.entry < 0 || len(compact) < clearMinLen {
		return false
	}
	content := 0
	for i, w := range ws {
		// A word cut short is a fragment, not a stop word: "tool a".
		if !stopWords[w] || i == len(ws)-1 && r.cut {
			content++
		}
	}
	if r.start {
		return content >= 2 && (r.cut || r.head || r.everyday)
	}
	return content >= 2 && r.head && !r.cut
}

// plain reports whether the run would be confident with enough words.
func (r run) plain() bool {
	if r.start {
		return r.cut || r.head || r.everyday
	}
	return r.head && !r.cut
}

// findRun finds the entry whose names hold ws (joined: key) as
// consecutive words, the last one possibly unfinished, if exactly one
// entry's do.
func (ix *index) findRun(ws []string, key string) run {
	best := run{entry: -1}
	if len(ws) < 2 {
		return best
	}
	seen := 0
	consider := func(id int32, off int, p string) bool {
		n := &ix.names[id]
		if seen > 0 && n.entry != best.entry {
			best = run{entry: -1}
			return false // a second entry: not a run of one
		}
		r := ix.runAt(n, off, len(p))
		r.entry, r.name = n.entry, id
		if seen == 0 || r.plain() && !best.plain() {
			best = r
		}
		seen++
		return seen < maxRunNames
	}
	// The start of a name first: "inverse reinf" is Inverse Reinforcement
	// Learning, though Cooperative Inverse Reinforcement Learning holds
	// the same words later on.
	variants := [2]string{key}
	n := 1
	if alt, ok := americanPrefix(key, ws[len(ws)-1]); ok {
		variants[1], n = alt, 2
	}
	for _, p := range variants[:n] {
		i := sort.Search(len(ix.sorted), func(i int) bool { return ix.names[ix.sorted[i]].key >= p })
		for ; i < len(ix.sorted) && strings.HasPrefix(ix.names[ix.sorted[i]].key, p); i++ {
			if !consider(ix.sorted[i], 0, p) {
				return best
			}
		}
	}
	if seen > 0 {
		return best
	}
	for _, p := range variants[:n] {
		i := sort.Search(len(ix.starts), func(i int) bool { return ix.suffix(ix.starts[i]) >= p })
		for ; i < len(ix.starts) && strings.HasPrefix(ix.suffix(ix.starts[i]), p); i++ {
			if !consider(ix.starts[i].name, int(ix.starts[i].off), p) {
				return best
			}
		}
	}
	return best
}

// runAt describes the run of n.key[off:off+size].
func (ix *index) runAt(n *name, off, size int) run {
	end := off + size
	r := run{
		start:    off == 0,
		cut:      end < len(n.key) && n.key[end] != ' ',
		head:     !strings.Contains(n.key[end:], " "),
		everyday: true,
	}
	pos := 0
	for _, w := range n.words {
		inside := pos >= off && pos < end
		if !inside && !stopWords[w] && !everydayWords[w] {
			r.everyday = false
		}
		pos += len(w) + 1
	}
	return r
}
