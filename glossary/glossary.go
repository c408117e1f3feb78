package glossary

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"sync"
)

// Glossary is a validated, immutable set of entries and curricula with
// the indexes built for matching. It is safe for concurrent use; a reload
// builds a new Glossary and swaps the pointer.
type Glossary struct {
	entries   []*Entry // sorted by ID
	byID      map[string]int
	reverse   [][]int // reverse[i]: entries whose see_also lists entry i
	curricula []*Curriculum
	// files names where each entry and curriculum came from (by id), so
	// that a glossary laid over this one (Over, Check) reports a clash
	// with the file that owns the name.
	files      map[string]string
	curFiles   map[string]string
	ownersOnce sync.Once
	owners     map[string]string // normalised name -> entry id (nameOwners)
	idx        *index
	desc       *descIndex
	warnings   Problems
	version    string
}

func build(es []*item[Entry], cs []*item[Curriculum], warnings Problems) *Glossary {
	g := &Glossary{byID: make(map[string]int, len(es)), files: make(map[string]string, len(es)), curFiles: make(map[string]string, len(cs)), warnings: warnings}
	for _, it := range es {
		e := it.v
		g.entries = append(g.entries, &e)
		g.files[e.ID] = it.file
	}
	sort.Slice(g.entries, func(i, j int) bool { return g.entries[i].ID < g.entries[j].ID })
	for i, e := range g.entries {
		g.byID[e.ID] = i
	}
	g.reverse = make([][]int, len(g.entries))
	for i, e := range g.entries {
		for _, id := range e.SeeAlso {
			j := g.byID[id]
			g.reverse[j] = append(g.reverse[j], i)
		}
	}
	for _, it := range cs {
		c := it.v
		g.curricula = append(g.curricula, &c)
		g.curFiles[c.ID] = it.file
	}
	sort.Slice(g.curricula, func(i, j int) bool { return g.curricula[i].ID < g.curricula[j].ID })
	g.idx = newIndex(g.entries)
	g.desc = newDescIndex(g.entries, defaultDescParams)
	g.version = version(g.entries, g.curricula)
	return g
}

// Warnings are what the files may hold but refbot shows less well than
// their authors may expect (a source URL too long for a link button),
// each with its file, line and field, as Problems have.
func (g *Glossary) Warnings() Problems { return g.warnings }

// version is a digest of the entries and curricula as loaded: the same
// content gives the same version in every process, and any change to it a
// new one.
func version(es []*Entry, cs []*Curriculum) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	// Encoding plain structs of strings, slices and ints cannot fail.
	_ = enc.Encode(es)
	_ = enc.Encode(cs)
	return hex.EncodeToString(h.Sum(nil)[:6])
}

// Version identifies the glossary's content: 12 hexadecimal digits, equal
// for equal content (whatever the files' names, order or formatting) and
// different when anything an entry or curriculum says changes.
func (g *Glossary) Version() string { return g.version }

// Len is the number of entries.
func (g *Glossary) Len() int { return len(g.entries) }

// Entries returns every entry, sorted by ID. The entries must not be
// modified.
func (g *Glossary) Entries() []*Entry { return g.entries }

// Entry returns the entry with the given id.
func (g *Glossary) Entry(id string) (*Entry, bool) {
	i, ok := g.byID[id]
	if !ok {
		return nil, false
	}
	return g.entries[i], true
}

// Related returns the entries an entry points to (see_also, in its order)
// followed by the entries that point to it, without repeats.
func (g *Glossary) Related(id string) []*Entry {
	i, ok := g.byID[id]
	if !ok {
		return nil
	}
	e := g.entries[i]
	seen := map[int]bool{i: true}
	var out []*Entry
	for _, sid := range e.SeeAlso {
		j := g.byID[sid]
		if !seen[j] {
			seen[j] = true
			out = append(out, g.entries[j])
		}
	}
	for _, j := range g.reverse[i] {
		if !seen[j] {
			seen[j] = true
			out = append(out, g.entries[j])
		}
	}
	return out
}

// Curricula returns every curriculum, sorted by ID.
func (g *Glossary) Curricula() []*Curriculum { return g.curricula }

// Curriculum returns the curriculum with the given id.
func (g *Glossary) Curriculum(id string) (*Curriculum, bool) {
	for _, c := range g.curricula {
		if c.ID == id {
			return c, true
		}
	}
	return nil, false
}
