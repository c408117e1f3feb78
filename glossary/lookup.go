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
//  2. the best entry scores at least clearScore, beats the runner-up by
//     clearMargin, the query has at least clearMinLen letters, and no typo
//     correction was needed (only whole words and word prefixes), as in
//     "treacherous" or "instrumental conv".
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
	suggestScore    = 0.25
	maxSuggestions  = 5
	maxQueryBytes   = 200
)

// Lookup finds the entry a person most likely means by q.
//
// The pipeline: normalise (see Normalize; also drop "what is", "the"),
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

	ix.scoreWords(s, ws)
	ix.scoreCompact(s, compact)
	ix.scoreSubsequence(s, compact)

	var qweight float64
	for i, w := range ws {
		if i < 64 {
			qweight += wordWeight(w)
		}
	}
	best := map[int32]Candidate{}
	typo := map[int32]bool{}
	for _, id := range s.touched {
		a := &s.acc[id]
		n := &ix.names[id]
		score, usedTypo := a.direct, a.dtypo
		if w := ix.wordScore(a, n, ws, qweight); w > score {
			score, usedTypo = w, a.typo
		}
		if c, ok := best[n.entry]; !ok || score > c.Score || (score == c.Score && n.title) {
			best[n.entry] = Candidate{Entry: g.entries[n.entry], Name: n.text, Score: score}
			typo[n.entry] = usedTypo
		}
	}
	cands := make([]Candidate, 0, len(best))
	for _, c := range best {
		if c.Score >= suggestScore {
			c.Score = math.Round(c.Score*100) / 100
			cands = append(cands, c)
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
	confident := (top.Score >= confidentScore && margin >= confidentMargin) ||
		(top.Score >= clearScore && margin >= clearMargin && len(compact) >= clearMinLen && !typo[int32(g.byID[top.Entry.ID])])
	rest := cands
	if len(rest) > maxSuggestions {
		rest = rest[:maxSuggestions]
	}
	if confident {
		return Result{Match: top.Entry, Score: top.Score, Name: top.Name, Suggestions: rest[1:]}
	}
	return Result{Score: top.Score, Name: top.Name, Suggestions: rest}
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
		if k := typoBudget(len(w)); k > 0 {
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

// typoSim is the similarity of two words d edits apart.
func typoSim(d, a, b int) float64 {
	return math.Max(0, 1-1.5*float64(d)/float64(max(a, b)))
}

// prefixSim is the similarity of a word to a longer word it begins.
func prefixSim(prefix, full int) float64 {
	return 0.4 + 0.5*float64(prefix)/float64(full)
}

// wordScore is how well the query words cover name n and the name covers
// the query words, weighted by word length.
func (ix *index) wordScore(a *accum, n *name, ws []string, qweight float64) float64 {
	if a.qmask == 0 {
		return 0
	}
	var got float64
	for i, w := range n.words {
		if i >= maxNameWords {
			break
		}
		got += wordWeight(w) * float64(a.sims[i])
	}
	var matched float64
	for i, w := range ws {
		if i < 64 && a.qmask&(1<<i) != 0 {
			matched += wordWeight(w)
		}
	}
	return scoreApprox * (got / n.weight) * (matched / qweight)
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
			a := s.get(id)
			if sim > a.direct {
				a.direct, a.dtypo = sim, true
			}
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
// half a microsecond per name.
const maxSubsequenceNames = 512

// scoreSubsequence runs sahilm/fuzzy over the names the other stages
// found plus names starting with the query's first letters. It catches
// abbreviations that are neither typos nor word prefixes ("mesaopt",
// "instconv"). Its score is the share of the name the query covers.
func (ix *index) scoreSubsequence(s *scratch, compact string) {
	if len(compact) < 3 {
		return
	}
	count := 0
	ix.compacts.withPrefix(compact[:3], func(v int32) bool {
		for _, id := range ix.compactNames[v] {
			s.get(id)
			count++
		}
		return count < 64
	})
	ids := s.touched
	if len(ids) > maxSubsequenceNames {
		ids = ids[:maxSubsequenceNames]
	}
	for _, m := range fuzzy.FindFromNoSort(compact, subsequenceSource{ix, ids}) {
		id := ids[m.Index]
		n := &ix.names[id]
		sim := 0.85 * float64(len(compact)) / float64(len(n.compact))
		if len(m.MatchedIndexes) == 0 || m.MatchedIndexes[0] != 0 {
			sim *= 0.8
		}
		a := s.get(id)
		if sim > a.direct {
			a.direct, a.dtypo = sim, false
		}
	}
}
