package glossary

import (
	"sort"
	"strings"
)

// Search returns up to n entries about q, best first: entries whose names
// match (as Lookup scores them), then entries tagged with a query word,
// then entries whose summary or key points mention every query word.
func (g *Glossary) Search(q string, n int) []*Entry {
	ws := queryWords(q, nil)
	if !meaningful(ws) || n <= 0 {
		return nil
	}
	type hit struct {
		e     int
		score float64
	}
	hits := map[int]float64{}
	r := g.Lookup(q)
	if r.Match != nil {
		hits[g.byID[r.Match.ID]] = 3
	}
	for _, c := range r.Suggestions {
		hits[g.byID[c.Entry.ID]] = max(hits[g.byID[c.Entry.ID]], 2+c.Score)
	}
	// Names that contain the words (Lookup keeps only the closest few).
	var content []string
	for _, w := range ws {
		if !stopWords[w] {
			content = append(content, w)
		}
	}
	for i, e := range g.entries {
		if _, ok := hits[i]; ok {
			continue
		}
		if nameHasAll(e, content) {
			hits[i] = 2
			continue
		}
		for _, t := range e.Tags {
			if tagMatches(t, content) {
				hits[i] = 1.5
				break
			}
		}
		if _, ok := hits[i]; ok {
			continue
		}
		text := " " + Normalize(e.Summary+" "+strings.Join(e.KeyPoints, " ")) + " "
		all := len(content) > 0
		for _, w := range content {
			if !strings.Contains(text, " "+w) {
				all = false
				break
			}
		}
		if all {
			hits[i] = 1
		}
	}
	list := make([]hit, 0, len(hits))
	for e, s := range hits {
		list = append(list, hit{e, s})
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].score != list[j].score {
			return list[i].score > list[j].score
		}
		return g.entries[list[i].e].Title < g.entries[list[j].e].Title
	})
	if len(list) > n {
		list = list[:n]
	}
	out := make([]*Entry, len(list))
	for i, h := range list {
		out[i] = g.entries[h.e]
	}
	return out
}

func nameHasAll(e *Entry, content []string) bool {
	if len(content) == 0 {
		return false
	}
	for _, nm := range e.Names() {
		key := " " + Normalize(nm) + " "
		all := true
		for _, w := range content {
			if !strings.Contains(key, " "+w) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func tagMatches(tag string, content []string) bool {
	t := Normalize(tag)
	return len(content) > 0 && t == strings.Join(content, " ")
}
