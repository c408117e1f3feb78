package bot

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"refbot/glossary"
)

// Glossary entries as the core hands them out: cards, suggestions, links.

func (b *Bot) card(e *glossary.Entry) *Card {
	c := &Card{
		ID:        e.ID,
		Title:     e.Title,
		Summary:   e.Summary,
		KeyPoints: slices.Clone(e.KeyPoints), // adapters may trim a card in place;
		Aliases:   slices.Clone(e.Aliases),   // the glossary must not change
		Tags:      slices.Clone(e.Tags),
	}
	for _, s := range e.Sources {
		c.Sources = append(c.Sources, Source(s))
	}
	g := b.Glossary()
	for _, id := range e.SeeAlso {
		if r, ok := g.Entry(id); ok {
			c.SeeAlso = append(c.SeeAlso, Suggestion{ID: r.ID, Title: r.Title, Line: firstSentence(r.Summary)})
		}
	}
	return c
}

func entries(es []*glossary.Entry) []Suggestion {
	out := make([]Suggestion, len(es))
	for i, e := range es {
		out[i] = Suggestion{ID: e.ID, Title: e.Title, Line: firstSentence(e.Summary)}
	}
	return out
}

func candidates(cs []glossary.Candidate) []Suggestion {
	out := make([]Suggestion, len(cs))
	for i, c := range cs {
		out[i] = Suggestion{ID: c.Entry.ID, Title: c.Entry.Title, Line: firstSentence(c.Entry.Summary)}
		if c.Name != c.Entry.Title {
			out[i].Name = c.Name
		}
	}
	return out
}

// firstSentence returns the summary's first sentence, for one-line lists.
func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	for i := 0; i+1 < len(s); i++ {
		if (s[i] == '.' || s[i] == '?' || s[i] == '!') && s[i+1] == ' ' && i > 20 {
			return s[:i+1]
		}
	}
	return s
}

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
