package glossary

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on entry fields. A card shows a whole entry in one chat message;
// these keep it inside the smallest message limits refbot renders to, with
// room for the frame.
const (
	MaxTitle     = 100
	MaxName      = 100
	MaxSummary   = 700
	MaxKeyPoints = 8
	MaxPoint     = 300
	MaxDescribes = 12  // describes: phrasings per entry
	MaxDescribe  = 150 // characters in one phrasing
	MaxQuestions = 8
	MaxSources   = 10
	MaxSeeAlso   = 12
	MaxStepTerms = 8
	// MaxButtonURL is the longest URL every chat platform can put on a
	// link button (Discord's limit is 512). A longer source URL is still
	// linked in the card's text; Load only warns about it.
	MaxButtonURL = 512
)

// validate checks every entry, then every curriculum, which may only
// name entries that exist. Warnings are what a glossary may hold but
// shows less well (see Glossary.Warnings).
func validate(es []*item[Entry], cs []*item[Curriculum]) (probs, warns Problems) {
	ids := make(map[string]bool, len(es))
	for _, e := range es {
		ids[e.v.ID] = true
	}
	owner := map[string]*item[Entry]{} // normalised name -> entry
	for _, it := range es {
		checkEntry(checker[Entry]{it, &probs, &warns}, ids, owner)
	}
	for _, it := range cs {
		checkCurriculum(checker[Curriculum]{it, &probs, &warns}, ids)
	}
	return probs, warns
}

// validateOver checks the entries of over with every check an entry file
// gets, laid over entries validated already (a loaded glossary's), which
// are not checked again but count: ids holds every id, theirs and over's,
// and owner maps each of their normalised names to its entry, so a
// related id must exist and a name must not be another entry's.
func validateOver(ids map[string]bool, owner map[string]*item[Entry], over []*item[Entry]) (probs, warns Problems) {
	for _, it := range over {
		checkEntry(checker[Entry]{it, &probs, &warns}, ids, owner)
	}
	return probs, warns
}

// checker collects problems and warnings about one file.
type checker[T any] struct {
	it    *item[T]
	probs *Problems
	warns *Problems
}

func (c checker[T]) add(field, format string, args ...any) {
	if Broken(c.it.broken, field) {
		return // its value did not decode, which is reported already
	}
	*c.probs = append(*c.probs, c.it.problem(field, fmt.Sprintf(format, args...)))
}

func (c checker[T]) warn(field, format string, args ...any) {
	*c.warns = append(*c.warns, c.it.problem(field, fmt.Sprintf(format, args...)))
}

// text checks a free-text field: present when required, within max
// characters, no control characters, and on one line unless multiline.
func (c checker[T]) text(field, s string, required bool, max int, multiline bool) {
	if strings.TrimSpace(s) == "" {
		if required {
			c.add(field, "is missing or empty")
		}
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		c.add(field, "is %d characters; the limit is %d", n, max)
	}
	for _, r := range s {
		if r == '\n' && multiline {
			continue
		}
		if unicode.IsControl(r) {
			c.add(field, "contains a control character (%U); remove it", r)
			return
		}
	}
}

// texts checks a list of multi-line texts (key points, questions): at
// most max of them (noun names them in the message), each one present and
// within maxLen characters.
func (c checker[T]) texts(field, noun string, ss []string, max, maxLen int) {
	if len(ss) > max {
		c.add(field, "has %d %s; the limit is %d", len(ss), noun, max)
	}
	for i, s := range ss {
		c.text(fmt.Sprintf("%s[%d]", field, i), s, true, maxLen, true)
	}
}

// sources checks a list of sources (an entry's sources, a step's
// readings) of which there may be at most MaxSources.
func (c checker[T]) sources(field, noun string, ss []Source) {
	if len(ss) > MaxSources {
		c.add(field, "has %d %s; the limit is %d", len(ss), noun, MaxSources)
	}
	for i, s := range ss {
		c.source(fmt.Sprintf("%s[%d]", field, i), s)
	}
}

