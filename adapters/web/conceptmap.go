package web

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/iterator"
	"gonum.org/v1/gonum/graph/layout"
	"gonum.org/v1/gonum/graph/simple"
	"gonum.org/v1/gonum/spatial/r2"

	"refbot/glossary"
)

// conceptMap is the see-also graph drawn as an SVG picture: positions in
// the picture's own units (its viewBox), every node a link.
type conceptMap struct {
	Width, Height int
	Nodes         []mapNode
	Edges         []mapEdge
	Legend        []legendItem
}

type mapNode struct {
	X, Y, R float64
	Title   string
	Line    string // the summary's first sentence, shown as a tooltip
	Href    string
	Class   string // "t0" … "t7": the colour of the node's first tag
	Current bool   // the entry whose page this is
	// Where the label goes: to the right of the node (start) or to its
	// left (end), whichever side faces away from the picture's centre.
	LabelX, LabelY float64
	Anchor         string
}

type mapEdge struct{ X1, Y1, X2, Y2 float64 }

type legendItem struct {
	Tag, Class string
}

// palette is how many tag colours style.css defines (.t0 … .t7).
const palette = 8

// tagClasses gives the most common tags a colour each, most frequent
// first (ties by name); the rest share the last one.
func tagClasses(g *glossary.Glossary) (map[string]string, []legendItem) {
	count := map[string]int{}
	for _, e := range g.Entries() {
		if len(e.Tags) > 0 {
			count[e.Tags[0]]++
		}
	}
	tags := make([]string, 0, len(count))
	for t := range count {
		tags = append(tags, t)
	}
	sort.Slice(tags, func(i, j int) bool {
		if count[tags[i]] != count[tags[j]] {
			return count[tags[i]] > count[tags[j]]
		}
		return tags[i] < tags[j]
	})
	classes := map[string]string{}
	var legend []legendItem
	for i, t := range tags {
		c := "t" + string(rune('0'+min(i, palette-1)))
		classes[t] = c
		if i < palette-1 || len(tags) == palette {
			legend = append(legend, legendItem{Tag: tagLabel(t), Class: c})
		} else if i == palette-1 {
			legend = append(legend, legendItem{Tag: "Other topics", Class: c})
		}
	}
	return classes, legend
}

// The most entries a map draws: a picture of more is unreadable, and
// the layout's cost grows with the square of the count.
const (
	maxMapNodes  = 160
	maxHoodNodes = 24
)

// mostLinked returns es, or when there are more than n, the n with the
// most see-also links either way (ties by id), in their original order.
func mostLinked(g *glossary.Glossary, es []*glossary.Entry, n int) []*glossary.Entry {
	if len(es) <= n {
		return es
	}
	degree := make(map[string]int, len(es))
	for _, e := range es {
		degree[e.ID] = len(g.Related(e.ID))
	}
	top := slices.Clone(es)
	sort.SliceStable(top, func(i, j int) bool {
		if degree[top[i].ID] != degree[top[j].ID] {
			return degree[top[i].ID] > degree[top[j].ID]
		}
		return top[i].ID < top[j].ID
	})
	keep := map[string]bool{}
	for _, e := range top[:n] {
		keep[e.ID] = true
	}
	out := make([]*glossary.Entry, 0, n)
	for _, e := range es {
		if keep[e.ID] {
			out = append(out, e)
		}
	}
	return out
}

// mapOptions sizes a drawing.
type mapOptions struct {
	Width, Height int
	Radius        float64
	Font          float64 // label size, as style.css sets it
	Updates       int     // iterations of the force-directed layout
}

