package glossary

import (
	"sort"
	"strings"
)

// Choice is one autocomplete option.
type Choice struct {
	Entry *Entry
	Name  string // the title or alias that matched the prefix
}

// Complete returns up to n entries for what someone has typed so far,
// best first, one choice per entry: names that start with the prefix
// (exact name first, then titles before aliases, shorter first), then
// names with a later word that starts with it ("align" offers "Inner
// Alignment"), then, when those are too few, Lookup's typo-tolerant
// suggestions, then, for two words or more, the description ranking
// (see SearchHits). An empty prefix lists titles alphabetically.
func (g *Glossary) Complete(prefix string, n int) []Choice {
	if n <= 0 {
		return nil
	}
	ix := g.idx
	ws := dropArticle(rawWords(prefix, nil))
	// The last word may be unfinished, so it is not canonicalised:
	// "optimis" must still reach "optimization" (see prefixVariants).
	for i := 0; i < len(ws)-1; i++ {
		ws[i] = canonWord(ws[i])
	}
	out := make([]Choice, 0, n)
	seen := make(map[int32]bool, n)
	add := func(id int32) bool {
		nm := &ix.names[id]
		if !seen[nm.entry] {
			seen[nm.entry] = true
			out = append(out, Choice{Entry: g.entries[nm.entry], Name: nm.text})
		}
		return len(out) < n
	}
	if len(ws) == 0 {
		for _, id := range ix.sorted {
			if ix.names[id].title && !add(id) {
				break
			}
		}
		return out
	}
	const window = 4 // look at this many times n candidates to rank them
	for _, p := range prefixVariants(ws) {
		i := sort.Search(len(ix.sorted), func(i int) bool { return ix.names[ix.sorted[i]].key >= p })
		var cands []int32
		for ; i < len(ix.sorted) && len(cands) < window*n; i++ {
			id := ix.sorted[i]
			if !strings.HasPrefix(ix.names[id].key, p) {
				break
			}
			cands = append(cands, id)
		}
		sort.SliceStable(cands, func(a, b int) bool {
			x, y := &ix.names[cands[a]], &ix.names[cands[b]]
			if (x.key == p) != (y.key == p) {
				return x.key == p
			}
			if x.title != y.title {
				return x.title
			}
			return len(x.key) < len(y.key)
		})
		for _, id := range cands {
			if !add(id) {
				return out
			}
		}
	}
	for _, p := range prefixVariants(ws) {
		i := sort.Search(len(ix.starts), func(i int) bool { return ix.suffix(ix.starts[i]) >= p })
		for count := 0; i < len(ix.starts) && count < window*n; i, count = i+1, count+1 {
			if !strings.HasPrefix(ix.suffix(ix.starts[i]), p) {
				break
			}
			if !add(ix.starts[i].name) {
				return out
			}
		}
	}
	// A prefix with a typo in it: names whose compact form starts with
	// something within the typo budget of the compact prefix.
	if compact := strings.Join(ws, ""); len(out) < n && typoBudget(len(compact)) > 0 {
		var near []int32
		ix.compacts.nearPrefix(compact, typoBudget(len(compact)), window*n, func(v int32, d int) {
			near = append(near, ix.compactNames[v]...)
		})
		for _, id := range near {
			if !add(id) {
				return out
			}
		}
	}
	if len(out) < n && len(strings.Join(ws, "")) >= 3 {
		r := g.Lookup(prefix)
		if r.Match != nil {
			add(ix.titles[g.byID[r.Match.ID]])
		}
		for _, c := range r.Suggestions {
			if !add(ix.titles[g.byID[c.Entry.ID]]) {
				break
			}
		}
	}
	if len(out) < n && len(ws) >= 2 {
		g.completeDescribed(prefix, n, func(e int32) bool { return add(ix.titles[e]) })
	}
	return out
}

// prefixVariants is the prefix as typed and, when its last word could be
// the start of a British -ise/-yse spelling, the American one.
func prefixVariants(ws []string) []string {
	p := strings.Join(ws, " ")
	if alt, ok := americanPrefix(p, ws[len(ws)-1]); ok {
		return []string{p, alt}
	}
	return []string{p}
}

// americanPrefix returns prefix p, whose last word is last, with that
// word's British -is-/-ys- spelt -iz-/-yz-, when it could be one.
func americanPrefix(p, last string) (string, bool) {
	for _, from := range []string{"isa", "ise", "isi", "yse", "ysi"} {
		if i := strings.LastIndex(last, from); i >= 2 && len(last)-i <= 6 {
			alt := last[:i] + strings.Replace(last[i:], "s", "z", 1)
			return p[:len(p)-len(last)] + alt, true
		}
	}
	if strings.HasSuffix(last, "is") && len(last) >= 5 {
		return p[:len(p)-1] + "z", true
	}
	return "", false
}
