package bot

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"refbot/glossary"
)

// The suggestion form: five fields, the most a Discord modal holds, on
// every platform alike. Related terms share the sources field as a line
// "See also: a, b", like the foot of an article. A submission becomes a
// glossary.Entry, which glossary.Check validates as it validates entry
// files; each problem is then placed on the field it came from, by line.

// entryForm is the suggestion form with e's fields filled in.
func (b *Bot) entryForm(action, state, title, submit string, e glossary.Entry) *Form {
	caps := b.curation.MaxLength
	return &Form{Action: action, State: state, Title: title, Submit: submit, Fields: []Field{
		{Name: FieldTitle, Label: "Term", Placeholder: "Mesa-optimization",
			Value: e.Title, Required: true, MaxLength: caps[FieldTitle]},
		{Name: FieldAliases, Label: "Other names, separated by commas", Placeholder: "mesa-optimizer, inner optimizer",
			Value: strings.Join(e.Aliases, ", "), MaxLength: caps[FieldAliases]},
		{Name: FieldSummary, Label: "Summary: 2–4 sentences, in your own words", Lines: true, Required: true,
			Placeholder: "What it means, in plain language, for someone new to AI safety.",
			Value:       e.Summary, MaxLength: caps[FieldSummary]},
		{Name: FieldKeyPoints, Label: "Key points, one per line", Lines: true,
			Placeholder: "Up to 8 short points.",
			Value:       strings.Join(e.KeyPoints, "\n"), MaxLength: caps[FieldKeyPoints]},
		{Name: FieldSources, Label: "Sources: Title — URL; then See also: terms", Lines: true, Required: true,
			Placeholder: "Risks from Learned Optimization — https://arxiv.org/abs/1906.01820\nSee also: inner alignment",
			Value:       b.sourcesText(e), MaxLength: caps[FieldSources]},
	}}
}

// sourcesText is the sources field for e: a line per source, then its
// related terms by title.
func (b *Bot) sourcesText(e glossary.Entry) string {
	var lines []string
	for _, s := range e.Sources {
		lines = append(lines, s.Title+" — "+s.URL)
	}
	if len(e.SeeAlso) > 0 {
		g := b.Glossary()
		names := make([]string, 0, len(e.SeeAlso))
		for _, id := range e.SeeAlso {
			if r, ok := g.Entry(id); ok {
				names = append(names, r.Title)
			} else {
				names = append(names, id)
			}
		}
		lines = append(lines, "See also: "+strings.Join(names, ", "))
	}
	return strings.Join(lines, "\n")
}

// shortLabel names a field in a list of problems.
func shortLabel(field string) string {
	switch field {
	case FieldTitle:
		return "Term"
	case FieldAliases:
		return "Other names"
	case FieldSummary:
		return "Summary"
	case FieldKeyPoints:
		return "Key points"
	case FieldSources:
		return "Sources"
	case FieldReason:
		return "Reason"
	}
	return field
}

// parsedEntry is a submitted form as an entry, with where each list item
// came from, so a problem can name the line.
type parsedEntry struct {
	entry    glossary.Entry
	points   []int    // key_points[i] is on this line of its field
	sources  []int    // sources[i] is on this line of the sources field
	related  []string // see_also[i] as it was typed
	seeAlsoN int      // the line of "See also:"
}

// capProblems are the fields longer than their cap.
func (b *Bot) capProblems(f *Form, fields map[string]string) map[string][]string {
	probs := map[string][]string{}
	for _, fl := range f.Fields {
		if n := utf8.RuneCountInString(fields[fl.Name]); fl.MaxLength > 0 && n > fl.MaxLength {
			probs[fl.Name] = append(probs[fl.Name], fmt.Sprintf("is %d characters; the limit here is %d", n, fl.MaxLength))
		}
	}
	return probs
}

