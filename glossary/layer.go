package glossary

import "fmt"

// Entries laid over a loaded glossary: the curated layer, which lives in
// refbot's state store rather than in files, and each suggestion checked
// before it is stored. Both go through validate, the code that checks
// entry files, so a suggestion gets the messages and limits an entry file
// gets, and a name that leads to another entry is a clash.

// Check validates e as it would be laid over g: replacing g's entry with
// the same id, or joining g's entries. The problems name e's fields
// ("summary: is missing or empty") with no file; a clash names the entry
// and the file that has the name already.
func (g *Glossary) Check(e Entry) Problems {
	probs, _ := g.validateOver([]*item[Entry]{{v: e, layer: 1}})
	sortProblems(probs)
	return probs
}

// Over returns a new glossary with es laid over g, as the glossary in
// service lays the curated entries over the files: an entry of es replaces
// g's entry of the same id, or joins g's entries. An entry of es that does
// not pass validation over g (a name that another entry has now, a
// related entry that is gone) is held back: it is left out, g's entry of
// its id (if any) stays, and its problems are returned, filed under
// name/ID. g itself does not change.
func (g *Glossary) Over(name string, es []Entry) (*Glossary, Problems) {
	var held Problems
	items := make([]*item[Entry], 0, len(es))
	seen := make(map[string]bool, len(es))
	for _, e := range es {
		it := &item[Entry]{v: e, file: name + "/" + e.ID, layer: 1}
		if seen[e.ID] {
			held = append(held, it.problem("id", fmt.Sprintf("id %q is used twice", e.ID)))
			continue
		}
		seen[e.ID] = true
		items = append(items, it)
	}
	var warns Problems
	for len(items) > 0 {
		var probs Problems
		probs, warns = g.validateOver(items)
		if len(probs) == 0 {
			break
		}
		bad := make(map[string]bool, len(probs))
		for _, p := range probs {
			bad[p.File] = true
		}
		kept := make([]*item[Entry], 0, len(items))
		for _, it := range items {
			if !bad[it.file] {
				kept = append(kept, it)
			}
		}
		if len(kept) == len(items) {
			// A problem that is not about the layer (g is valid on its own,
			// so this cannot happen): serve g as it is rather than guess.
			kept = kept[:0]
		}
		held = append(held, probs...)
		items = kept
	}
	sortProblems(held)
	if len(items) == 0 {
		warns = nil
	}
	// The warnings are g's, less those about the entries replaced, and
	// the layer's own.
	replaced := make(map[string]bool, len(items))
	for _, it := range items {
		if f := g.files[it.v.ID]; f != "" {
			replaced[f] = true
		}
	}
	for _, w := range g.warnings {
		if !replaced[w.File] {
			warns = append(warns, w)
		}
	}
	sortProblems(warns)
	return build(g.itemsUnder(items), g.curriculumItems(), warns), held
}

// validateOver validates the entries of over laid over g's, with every
// check an entry file gets, and returns their problems and warnings. g's entries passed those checks when g was
// loaded and count as they are, so a name clash is reported on the entry
// laid over, never on g's; g's curricula name only g's entries, which stay.
func (g *Glossary) validateOver(over []*item[Entry]) (probs, warns Problems) {
	all := g.itemsUnder(over)
	trusted := all[:len(all)-len(over)]
	ids := make(map[string]bool, len(all))
	byID := make(map[string]*item[Entry], len(trusted))
	for _, it := range trusted {
		ids[it.v.ID] = true
		byID[it.v.ID] = it
	}
	for _, it := range over {
		ids[it.v.ID] = true
	}
	owner := map[string]*item[Entry]{}
	for key, id := range g.nameOwners() {
		if it, ok := byID[id]; ok { // not an entry over replaces
			owner[key] = it
		}
	}
	return validateOver(ids, owner, over)
}

// nameOwners maps each normalised name of g's entries to its entry's id,
// computed once per glossary.
func (g *Glossary) nameOwners() map[string]string {
	g.ownersOnce.Do(func() {
		g.owners = make(map[string]string, 4*len(g.entries))
		for _, e := range g.entries {
			for _, n := range e.Names() {
				if key := Normalize(n); key != "" {
					if _, taken := g.owners[key]; !taken {
						g.owners[key] = e.ID
					}
				}
			}
		}
	})
	return g.owners
}

// itemsUnder is g's entries, less those over replaces, followed by over.
func (g *Glossary) itemsUnder(over []*item[Entry]) []*item[Entry] {
	replaced := make(map[string]bool, len(over))
	for _, it := range over {
		replaced[it.v.ID] = true
	}
	out := make([]*item[Entry], 0, len(g.entries)+len(over))
	for _, e := range g.entries {
		if !replaced[e.ID] {
			out = append(out, &item[Entry]{v: *e, file: g.files[e.ID]})
		}
	}
	return append(out, over...)
}

func (g *Glossary) curriculumItems() []*item[Curriculum] {
	out := make([]*item[Curriculum], 0, len(g.curricula))
	for _, c := range g.curricula {
		out = append(out, &item[Curriculum]{v: *c, file: g.curFiles[c.ID]})
	}
	return out
}

// File names the file an entry was loaded from ("embedded/entries/x.yaml",
// or name/ID for an entry laid over by Over), or "" for no such entry.
func (g *Glossary) File(id string) string { return g.files[id] }
