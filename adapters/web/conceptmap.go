package web

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"unicode/utf8"

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
	labels := make([]string, len(es))
	for i, e := range es {
		labels[i] = e.Title
	}
	var pos []r2.Vec
	var left []bool
	for try := 0; ; try++ {
		pos = slices.Clone(laid)
		fit(pos, opt)
		var ok bool
		left, ok = declutter(pos, labels, opt)
		if ok || try == 3 {
			break
		}
		opt.Height += opt.Height / 4 // room for the labels that did not fit
	}
	m.Height = opt.Height
	for i, e := range es {
		n := mapNode{
			X: round1(pos[i].X), Y: round1(pos[i].Y), R: opt.Radius,
			Title: e.Title, Line: glossary.FirstSentence(e.Summary), Href: href(e.ID),
			Class: "t" + string(rune('0'+palette-1)), Current: e.ID == current,
		}
		if len(e.Tags) > 0 {
			if c, ok := classes[e.Tags[0]]; ok {
				n.Class = c
			}
		}
		if n.Current {
			n.R = opt.Radius * 1.5
		}
		n.LabelY = round1(n.Y + opt.Font*0.35)
		if left[i] {
			n.LabelX, n.Anchor = round1(n.X-n.R-4), "end"
		} else {
			n.LabelX, n.Anchor = round1(n.X+n.R+4), "start"
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

// declutter moves nodes apart until no two labelled nodes overlap (or
// it gives up after a few hundred rounds), keeping them inside the
// picture. The spring layout balances the graph as a whole but knows
// nothing of labels, and a label drawn over another cannot be read or
// clicked; gonum has no overlap removal, so this is ours. Each node is a
// box covering its dot and its label; two overlapping boxes are pushed
// apart along the axis where they overlap least, usually vertically.
//
// It reports whether it succeeded; drawMap then makes the picture taller
// and tries again.
func declutter(pos []r2.Vec, labels []string, opt mapOptions) (left []bool, ok bool) {
	cx := float64(opt.Width) / 2
	left = make([]bool, len(pos)) // label left of the dot
	for i, p := range pos {
		left[i] = p.X < cx
	}
	const pad = 3
	box := func(i int) (x0, y0, x1, y1 float64) {
		w := labelWidth(labels[i], opt.Font) + opt.Radius + 4
		x0, x1 = pos[i].X-opt.Radius-pad, pos[i].X+w+pad
		if left[i] {
			x0, x1 = pos[i].X-w-pad, pos[i].X+opt.Radius+pad
		}
		h := opt.Font*0.75 + pad
		return x0, pos[i].Y - h, x1, pos[i].Y + h
	}
	for range 800 {
		// Into the picture first, so that the check below sees where the
		// nodes will be drawn.
		for i, p := range pos {
			x0, y0, x1, y1 := box(i)
			pos[i].X = p.X + max(0, 2-x0) - max(0, x1-float64(opt.Width)+2)
			pos[i].Y = p.Y + max(0, 2-y0) - max(0, y1-float64(opt.Height)+2)
		}
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
	for i, p := range pos { // overlapping, but inside the picture
		x0, y0, x1, y1 := box(i)
		pos[i].X = p.X + max(0, 2-x0) - max(0, x1-float64(opt.Width)+2)
		pos[i].Y = p.Y + max(0, 2-y0) - max(0, y1-float64(opt.Height)+2)
	}
	return left, false
}

// labelWidth estimates a label's width in the picture's units: the
// average advance of a sans-serif letter is a little over half the font
// size. The browser lays the text out; this only has to keep labels apart.
func labelWidth(s string, font float64) float64 {
	return float64(utf8.RuneCountInString(s)) * font * 0.56
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