// drawMap lays out the entries (nodes) and the see-also links among
// them with gonum's force-directed EadesR2 and scales the result into
// the picture. current, when not "", is the entry the picture is about.
// href gives each node's link. The layout is deterministic: a fixed seed
// and an ordered graph, so a page's ETag survives a restart.
func drawMap(es []*glossary.Entry, current string, opt mapOptions, href func(id string) string, classes map[string]string) conceptMap {
	m := conceptMap{Width: opt.Width, Height: opt.Height}
	if len(es) == 0 {
		return m
	}
	index := make(map[string]int, len(es))
	for i, e := range es {
		index[e.ID] = i
	}
	var edges [][2]int
	seen := map[[2]int]bool{}
	for i, e := range es {
		for _, id := range e.SeeAlso {
			j, ok := index[id]
			if !ok || i == j {
				continue
			}
			k := [2]int{min(i, j), max(i, j)}
			if !seen[k] {
				seen[k] = true
				edges = append(edges, k)
			}
		}
	}
	laid := forceLayout(len(es), edges, opt.Updates)
	// What each node covers: its dot, larger for the entry the picture is
	// about, and its label, bold for that entry.
	sizes := make([]nodeSize, len(es))
	for i, e := range es {
		sizes[i] = nodeSize{R: opt.Radius, W: labelWidth(e.Title, opt.Font, e.ID == current)}
		if e.ID == current {
			sizes[i].R = opt.Radius * currentScale
		}
		// A label too long for the picture widens it (the page scales
		// it to fit), so that no label is cut off at the edge.
		opt.Width = max(opt.Width, int(math.Ceil(sizes[i].span()))+2*edgeGap)
	}
	m.Width = opt.Width
	var pos []r2.Vec
	var left []bool
	for try := 0; ; try++ {
		pos = slices.Clone(laid)
		fit(pos, opt)
		var ok bool
		left, ok = declutter(pos, sizes, opt)
		if ok || try == 3 {
			break
		}
		opt.Height += opt.Height / 4 // room for the labels that did not fit
	}
	m.Height = opt.Height
	for i, e := range es {
		n := mapNode{
			X: round1(pos[i].X), Y: round1(pos[i].Y), R: sizes[i].R,
			Title: e.Title, Line: glossary.FirstSentence(e.Summary), Href: href(e.ID),
			Class: "t" + string(rune('0'+palette-1)), Current: e.ID == current,
		}
		if len(e.Tags) > 0 {
			if c, ok := classes[e.Tags[0]]; ok {
				n.Class = c
			}
		}
		n.LabelY = round1(n.Y + opt.Font*0.35)
		if left[i] {
			n.LabelX, n.Anchor = round1(n.X-n.R-labelGap), "end"
		} else {
			n.LabelX, n.Anchor = round1(n.X+n.R+labelGap), "start"
		}
		m.Nodes = append(m.Nodes, n)
	}
	for _, e := range edges {
		a, b := m.Nodes[e[0]], m.Nodes[e[1]]
		m.Edges = append(m.Edges, mapEdge{a.X, a.Y, b.X, b.Y})
	}
	return m
}

// forceLayout runs gonum's Eades spring layout over n nodes. A glossary's
// see-also graph falls into several pieces (and a few lone entries), and
// Eades lets unconnected pieces drift apart without limit, which would
// shrink everything else to a dot when the picture is scaled to fit. So
// the layout gets one hidden extra node joined to every node by a weak
// spring: gravity that keeps the pieces together. It is dropped after.
func forceLayout(n int, edges [][2]int, updates int) []r2.Vec {
	og := newOrderedGraph(n+1, edges)
	hub := n
	for i := range n {
		og.link(i, hub, gravity)
	}
	// A step of Eades moves a node by Rate times the sum of its springs'
	// pulls, so a hub with many links overshoots and the layout diverges
	// (one term flung to a corner, the rest in a line) unless the rate
	// shrinks as the busiest node's springs add up.
	most := 0.0
	for _, w := range og.degree() {
		most = max(most, w)
	}
	rate := min(0.05, 0.25/(most+1))
	eades := layout.EadesR2{Repulsion: 1, Rate: rate, Updates: updates, Theta: 0.5, Src: rand.NewPCG(1, 2)}
	opt := layout.NewOptimizerR2(og, eades.Update)
	for opt.Update() {
	}
	pos := make([]r2.Vec, n)
	for i := range pos {
		pos[i] = opt.Coord2(int64(i))
	}
	return pos
}

// gravity is the weight of the hidden springs, against 1 for a see-also link.
const gravity = 0.05

// fit scales and moves positions to fill the picture, leaving a margin
// wide enough for labels. The bounds are taken between the 3rd and 97th
// percentile on each axis, and the few nodes outside are pulled to the
// edge: one lone term far out would otherwise squeeze all the others
// into a corner.
func fit(pos []r2.Vec, opt mapOptions) {
	xs, ys := make([]float64, len(pos)), make([]float64, len(pos))
	for i, p := range pos {
		xs[i], ys[i] = p.X, p.Y
	}
	minX, maxX := spanOf(xs)
	minY, maxY := spanOf(ys)
	mx, my := float64(opt.Width)*0.12, opt.Radius*3
	w, h := float64(opt.Width)-2*mx, float64(opt.Height)-2*my
	for i, p := range pos {
		x, y := 0.5, 0.5
		if maxX > minX {
			x = min(max((p.X-minX)/(maxX-minX), 0), 1)
		}
		if maxY > minY {
			y = min(max((p.Y-minY)/(maxY-minY), 0), 1)
		}
		pos[i] = r2.Vec{X: mx + x*w, Y: my + y*h}
	}
}