func (c checker[T]) source(field string, s Source) {
	c.text(field+".title", s.Title, true, 300, false)
	c.text(field+".authors", s.Authors, false, 200, false)
	if s.Year != 0 && (s.Year < 1000 || s.Year > 2100) {
		c.add(field+".year", "%d is not a plausible year", s.Year)
	}
	if s.URL == "" {
		c.add(field+".url", "is missing")
		return
	}
	u, err := url.Parse(s.URL)
	switch {
	case err != nil:
		c.add(field+".url", "is not a valid URL: %v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		c.add(field+".url", "must start with https:// or http://")
	case u.Host == "":
		c.add(field+".url", "has no host")
	case len(s.URL) > 2000 || strings.ContainsAny(s.URL, " <>|\"\n"):
		c.add(field+".url", "must be at most 2000 characters with no spaces, quotes, <, > or |")
	case len(s.URL) > MaxButtonURL:
		c.warn(field+".url", "is %d characters: Discord shows no link button for a URL over %d, only the link in the card's text; a shorter URL for the same page (an abstract page, a DOI link) gets both", len(s.URL), MaxButtonURL)
	}
}

// checkEntry checks one entry file. ids holds every entry id; owner maps
// each normalised name seen so far to its entry, so a name that would
// lead to two entries is reported.
func checkEntry(c checker[Entry], ids map[string]bool, owner map[string]*item[Entry]) {
	e := &c.it.v
	c.id(e.ID)
	c.text("title", e.Title, true, MaxTitle, false)
	c.text("summary", e.Summary, true, MaxSummary, true)
	c.texts("key_points", "points", e.KeyPoints, MaxKeyPoints, MaxPoint)
	checkDescribes(c)
	c.texts("questions", "questions", e.Questions, MaxQuestions, MaxPoint)
	if len(e.Sources) == 0 {
		c.add("sources", "is missing: every entry needs at least one source with a title and URL")
	}
	c.sources("sources", "sources", e.Sources)
	checkSeeAlso(c, ids)
	for i, t := range e.Tags {
		if !slug.MatchString(t) {
			c.add(fmt.Sprintf("tags[%d]", i), "%q must be lower-case words joined by hyphens", t)
		}
	}
	names := checkNames(c, owner)
	for i, n := range e.NoAutolink {
		if !names[Normalize(n)] {
			c.add(fmt.Sprintf("no_autolink[%d]", i), "%q is not the title or an alias of this entry", n)
		}
	}
}

// checkDescribes validates an entry's describes: list: at most
// MaxDescribes one-line phrasings of at most MaxDescribe characters, each
// with words to search on, none repeated.
func checkDescribes(c checker[Entry]) {
	e := &c.it.v
	if len(e.Describes) > MaxDescribes {
		c.add("describes", "has %d phrasings; the limit is %d", len(e.Describes), MaxDescribes)
	}
	seen := map[string]int{}
	for i, d := range e.Describes {
		f := fmt.Sprintf("describes[%d]", i)
		c.text(f, d, true, MaxDescribe, false)
		key := Normalize(d)
		if strings.TrimSpace(d) != "" && key == "" {
			c.add(f, "%q has no letters or digits to search on", d)
			continue
		}
		if j, ok := seen[key]; ok && key != "" {
			c.add(f, "repeats describes[%d]", j)
		}
		seen[key] = i
	}
}

// checkSeeAlso checks that see_also names other entries, each once.
func checkSeeAlso(c checker[Entry], ids map[string]bool) {
	e := &c.it.v
	if len(e.SeeAlso) > MaxSeeAlso {
		c.add("see_also", "has %d ids; the limit is %d", len(e.SeeAlso), MaxSeeAlso)
	}
	for i, id := range e.SeeAlso {
		f := fmt.Sprintf("see_also[%d]", i)
		switch {
		case id == e.ID:
			c.add(f, "an entry cannot list itself")
		case !ids[id]:
			c.add(f, "no entry has id %q", id)
		case slices.Index(e.SeeAlso, id) < i:
			c.add(f, "%q is listed twice", id)
		}
	}
}

// checkNames checks the title and aliases as names to match on: each has
// letters or digits and leads to this entry alone. It returns the entry's
// normalised names.
func checkNames(c checker[Entry], owner map[string]*item[Entry]) map[string]bool {
	names := map[string]bool{}
	for i, n := range c.it.v.Names() {
		f := "title"
		if i > 0 {
			f = fmt.Sprintf("aliases[%d]", i-1)
			c.text(f, n, true, MaxName, false)
		}
		key := Normalize(n)
		if key == "" {
			if strings.TrimSpace(n) != "" {
				c.add(f, "%q has no letters or digits to match on", n)
			}
			continue
		}
		if names[key] {
			continue // "SAE" and "SAEs" are one name once normalised; harmless
		}
		names[key] = true
		if other, ok := owner[key]; ok && other != c.it {
			c.add(f, "%q is also a name of %q (%s); a name must lead to one entry", n, other.v.ID, other.file)
			continue
		}
		owner[key] = c.it
	}
	return names
}

// checkCurriculum checks one curriculum file; ids holds every entry id.
func checkCurriculum(c checker[Curriculum], ids map[string]bool) {
	cu := &c.it.v
	c.id(cu.ID)
	c.text("title", cu.Title, true, MaxTitle, false)
	c.text("description", cu.Description, false, MaxSummary, true)
	if len(cu.Steps) == 0 {
		c.add("steps", "is missing: a curriculum needs at least one step")
	}
	for i, st := range cu.Steps {
		f := fmt.Sprintf("steps[%d]", i)
		c.text(f+".title", st.Title, true, MaxTitle, false)
		if len(st.Entries) == 0 || len(st.Entries) > MaxStepTerms {
			c.add(f+".entries", "needs 1 to %d entry ids, has %d", MaxStepTerms, len(st.Entries))
		}
		for j, id := range st.Entries {
			if !ids[id] {
				c.add(fmt.Sprintf("%s.entries[%d]", f, j), "no entry has id %q", id)
			}
		}
		c.sources(f+".readings", "readings", st.Readings)
		if len(st.Questions) == 0 || len(st.Questions) > MaxQuestions {
			c.add(f+".questions", "needs 1 to %d questions, has %d", MaxQuestions, len(st.Questions))
		}
		for j, q := range st.Questions {
			c.text(fmt.Sprintf("%s.questions[%d]", f, j), q, true, MaxPoint, true)
		}
	}
}
