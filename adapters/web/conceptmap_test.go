package web

import (
	"math"
	"strings"
	"testing"

	"refbot/glossary"
)

// Every map of the default glossary, the index's and each entry's
// neighbourhood, draws every dot and every label inside the picture (the
// SVG clips anything outside) with no label or dot over another node's,
// so every node can be read and clicked. Labels are measured as the
// browser sets them, as far as labelWidth knows (TestBrowser measures
// them in chromium): from where they are anchored, with the font's
// ascent and descent, and bold for the entry the page is about.
func TestMapsHaveNoOverlaps(t *testing.T) {
	g := defaultGlossary(t)
	st := shared().current()
	key, data := st.r.index()
	checkMap(t, key, data.Index.Map, 12, "")
	if len(data.Index.Map.Nodes) != g.Len() {
		t.Errorf("the index map has %d nodes, want %d", len(data.Index.Map.Nodes), g.Len())
	}
	for _, e := range g.Entries() {
		key, data := st.r.term(e)
		if want := len(g.Related(e.ID)); want > 0 && len(data.Term.Map.Nodes) != min(want, maxHoodNodes)+1 {
			t.Errorf("%s: %d nodes, want %d", key, len(data.Term.Map.Nodes), min(want, maxHoodNodes)+1)
		}
		checkMap(t, key, data.Term.Map, 14, e.Title)
	}
}

// checkMap fails the test for every dot or label of m drawn outside the
// picture or over another node's, and unless current (a title, or "")
// is the one node drawn as the current entry.
func checkMap(t *testing.T, name string, m conceptMap, font float64, current string) {
	t.Helper()
	// DejaVu Sans's ascent and descent, in font sizes, as chromium's
	// getBBox of a label shows them around its baseline.
	const ascent, descent = 0.93, 0.24
	type rect struct{ x0, y0, x1, y1 float64 }
	overlap := func(a, b rect) bool {
		return min(a.x1, b.x1) > max(a.x0, b.x0) && min(a.y1, b.y1) > max(a.y0, b.y0)
	}
	var labels, dots []rect
	currents := 0
	for _, n := range m.Nodes {
		w := labelWidth(n.Title, font, n.Current)
		label := rect{n.LabelX, n.LabelY - ascent*font, n.LabelX + w, n.LabelY + descent*font}
		beside := n.LabelX >= n.X+n.R
		if n.Anchor == "end" {
			label.x0, label.x1 = n.LabelX-w, n.LabelX
			beside = n.LabelX <= n.X-n.R
		}
		if !beside {
			t.Errorf("%s: the label of %s is anchored at %v (%s), over its dot at %v (r %v)", name, n.Title, n.LabelX, n.Anchor, n.X, n.R)
		}
		dot := rect{n.X - n.R, n.Y - n.R, n.X + n.R, n.Y + n.R}
		for _, p := range []struct {
			what string
			r    rect
		}{{"label", label}, {"dot", dot}} {
			if r := p.r; r.x0 < 0 || r.y0 < 0 || r.x1 > float64(m.Width) || r.y1 > float64(m.Height) {
				t.Errorf("%s: the %s of %s is drawn outside the %dx%d picture: %+v", name, p.what, n.Title, m.Width, m.Height, r)
			}
		}
		if n.Current {
			currents++
			if n.Title != current {
				t.Errorf("%s: %s is drawn as the current entry", name, n.Title)
			}
		}
		labels, dots = append(labels, label), append(dots, dot)
	}
	if want := min(1, len(current), len(m.Nodes)); currents != want {
		t.Errorf("%s: %d current entries, want %d", name, currents, want)
	}
	for i := range m.Nodes {
		for j := range m.Nodes {
			a, b := m.Nodes[i].Title, m.Nodes[j].Title
			switch {
			case i == j:
			case overlap(labels[i], labels[j]) && i < j:
				t.Errorf("%s: the labels of %s and %s overlap", name, a, b)
			case overlap(labels[i], dots[j]):
				t.Errorf("%s: the label of %s lies over the dot of %s", name, a, b)
			case overlap(dots[i], dots[j]) && i < j:
				t.Errorf("%s: the dots of %s and %s overlap", name, a, b)
			}
		}
	}
}

// A title too long for the picture widens it rather than being cut off,
// bold or not; other nodes keep clear of it.
func TestMapLongTitles(t *testing.T) {
	long := strings.Repeat("W", glossary.MaxTitle)
	es := []*glossary.Entry{
		{ID: "a", Title: long, SeeAlso: []string{"b", "c"}},
		{ID: "b", Title: "Ü" + long[1:], SeeAlso: []string{"c"}},
		{ID: "c", Title: "Short"},
		{ID: "d", Title: "Alone"},
	}
	href := func(id string) string { return id }
	for _, current := range []string{"a", "c"} {
		m := drawMap(es, current, mapOptions{Width: 640, Height: 300, Radius: 7, Font: 14, Updates: 60}, href, nil)
		wide := labelWidth(long, 14, current == "a")
		if float64(m.Width) < wide {
			t.Errorf("current %s: a %.0f-wide label in a %d-wide picture", current, wide, m.Width)
		}
		title := map[string]string{"a": long, "c": "Short"}[current]
		checkMap(t, "current "+current, m, 14, title)
	}
}

// labelWidth is the sum of the characters' advances, wider in bold and
// for a character outside ASCII.
func TestLabelWidth(t *testing.T) {
	slack := 0.15 * 10
	for _, c := range []struct {
		s    string
		bold bool
		want float64
	}{
		{"", false, slack},
		{"i", false, 2.78 + slack},
		{"i", true, 3.43 + slack},
		{"m", false, 9.75 + slack},
		{"Ü", false, 12 + slack},
		{"语言", true, 24 + slack},
		{"\x00", false, 12 + slack},
	} {
		if got := labelWidth(c.s, 10, c.bold); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("labelWidth(%q, 10, %v) = %v, want %v", c.s, c.bold, got, c.want)
		}
	}
	g := defaultGlossary(t)
	for _, e := range g.Entries() {
		if r, b := labelWidth(e.Title, 14, false), labelWidth(e.Title, 14, true); b <= r {
			t.Errorf("%s: bold %v, regular %v", e.Title, b, r)
		}
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