// spanOf returns the 3rd and 97th percentiles of vs (the extremes when
// there are few values).
func spanOf(vs []float64) (lo, hi float64) {
	s := slices.Clone(vs)
	slices.Sort(s)
	k := len(s) * 3 / 100
	return s[k], s[len(s)-1-k]
}

// The geometry of a node as drawMap draws it and declutter keeps apart.
const (
	currentScale = 1.5 // the current entry's dot is this much larger
	labelGap     = 4   // between a dot and its label
	boxPad       = 3   // kept clear around each node's box
	edgeGap      = 2   // kept clear inside the picture's edge
)

// nodeSize is what a node covers: its dot's radius and its label's width.
type nodeSize struct{ R, W float64 }

// span is the width of the node's box: the dot, the gap, the label and
// the padding on both sides.
func (s nodeSize) span() float64 { return 2*s.R + labelGap + s.W + 2*boxPad }

// declutter moves nodes apart until no two labelled nodes overlap (or
// it gives up after a few hundred rounds), keeping every dot and label
// inside the picture. The spring layout balances the graph as a whole
// but knows nothing of labels, and a label drawn over another cannot be
// read or clicked; gonum has no overlap removal, so this is ours. Each
// node is a box covering its dot and its label, each as large as it is
// drawn (the current entry's dot and bold label are bigger); two
// overlapping boxes are pushed apart along the axis where they overlap
// least, usually vertically.
//
// It reports whether it succeeded; drawMap then makes the picture taller
// and tries again.
func declutter(pos []r2.Vec, sizes []nodeSize, opt mapOptions) (left []bool, ok bool) {
	cx := float64(opt.Width) / 2
	left = make([]bool, len(pos)) // label left of the dot
	for i, p := range pos {
		left[i] = p.X < cx
	}
	box := func(i int) (x0, y0, x1, y1 float64) {
		s := sizes[i]
		x0, x1 = pos[i].X-s.R-boxPad, pos[i].X+s.R+labelGap+s.W+boxPad
		if left[i] {
			x0, x1 = pos[i].X-s.R-labelGap-s.W-boxPad, pos[i].X+s.R+boxPad
		}
		h := max(opt.Font*0.75, s.R) + boxPad
		return x0, pos[i].Y - h, x1, pos[i].Y + h
	}
	// inside moves every node into the picture.
	inside := func() {
		w, h := float64(opt.Width), float64(opt.Height)
		for i, p := range pos {
			x0, y0, x1, y1 := box(i)
			pos[i].X = p.X + max(0, edgeGap-x0) - max(0, x1-w+edgeGap)
			pos[i].Y = p.Y + max(0, edgeGap-y0) - max(0, y1-h+edgeGap)
		}
	}
	for range 800 {
		// Into the picture first, so that the check below sees where the
		// nodes will be drawn.
		inside()
		moved := false
		for i := range pos {
			ax0, ay0, ax1, ay1 := box(i)
			for j := i + 1; j < len(pos); j++ {
				bx0, by0, bx1, by1 := box(j)
				ox := min(ax1, bx1) - max(ax0, bx0)
				oy := min(ay1, by1) - max(ay0, by0)
				if ox <= 0 || oy <= 0 {
					continue
				}
				moved = true
				if oy <= ox {
					d := oy/2 + 0.5
					if pos[i].Y < pos[j].Y || (pos[i].Y == pos[j].Y && i < j) {
						d = -d
					}
					pos[i].Y += d
					pos[j].Y -= d
				} else {
					d := ox/2 + 0.5
					if pos[i].X < pos[j].X {
						d = -d
					}
					pos[i].X += d
					pos[j].X -= d
				}
				ax0, ay0, ax1, ay1 = box(i)
			}
		}
		if !moved {
			return left, true
		}
	}
	inside() // overlapping, but inside the picture
	return left, false
}

// labelWidth is how wide a label is drawn, in the picture's units, at
// most: the sum of its characters' advances in DejaVu Sans, regular or
// bold. Of the fonts style.css names, DejaVu Sans is the widest (and
// what system-ui is on a Linux desktop and in the CI's chromium), plus
// 0.15 em: chromium's hinting set labels of the default glossary up to
// 0.11 em wider than their advances add up to (at 12 and 14 px, on a
// desktop and on a phone's denser screen). A character outside ASCII
// counts as 1.2 em, wider than a CJK ideograph or an em dash (1 em) and
// than any letter (the widest, a bold W, is 1.1 em).
func labelWidth(s string, font float64, bold bool) float64 {
	table := &advance[0]
	if bold {
		table = &advance[1]
	}
	var em int
	for _, r := range s {
		if r >= ' ' && r <= '~' {
			em += int(table[r-' '])
		} else {
			em += 1200
		}
	}
	return (float64(em)/1000 + 0.15) * font
}

