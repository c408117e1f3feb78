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
// Rules 2 and 3 also need one query word that is not an everyday word
// (see everydayWords): "theory" alone is not Shard Theory, and "fast"
// alone is not AI Takeoff, though both are suggested.
//
// Otherwise it returns up to maxSuggestions entries scoring at least
// suggestScore as "did you mean". A match that rests on a corrected typo
// must therefore be strong on its own: "corrigable" is, "debase" (one
// letter from "debate") is not.
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
// within typoBudget, word prefixes), the whole compact name within
// typoBudget edits, and an ordered-subsequence match (sahilm/fuzzy) over
// the names those stages found. Each entry keeps its best score, and the
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
	return g.approximate(ws, compact)
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

func (g *Glossary) approximate(ws []string, compact string) Result {
	ix := g.idx
	s := ix.getScratch()
	defer ix.scratch.Put(s)

	q := newQueryWeights(ws)
	ix.scoreWords(s, ws)
	for _, id := range s.touched {
		a := &s.acc[id]
		n := &ix.names[id]
		score := ix.wordScore(a, n, q)
		s.offer(n.entry, id, score, !a.typo && a.qmask&q.content == q.content, n.title)
	}
	// The whole-name stages are a fallback: a query whose words already
	// found a strong name does not pay for them.
	if s.best < confidentScore {
		ix.scoreCompact(s, compact)
		ix.scoreSubsequence(s, compact)
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
	clean := b.clean && len(compact) >= clearMinLen && distinctive(ws)
	confident := (top.Score >= confidentScore && margin >= confidentMargin) ||
		(clean && top.Score >= clearScore && margin >= clearMargin) ||
		(clean && top.Score >= uniqueScore && cleanEntries == 1)
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
// within its typo budget, and as a prefix of a longer word. Every name
// holding a matched word records the similarity at that word's position.
func (ix *index) scoreWords(s *scratch, ws []string) {
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
		}
		// A word that is in the vocabulary is taken as spelt as meant.
		if k := typoBudget(len(w)); k > 0 && exact < 0 && qi < maxTypoWords {
			ix.vocab.near(w, k, func(v int32, d int) {
				if d > 0 {
					mark(v, typoSim(d, len(w), len(ix.vocab.keys[v])), true)
				}
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
}

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