// parseEntry turns a submitted suggestion form into an entry and checks it
// over g with the glossary's validator. base is the entry an edit
// changes: the fields the form does not show (describes, tags,
// questions, no_autolink, a source's authors and year) carry over from
// it. The entry's id is keepID when set (an edit), else base's (an edit
// of a proposal), else one made from the title. The problems are by field
// name.
func (b *Bot) parseEntry(g *glossary.Glossary, fields map[string]string, base *glossary.Entry, keepID string) (parsedEntry, map[string][]string) {
	caps := b.entryForm(ActionSuggest, "", "", "", glossary.Entry{})
	if probs := b.capProblems(caps, fields); len(probs) > 0 {
		return parsedEntry{}, probs
	}
	var pe parsedEntry
	e := &pe.entry
	if base != nil {
		e.Describes = slices.Clone(base.Describes)
		e.Tags = slices.Clone(base.Tags)
		e.Questions = slices.Clone(base.Questions)
	}
	e.Title = strings.TrimSpace(fields[FieldTitle])
	e.Summary = strings.TrimSpace(fields[FieldSummary])
	for _, a := range strings.FieldsFunc(fields[FieldAliases], func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		if a = strings.TrimSpace(a); a != "" {
			e.Aliases = append(e.Aliases, a)
		}
	}
	for i, line := range strings.Split(fields[FieldKeyPoints], "\n") {
		if p := trimBullet(line); p != "" {
			e.KeyPoints = append(e.KeyPoints, p)
			pe.points = append(pe.points, i+1)
		}
	}
	for i, line := range strings.Split(fields[FieldSources], "\n") {
		line = trimBullet(line)
		if line == "" {
			continue
		}
		if names, ok := seeAlsoLine(line); ok {
			pe.seeAlsoN = i + 1
			for _, n := range names {
				id := g.Lookup(n)
				switch {
				case id.Match != nil:
					e.SeeAlso = append(e.SeeAlso, id.Match.ID)
				default:
					if _, ok := g.Entry(n); ok {
						e.SeeAlso = append(e.SeeAlso, n)
					} else {
						e.SeeAlso = append(e.SeeAlso, glossary.Slug(n)) // the validator says no entry has it
					}
				}
				pe.related = append(pe.related, n)
			}
			continue
		}
		s := parseSource(line)
		if base != nil {
			if i := slices.IndexFunc(base.Sources, func(o glossary.Source) bool { return o.URL == s.URL && s.URL != "" }); i >= 0 {
				s.Authors, s.Year = base.Sources[i].Authors, base.Sources[i].Year
			}
		}
		e.Sources = append(e.Sources, s)
		pe.sources = append(pe.sources, i+1)
	}
	if base != nil {
		names := map[string]bool{}
		for _, n := range e.Names() {
			names[glossary.Normalize(n)] = true
		}
		for _, n := range base.NoAutolink {
			if names[glossary.Normalize(n)] {
				e.NoAutolink = append(e.NoAutolink, n)
			}
		}
	}
	switch {
	case keepID != "":
		e.ID = keepID
	default:
		e.ID = entryID(e.Title)
	}
	probs := map[string][]string{}
	if keepID == "" && e.Title != "" {
		if other, ok := g.Entry(e.ID); ok {
			probs[FieldTitle] = append(probs[FieldTitle], fmt.Sprintf("the glossary has %s (id %s) already: suggest an edit of it instead, or choose another term", other.Title, e.ID))
		}
	}
	if base != nil && keepID != "" && sameEntry(*base, *e) {
		probs[FieldSummary] = append(probs[FieldSummary], "nothing is changed: edit a field, or close the form")
	}
	for _, p := range g.Check(*e) {
		field, msg := pe.place(p)
		probs[field] = append(probs[field], msg)
	}
	if len(probs) > 0 {
		return pe, probs
	}
	return pe, nil
}

// sameEntry reports whether an edit changes nothing the form shows.
func sameEntry(a, b glossary.Entry) bool {
	return a.Title == b.Title && slices.Equal(a.Aliases, b.Aliases) && a.Summary == b.Summary &&
		slices.Equal(a.KeyPoints, b.KeyPoints) && slices.Equal(a.Sources, b.Sources) && slices.Equal(a.SeeAlso, b.SeeAlso)
}

// entryID makes a new entry's id from its title; a title with no Latin
// letters or digits gets "term-" and a hash of the title.
func entryID(title string) string {
	if id := glossary.Slug(title); id != "" {
		return id
	}
	if glossary.Normalize(title) == "" {
		return "" // the validator says the title has nothing to match on
	}
	h := fnv.New32a()
	h.Write([]byte(glossary.Normalize(title)))
	return "term-" + strconv.FormatUint(uint64(h.Sum32()), 36)
}

