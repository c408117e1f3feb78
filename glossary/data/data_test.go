package data_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"refbot/glossary"
	"refbot/glossary/data"
)

func load(t *testing.T) *glossary.Glossary {
	t.Helper()
	g, err := glossary.Load(glossary.Layer{Name: "glossary/data", FS: data.FS()})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// specLists are our term lists in testdata/: each row is a term the
// default glossary must hold, with its title, other names, checked source
// URLs and related ids. A list marked partial is still being written: its
// rows without an entry yet, and see-also ids that are not entries yet,
// are logged with a count instead of failing. Everything else is checked
// for every row that has an entry.
var specLists = []struct {
	file    string
	partial bool
}{
	{"glossary-terms.tsv", false},
	{"glossary-terms-2.tsv", false},
}

// TestSpecTermList checks the default glossary against the term lists:
// every row is an entry with its title, aliases, source URLs (in order)
// and see-also ids, and every entry is a row of some list.
func TestSpecTermList(t *testing.T) {
	g := load(t)
	listed := map[string]bool{}
	for _, l := range specLists {
		checkSpecList(t, g, filepath.Join("testdata", l.file), l.partial, listed)
	}
	for _, e := range g.Entries() {
		if !listed[e.ID] {
			t.Errorf("entry %q is in no spec term list", e.ID)
		}
	}
}

// droppedSources are spec URLs an entry leaves out on purpose, with the
// reason. The rule for the default glossary: a source whose real title
// cannot be confirmed is dropped when the entry has another.
var droppedSources = map[string]string{
	"https://intelligence.org/2013/11/27/new-paper-racing-to-the-precipice/": "ai-race-dynamics: the stored copy of this blog post does not show its title; the entry cites the paper it announces",
}

// droppedAliases are spec names an entry leaves out on purpose (entry id,
// name), with the reason: a name that would make a lookup or an auto-link
// land on the wrong entry is dropped.
var droppedAliases = map[[2]string]string{
	{"moloch", "multipolar trap"}:                                         "the one-word query \"multipolar\" would rank Moloch above Multipolar Scenario (the shorter completion wins); the summary still uses the term",
	{"moloch", "multipolar traps"}:                                        "as for \"multipolar trap\"",
	{"emergent-abilities", "emergent abilities of large language models"}: "made \"large language models\" a confident match for Emergent Abilities",
}

// checkSpecList checks the rows of one term list against g and marks
// each row's id in listed. When partial, rows without an entry and
// see-also ids that are not entries yet are logged, not failed.
func checkSpecList(t *testing.T, g *glossary.Glossary, path string, partial bool, listed map[string]bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	split := func(s string) []string {
		var out []string
		for _, p := range strings.Split(s, ";") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	var missingRows, missingLinks []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") || strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		for len(cols) < 5 {
			cols = append(cols, "")
		}
		listed[cols[0]] = true
		e, ok := g.Entry(cols[0])
		if !ok {
			if partial {
				missingRows = append(missingRows, cols[0])
			} else {
				t.Errorf("no entry %q", cols[0])
			}
			continue
		}
		if e.Title != cols[1] {
			t.Errorf("%s: title %q, want %q", e.ID, e.Title, cols[1])
		}
		for _, a := range split(cols[2]) {
			if removedAlias(e.ID, a) {
				continue // TestRemovedAliases checks it is gone
			}
			if droppedAliases[[2]string{e.ID, a}] != "" {
				if contains(e.Aliases, a) {
					t.Errorf("%s: alias %q is listed as dropped but is still there", e.ID, a)
				}
				continue
			}
			if !contains(e.Aliases, a) {
				t.Errorf("%s: alias %q missing", e.ID, a)
			}
		}
		var urls []string
		for _, s := range e.Sources {
			urls = append(urls, s.URL)
		}
		want := slices.DeleteFunc(split(cols[3]), func(u string) bool { return droppedSources[u] != "" })
		if fmt.Sprint(urls[:min(len(urls), len(want))]) != fmt.Sprint(want) {
			t.Errorf("%s: sources %v, want %v first", e.ID, urls, want)
		}
		for _, id := range split(cols[4]) {
			if _, exists := g.Entry(id); !exists && partial {
				missingLinks = append(missingLinks, e.ID+"->"+id)
				continue
			}
			if !contains(e.SeeAlso, id) {
				t.Errorf("%s: see_also %q missing", e.ID, id)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if partial && len(missingRows)+len(missingLinks) == 0 {
		t.Errorf("%s: every row has an entry and every see-also id exists; clear its partial flag in specLists", path)
	}
	if len(missingRows)+len(missingLinks) > 0 {
		t.Logf("%s is partial: %d rows without an entry yet %v; %d see-also links to entries not written yet %v",
			path, len(missingRows), missingRows, len(missingLinks), missingLinks)
	}
}

// removedAliases are names from the spec's term list that an expert
// fact-check (issue 20) found to name a different or broader concept than
// the card they led to. partial marks the two the matcher still answers
// with the old card, because every word of the query is in one of that
// card's remaining names; the card must then say how the two relate.
var removedAliases = []struct {
	id, alias string
	partial   bool
}{
	{"process-supervision", "outcome supervision", false}, // the opposite method
	{"quantilizers", "mild optimization", false},          // the broader goal
	{"mechanistic-interpretability", "interpretability", true},
	{"myopia", "myopic training", false},   // the card says it differs
	{"circuits", "neural circuits", false}, // the neuroscience term
	{"instrumental-convergence", "instrumental goals", true},
	{"impact-measures", "attainable utility preservation", false}, // one proposal
	{"impact-measures", "AUP", false},
	{"base-optimizer", "base objective", false},
	{"ai-control", "control evaluations", false},   // the method
	{"constitutional-ai", "RLAIF", false},          // broader
	{"pseudo-alignment", "proxy alignment", false}, // a subtype
}

func removedAlias(id, alias string) bool {
	for _, r := range removedAliases {
		if r.id == id && strings.EqualFold(r.alias, alias) {
			return true
		}
	}
	return false
}

// TestRemovedAliases: a removed alias is no longer a name of its old card,
// and looking it up does not answer with that card with confidence, or,
// for the two the partial-name rule still sends there, the card's summary
// names the term and so says how it relates.
func TestRemovedAliases(t *testing.T) {
	g := load(t)
	for _, r := range removedAliases {
		e, ok := g.Entry(r.id)
		if !ok {
			t.Errorf("no entry %q", r.id)
			continue
		}
		for _, n := range e.Names() {
			if glossary.Normalize(n) == glossary.Normalize(r.alias) {
				t.Errorf("%s: %q is still a name", r.id, r.alias)
			}
		}
		res := g.Lookup(r.alias)
		switch {
		case res.Match == nil || res.Match.ID != r.id:
			if r.partial {
				t.Errorf("Lookup(%q) = %v: no longer reaches %s; drop partial from its row", r.alias, res.Match, r.id)
			}
		case !r.partial:
			t.Errorf("Lookup(%q) = %s with confidence, want no confident answer from its old card", r.alias, r.id)
		case !strings.Contains(strings.ToLower(e.Summary), strings.ToLower(r.alias)):
			t.Errorf("Lookup(%q) still answers %s, whose summary does not say how the two relate", r.alias, r.id)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestEveryNameFindsItsEntry: Lookup of each title and alias returns its
// entry, confidently.
func TestEveryNameFindsItsEntry(t *testing.T) {
	g := load(t)
	for _, e := range g.Entries() {
		for _, n := range e.Names() {
			if r := g.Lookup(n); r.Match == nil || r.Match.ID != e.ID {
				t.Errorf("Lookup(%q) = %v, want %s", n, r.Match, e.ID)
			}
		}
		if r := g.Lookup(e.ID); r.Match == nil || r.Match.ID != e.ID {
			t.Errorf("Lookup(id %q) = %v", e.ID, r.Match)
		}
	}
}

// TestEntryShape holds the default glossary to the content bar: 2–4
// sentence summaries, 3–5 key points, 2–3 questions, tags from the
// vocabulary, and curricula steps of 3–5 entries with 3 questions.
func TestEntryShape(t *testing.T) {
	g := load(t)
	tags := map[string]bool{}
	for _, tag := range strings.Fields("inner-alignment outer-alignment deception interpretability oversight evaluation governance agent-foundations risk-scenarios training capabilities") {
		tags[tag] = true
	}
	for _, e := range g.Entries() {
		if n := len(e.KeyPoints); n < 3 || n > 5 {
			t.Errorf("%s: %d key points, want 3–5", e.ID, n)
		}
		if n := len(e.Questions); n < 2 || n > 3 {
			t.Errorf("%s: %d questions, want 2–3", e.ID, n)
		}
		if len(e.Tags) == 0 {
			t.Errorf("%s: no tags", e.ID)
		}
		for _, tag := range e.Tags {
			if !tags[tag] {
				t.Errorf("%s: tag %q is not in the vocabulary", e.ID, tag)
			}
		}
	}
	if len(g.Curricula()) == 0 {
		t.Fatal("no curriculum")
	}
	for _, c := range g.Curricula() {
		if n := len(c.Steps); n < 6 || n > 10 {
			t.Errorf("%s: %d steps, want about 8", c.ID, n)
		}
		for i, s := range c.Steps {
			if n := len(s.Entries); n < 3 || n > 5 {
				t.Errorf("%s step %d: %d entries, want 3–5", c.ID, i+1, n)
			}
			if len(s.Questions) != 3 {
				t.Errorf("%s step %d: %d questions, want 3", c.ID, i+1, len(s.Questions))
			}
		}
	}
}

func ExampleFS() {
	g, err := glossary.Load(glossary.Layer{FS: data.FS()})
	if err != nil {
		fmt.Println(err)
		return
	}
	e, _ := g.Entry("mesa-optimization")
	fmt.Println(e.Title, "—", e.Sources[0].URL)
	// Output: Mesa-Optimization — https://arxiv.org/abs/1906.01820
}

// readLater are step terms whose card's own source comes in a later step:
// week 2 introduces outer alignment through Concrete Problems in AI Safety,
// and week 3 reads its card's source, Risks from Learned Optimization.
var readLater = map[string]bool{"ai-safety-fundamentals outer-alignment": true}

// TestCurricula: the default glossary ships the eight-week path, which
// channels without a schedule read (the first by id), and the six-step
// interpretability and evaluations path. Every reading names its authors
// and year, and no curriculum assigns the same document in two steps.
func TestCurricula(t *testing.T) {
	g := load(t)
	var ids []string
	for _, c := range g.Curricula() {
		ids = append(ids, c.ID)
	}
	if got, want := strings.Join(ids, " "), "ai-safety-fundamentals interpretability-and-evaluations"; got != want {
		t.Errorf("curricula %s, want %s (the first is the default)", got, want)
	}
	steps := map[string]int{"ai-safety-fundamentals": 8, "interpretability-and-evaluations": 6}
	for _, c := range g.Curricula() {
		if n, ok := steps[c.ID]; ok && len(c.Steps) != n {
			t.Errorf("%s: %d steps, want %d", c.ID, len(c.Steps), n)
		}
		where := map[string]int{}
		for i, st := range c.Steps {
			if len(st.Readings) == 0 {
				t.Errorf("%s step %d: no readings", c.ID, i+1)
			}
			for _, r := range st.Readings {
				if r.Authors == "" || r.Year == 0 {
					t.Errorf("%s step %d: %q lacks its authors or year", c.ID, i+1, r.Title)
				}
				if j, ok := where[r.URL]; ok {
					t.Errorf("%s: %s is assigned in steps %d and %d", c.ID, r.URL, j+1, i+1)
				}
				where[r.URL] = i
			}
			// A step's terms are read about by then: one of each entry's
			// sources is a reading of this step or an earlier one.
			for _, id := range st.Entries {
				e, _ := g.Entry(id)
				read := slices.ContainsFunc(e.Sources, func(s glossary.Source) bool {
					j, ok := where[s.URL]
					return ok && j <= i
				})
				if !read && !readLater[c.ID+" "+id] {
					t.Errorf("%s step %d lists %s, but none of its sources is a reading by then", c.ID, i+1, id)
				}
			}
		}
	}
}
