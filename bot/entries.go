package bot

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"refbot/glossary"
)

// Glossary entries as the core hands them out: cards, suggestions, links.

// card is e in full; its related terms are looked up in the glossary in
// service.
func (b *Bot) card(e *glossary.Entry) *Card {
	c := &Card{
		ID:        e.ID,
		Title:     e.Title,
		Summary:   e.Summary,
		KeyPoints: slices.Clone(e.KeyPoints), // adapters may trim a card in place;
		Aliases:   slices.Clone(e.Aliases),   // the glossary must not change
		Tags:      slices.Clone(e.Tags),
		Sources:   sources(e.Sources),
	}
	if b.cfg.PageURL != nil {
		c.Page = b.cfg.PageURL(e.ID)
	}
	g := b.Glossary()
	for _, id := range e.SeeAlso {
		if r, ok := g.Entry(id); ok {
			c.SeeAlso = append(c.SeeAlso, suggestion(r, ""))
		}
	}
	// The card may be rendered once for every request that asks for it
	// while g is in service, when e is g's: then everything on the card
	// (the entry, its related titles) came from g.
	if same, ok := g.Entry(e.ID); ok && same == e {
		c.rendered = b.rendersFor(g)
	}
	return c
}

// suggestion points at e in a list: its title, the name that matched
// when that is another (an alias), and its summary's first sentence.
func suggestion(e *glossary.Entry, matched string) Suggestion {
	s := Suggestion{ID: e.ID, Title: e.Title, Line: firstSentence(e.Summary)}
	if matched != e.Title {
		s.Name = matched
	}
	return s
}

// link is e as a link beside a chat message or a prompt: its title, where
// to read more, and one line of summary at most maxLinkLine characters.
// text is the words that mentioned it; explicit marks a [[term]].
func link(e *glossary.Entry, text string, explicit bool) Link {
	return Link{ID: e.ID, Title: e.Title, URL: e.URL(), Line: summaryLine(e.Summary, maxLinkLine), Text: text, Explicit: explicit}
}

func sources(ss []glossary.Source) []Source {
	var out []Source
	for _, s := range ss {
		out = append(out, Source(s))
	}
	return out
}

func entries(es []*glossary.Entry) []Suggestion {
	out := make([]Suggestion, len(es))
	for i, e := range es {
		out[i] = suggestion(e, "")
	}
	return out
}

func candidates(cs []glossary.Candidate) []Suggestion {
	out := make([]Suggestion, len(cs))
	for i, c := range cs {
		out[i] = suggestion(c.Entry, c.Name)
	}
	return out
}

// firstSentence returns the summary's first sentence, for one-line lists
// (the web pages use the same).
func firstSentence(s string) string { return glossary.FirstSentence(s) }

// lowerFirst lower-cases the first letter of s, to continue a sentence.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// summaryLine is the summary's first sentence, cut at a word boundary to
// at most max characters.
func summaryLine(s string, max int) string {
	s = firstSentence(s)
	n, cut, space := 0, len(s), -1
	for i, r := range s {
		if n == max-1 {
			cut = i
		}
		if n < max-1 && r == ' ' && n > max/2 {
			space = i
		}
		n++
	}
	if n <= max {
		return s
	}
	if space > 0 {
		cut = space
	}
	return strings.TrimRight(s[:cut], " ,;:") + "…"
}