// bullet matches what people put before an item: "•", "-", "*", "1.", "2)".
var bullet = regexp.MustCompile(`^\s*(?:[•\-*–]|\d{1,2}[.)])\s+`)

func trimBullet(s string) string {
	return strings.TrimSpace(bullet.ReplaceAllString(s, ""))
}

// seeAlsoLine reads "See also: a, b" (or "Related: …").
func seeAlsoLine(line string) ([]string, bool) {
	for _, p := range []string{"see also:", "see also", "related terms:", "related:"} {
		if len(line) >= len(p) && strings.EqualFold(line[:len(p)], p) {
			var out []string
			for _, n := range strings.Split(line[len(p):], ",") {
				if n = strings.TrimSpace(n); n != "" {
					out = append(out, n)
				}
			}
			return out, true
		}
	}
	return nil, false
}

// scheme is a word that starts with a URL scheme: "mailto:x".
var scheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:\S`)

// markdownLink is [title](url).
var markdownLink = regexp.MustCompile(`^\[([^\]]*)\]\(([^)\s]*)\)$`)

// parseSource reads "Title — URL" (any dash, a colon or a bar between
// them, or none), "[Title](URL)", or "URL — Title". The URL is the
// first word with "://" in it, else a last word that starts with a scheme
// ("javascript:"); a line without one is a title without a URL. The
// validator then says what is wrong with either.
func parseSource(line string) glossary.Source {
	if m := markdownLink.FindStringSubmatch(line); m != nil {
		return glossary.Source{Title: strings.TrimSpace(m[1]), URL: m[2]}
	}
	words := strings.Fields(line)
	at := slices.IndexFunc(words, func(w string) bool { return strings.Contains(w, "://") })
	if at < 0 && len(words) > 0 && scheme.MatchString(words[len(words)-1]) {
		at = len(words) - 1 // "javascript:…", "data:…": a URL, which the validator refuses
	}
	if at < 0 {
		return glossary.Source{Title: trimSeparators(line)}
	}
	rest := strings.Join(append(slices.Clone(words[:at]), words[at+1:]...), " ")
	return glossary.Source{Title: trimSeparators(rest), URL: words[at]}
}

func trimSeparators(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '—' || r == '–' || r == '-' || r == ':' || r == '|' || r == '<' || r == '>'
	})
}

// fieldPath reads a problem's field: "sources[1].url" is sources, 1, url.
var fieldPath = regexp.MustCompile(`^([a-z_]+)(?:\[(\d+)\])?(?:\.([a-z_]+))?$`)

// place puts one of the validator's problems on the form field it came
// from, naming the line or the name within it.
func (pe parsedEntry) place(p glossary.Problem) (field, msg string) {
	m := fieldPath.FindStringSubmatch(p.Field)
	if m == nil {
		return FieldTitle, p.String()
	}
	name, sub := m[1], m[3]
	i, indexed := -1, m[2] != ""
	if indexed {
		i, _ = strconv.Atoi(m[2])
	}
	at := func(lines []int) string {
		if i >= 0 && i < len(lines) {
			return fmt.Sprintf("line %d", lines[i])
		}
		return fmt.Sprintf("item %d", i+1)
	}
	switch name {
	case "id", "title":
		return FieldTitle, p.Message
	case "aliases":
		if indexed {
			return FieldAliases, fmt.Sprintf("name %d: %s", i+1, p.Message)
		}
		return FieldAliases, p.Message
	case "summary":
		return FieldSummary, p.Message
	case "key_points":
		if indexed {
			return FieldKeyPoints, at(pe.points) + ": " + p.Message
		}
		return FieldKeyPoints, p.Message
	case "sources":
		if !indexed {
			return FieldSources, p.Message
		}
		hint := ""
		if sub == "url" || sub == "title" {
			hint = " (write each source as Title — https://…)"
		}
		return FieldSources, fmt.Sprintf("%s, %s: %s%s", at(pe.sources), sub, p.Message, hint)
	case "see_also":
		if indexed && i < len(pe.related) {
			return FieldSources, fmt.Sprintf("See also %q: %s", pe.related[i], p.Message)
		}
		return FieldSources, "See also: " + p.Message
	}
	return FieldTitle, p.String()
}
