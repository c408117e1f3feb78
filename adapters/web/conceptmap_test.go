package web

import (
	"testing"

	"refbot/glossary"
)

// Every map of the default glossary, the index's and each entry's
// neighbourhood, draws every node inside the picture with no two labels
// over each other (as far as the estimate of a label's width goes), so
// every node can be read and clicked.
func TestMapsHaveNoOverlaps(t *testing.T) {
	g := defaultGlossary(t)
	st := shared().current()
	check := func(name string, m conceptMap, font float64) {
		t.Helper()
		type rect struct{ x0, y0, x1, y1 float64 }
		boxes := make([]rect, len(m.Nodes))
		for i, n := range m.Nodes {
			w := labelWidth(n.Title, font)
			r := rect{n.X - n.R, n.Y - font*0.75, n.LabelX + w, n.Y + font*0.75}
			if n.Anchor == "end" {
				r = rect{n.LabelX - w, n.Y - font*0.75, n.X + n.R, n.Y + font*0.75}
			}
			if r.x0 < 0 || r.y0 < 0 || r.x1 > float64(m.Width) || r.y1 > float64(m.Height) {
				t.Errorf("%s: %s is drawn outside the %dx%d picture: %+v", name, n.Title, m.Width, m.Height, r)
			}
			boxes[i] = r
		}
		for i := range boxes {
			for j := i + 1; j < len(boxes); j++ {
				a, b := boxes[i], boxes[j]
				if min(a.x1, b.x1) > max(a.x0, b.x0) && min(a.y1, b.y1) > max(a.y0, b.y0) {
					t.Errorf("%s: %s and %s overlap", name, m.Nodes[i].Title, m.Nodes[j].Title)
				}
			}
		}
	}
	key, data := st.r.index()
	check(key, data.Index.Map, 12)
	if len(data.Index.Map.Nodes) != g.Len() {
		t.Errorf("the index map has %d nodes, want %d", len(data.Index.Map.Nodes), g.Len())
	}
	for _, e := range g.Entries() {
		key, data := st.r.term(e)
		if want := len(g.Related(e.ID)); want > 0 && len(data.Term.Map.Nodes) != min(want, maxHoodNodes)+1 {
			t.Errorf("%s: %d nodes, want %d", key, len(data.Term.Map.Nodes), min(want, maxHoodNodes)+1)
		}
		check(key, data.Term.Map, 14)
	}
}

// A glossary too big to draw whole gets a map of its most linked entries.
func TestMostLinked(t *testing.T) {
	g := defaultGlossary(t)
	top := mostLinked(g, g.Entries(), 10)
	if len(top) != 10 {
		t.Fatalf("%d entries", len(top))
	}
	least := 1 << 30
	for _, e := range top {
		least = min(least, len(g.Related(e.ID)))
	}
	for _, e := range g.Entries() {
		if !containsEntry(top, e) && len(g.Related(e.ID)) > least {
			t.Errorf("%s (%d links) was left out for an entry with %d", e.ID, len(g.Related(e.ID)), least)
		}
	}
}

func containsEntry(es []*glossary.Entry, e *glossary.Entry) bool {
	for _, x := range es {
		if x == e {
			return true
		}
	}
	return false
}
