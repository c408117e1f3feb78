package glossary

import "sort"

// trie is an immutable byte trie over a sorted set of keys. It answers the
// two questions the matcher asks of a vocabulary: which keys start with a
// prefix, and which keys are within a small edit distance of a word. Both
// cost grows with the answer, not with the number of keys: the typo
// search walks only branches that can still be within the distance.
type trie struct {
	nodes []trieNode
	edges []trieEdge // children of node i are edges[first:first+count], sorted
	keys  []string   // keys[v] for a terminal payload v
}

type trieNode struct {
	first, count int32
	value        int32 // index into keys, or -1
}

type trieEdge struct {
	b     byte
	child int32
}

func newTrie(keys []string) *trie {
	keys = append([]string(nil), keys...)
	sort.Strings(keys)
	uniq := keys[:0]
	for i, k := range keys {
		if i == 0 || k != keys[i-1] {
			uniq = append(uniq, k)
		}
	}
	t := &trie{keys: uniq}
	t.nodes = append(t.nodes, trieNode{value: -1})
	t.build(0, 0, 0, len(uniq))
	return t
}

// build fills node n with the keys[lo:hi], which share their first depth
// bytes.
func (t *trie) build(n int32, depth, lo, hi int) {
	if lo < hi && len(t.keys[lo]) == depth {
		t.nodes[n].value = int32(lo)
		lo++
	}
	type group struct {
		b      byte
		lo, hi int
	}
	var groups []group
	for i := lo; i < hi; {
		b := t.keys[i][depth]
		j := i + 1
		for j < hi && t.keys[j][depth] == b {
			j++
		}
		groups = append(groups, group{b, i, j})
		i = j
	}
	first := int32(len(t.edges))
	for _, g := range groups {
		t.nodes = append(t.nodes, trieNode{value: -1})
		t.edges = append(t.edges, trieEdge{b: g.b, child: int32(len(t.nodes) - 1)})
	}
	t.nodes[n].first, t.nodes[n].count = first, int32(len(groups))
	for i, g := range groups {
		t.build(t.edges[int(first)+i].child, depth+1, g.lo, g.hi)
	}
}

func (t *trie) child(n int32, b byte) int32 {
	nd := t.nodes[n]
	es := t.edges[nd.first : nd.first+nd.count]
	i := sort.Search(len(es), func(i int) bool { return es[i].b >= b })
	if i < len(es) && es[i].b == b {
		return es[i].child
	}
	return -1
}

// find returns the payload index of key, or -1.
func (t *trie) find(key string) int32 {
	n := int32(0)
	for i := 0; i < len(key) && n >= 0; i++ {
		n = t.child(n, key[i])
	}
	if n < 0 {
		return -1
	}
	return t.nodes[n].value
}

// withPrefix calls fn for every key that starts with prefix, in sorted
// order, until fn returns false.
func (t *trie) withPrefix(prefix string, fn func(v int32) bool) {
	n := int32(0)
	for i := 0; i < len(prefix) && n >= 0; i++ {
		n = t.child(n, prefix[i])
	}
	if n >= 0 {
		t.walk(n, fn)
	}
}

func (t *trie) walk(n int32, fn func(v int32) bool) bool {
	nd := t.nodes[n]
	if nd.value >= 0 && !fn(nd.value) {
		return false
	}
	for _, e := range t.edges[nd.first : nd.first+nd.count] {
		if !t.walk(e.child, fn) {
			return false
		}
	}
	return true
}

// maxKeyLen bounds the typo search; longer words are never typo-matched.
const maxKeyLen = 64

// near calls fn for every key within max edits of word, counting an
// insertion, deletion, substitution or swap of two adjacent bytes as one
// edit (optimal string alignment distance). It computes one row of the
// edit-distance table per trie node and abandons a branch as soon as every
// cell of its row exceeds max.
func (t *trie) near(word string, max int, fn func(v int32, dist int)) {
	if len(word) > maxKeyLen || max < 0 {
		return
	}
	t.search(word, max, false, fn)
}

// nearPrefix is near for a word still being typed: it calls fn for every
// key that starts with something within max edits of word, with that
// distance, until limit keys were reported.
func (t *trie) nearPrefix(word string, max, limit int, fn func(v int32, dist int)) {
	count := 0
	t.search(word, max, true, func(v int32, d int) {
		if count < limit {
			fn(v, d)
		}
		count++
	})
}

func (t *trie) search(word string, max int, prefix bool, fn func(v int32, dist int)) {
	if len(word) > maxKeyLen || max < 0 {
		return
	}
	s := nearSearch{t: t, word: word, max: max, fn: fn, prefix: prefix}
	w := len(word) + 1
	s.rows = make([]int, w*(maxKeyLen+2))
	s.path = make([]byte, maxKeyLen+2)
	for i := 0; i <= len(word); i++ {
		s.rows[i] = min(i, max+1)
	}
	if t.nodes[0].value >= 0 && len(word) <= max {
		fn(t.nodes[0].value, len(word))
	}
	s.children(0, 1)
}

type nearSearch struct {
	t      *trie
	word   string
	max    int
	fn     func(v int32, dist int)
	prefix bool   // report whole subtrees once the word is consumed
	rows   []int  // row d holds the table row for the node at depth d
	path   []byte // path[d] is the byte on the edge into depth d
}

func (s *nearSearch) children(n int32, depth int) {
	if depth > maxKeyLen {
		return
	}
	nd := s.t.nodes[n]
	for _, e := range s.t.edges[nd.first : nd.first+nd.count] {
		s.visit(e.child, e.b, depth)
	}
}

func (s *nearSearch) visit(n int32, b byte, depth int) {
	w := len(s.word) + 1
	k := s.max
	inf := k + 1
	prev := s.rows[(depth-1)*w : depth*w]
	row := s.rows[depth*w : (depth+1)*w]
	s.path[depth] = b
	// Only cells within k of the diagonal can stay within k edits (the
	// Ukkonen band); the cells just outside it read as "too far".
	lo, hi := max(1, depth-k), min(w-1, depth+k)
	if depth <= k {
		row[0] = depth
	} else {
		row[0] = inf
	}
	if lo > 1 {
		row[lo-1] = inf
	}
	if hi+1 < w {
		row[hi+1] = inf
	}
	best := inf
	if row[0] < best {
		best = row[0]
	}
	for i := lo; i <= hi; i++ {
		cost := 1
		if s.word[i-1] == b {
			cost = 0
		}
		v := min(prev[i]+1, row[i-1]+1, prev[i-1]+cost)
		if depth > 1 && i > 1 && s.word[i-1] == s.path[depth-1] && s.word[i-2] == b {
			pp := s.rows[(depth-2)*w : (depth-1)*w]
			v = min(v, pp[i-2]+1)
		}
		row[i] = min(v, inf)
		best = min(best, row[i])
	}
	if best > k {
		return
	}
	if s.prefix && hi == w-1 && row[w-1] <= k {
		d := row[w-1]
		s.t.walk(n, func(v int32) bool { s.fn(v, d); return true })
		return
	}
	if v := s.t.nodes[n].value; v >= 0 && hi == w-1 && row[w-1] <= k {
		s.fn(v, row[w-1])
	}
	s.children(n, depth+1)
}