// advance is the width of each character from ' ' to '~' in DejaVu Sans,
// regular then bold, in thousandths of the font size (rounded up), as
// chromium lays it out: measured with getComputedTextLength in a concept
// map at a font size of 1000px (the space as "i i" less "ii").
var advance = [2][95]uint16{
	{ // regular
		318, 401, 460, 838, 637, 951, 780, 275, 391, 391, 500, 838, 318, 361, 318, 337,
		637, 637, 637, 637, 637, 637, 637, 637, 637, 637, 337, 337, 838, 838, 838, 531,
		1000, 685, 686, 699, 770, 632, 576, 775, 752, 295, 295, 656, 558, 863, 749, 788,
		603, 788, 695, 635, 611, 732, 685, 989, 686, 611, 686, 391, 337, 391, 838, 500,
		500, 613, 635, 550, 635, 616, 353, 635, 634, 278, 278, 580, 278, 975, 634, 612,
		635, 635, 412, 521, 393, 634, 592, 818, 592, 592, 525, 637, 337, 637, 838,
	},
	{ // bold
		349, 457, 521, 838, 696, 1002, 873, 307, 457, 457, 523, 838, 380, 415, 380, 366,
		696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 581,
		1000, 774, 763, 734, 831, 684, 684, 821, 837, 373, 373, 775, 638, 996, 837, 851,
		733, 851, 770, 721, 683, 812, 774, 1103, 771, 725, 726, 457, 366, 457, 838, 500,
		500, 675, 716, 593, 716, 679, 436, 716, 712, 343, 343, 665, 343, 1042, 712, 687,
		716, 716, 494, 596, 478, 712, 652, 924, 645, 652, 582, 712, 366, 712, 838,
	},
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// orderedGraph is an undirected weighted graph whose nodes and
// neighbours iterate in a fixed order. gonum's simple graphs iterate
// maps, and the layout draws starting positions in iteration order, so
// with them the same glossary would be drawn differently at every start.
type orderedGraph struct {
	nodes  []graph.Node
	adj    [][]graph.Node
	weight map[[2]int64]float64
}

func newOrderedGraph(n int, edges [][2]int) *orderedGraph {
	g := &orderedGraph{nodes: make([]graph.Node, n), adj: make([][]graph.Node, n), weight: map[[2]int64]float64{}}
	for i := range n {
		g.nodes[i] = simple.Node(i)
	}
	for _, e := range edges {
		g.link(e[0], e[1], 1)
	}
	return g
}

// degree is the sum of each node's spring weights.
func (g *orderedGraph) degree() []float64 {
	d := make([]float64, len(g.nodes))
	for i, ns := range g.adj { // in order: a float sum must not depend on map order
		for _, n := range ns {
			w, _ := g.Weight(int64(i), n.ID())
			d[i] += w
		}
	}
	return d
}

// link joins nodes a and b; links are added in order, so neighbours
// iterate in the order they were linked.
func (g *orderedGraph) link(a, b int, w float64) {
	g.adj[a] = append(g.adj[a], g.nodes[b])
	g.adj[b] = append(g.adj[b], g.nodes[a])
	g.weight[[2]int64{int64(min(a, b)), int64(max(a, b))}] = w
}

func (g *orderedGraph) Node(id int64) graph.Node {
	if id < 0 || id >= int64(len(g.nodes)) {
		return nil
	}
	return g.nodes[id]
}

func (g *orderedGraph) Nodes() graph.Nodes { return iterator.NewOrderedNodes(g.nodes) }

func (g *orderedGraph) From(id int64) graph.Nodes {
	if g.Node(id) == nil {
		return graph.Empty
	}
	return iterator.NewOrderedNodes(g.adj[id])
}

func (g *orderedGraph) HasEdgeBetween(x, y int64) bool {
	_, ok := g.weight[[2]int64{min(x, y), max(x, y)}]
	return ok
}

func (g *orderedGraph) Edge(u, v int64) graph.Edge { return g.WeightedEdge(u, v) }

func (g *orderedGraph) WeightedEdge(u, v int64) graph.WeightedEdge {
	w, ok := g.Weight(u, v)
	if !ok {
		return nil
	}
	return simple.WeightedEdge{F: g.nodes[u], T: g.nodes[v], W: w}
}

// Weight is the spring's strength between x and y; Eades reads it.
func (g *orderedGraph) Weight(x, y int64) (float64, bool) {
	w, ok := g.weight[[2]int64{min(x, y), max(x, y)}]
	return w, ok
}
