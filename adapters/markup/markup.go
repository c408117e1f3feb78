// Package markup blanks a chat platform's markup in place, so the
// glossary's scanner, which knows no chat, reads plain text. Each adapter
// says what its markup is (a Blanker's rules); the walk over the text, the
// line starts where quotes begin, and the pieces two platforms share live
// here once.
//
// Blanking keeps the text's length: delimiters stay, what they enclose
// becomes spaces (line breaks kept), so an offset into the plain text is an
// offset into the message, the core sees punctuation where markup was, and
// no glossary name can run across it.
//
// The walk is our own because no Markdown library keeps byte offsets while
// dropping spans, and chat markup (Slack's <…> and entities, Discord's
// tags) is not Markdown anyway.
package markup

import (
	"bytes"
	"strings"
)

// A Rule blanks the markup that starts at b[i] and returns where the walk
// goes on: past the markup, or i+1 when b[i] starts none. It must return
// more than i.
type Rule func(b []byte, i int) int

// A Quote blanks a quote that begins at b[i], where a line's text starts
// (after spaces and tabs), and returns where the walk goes on; ok is false,
// and nothing changed, when no quote begins there. i may be len(b).
type Quote func(b []byte, i int) (end int, ok bool)

// A Blanker blanks one platform's markup. Make one with New.
type Blanker struct {
	starts string
	quote  Quote
	rules  [256]Rule
}

// New returns a Blanker that tries quote (when not nil) at every line's
// start and rules[c] wherever byte c appears. starts lists every byte that
// can begin markup, quotes' included: text with none of them is returned
// as it is, with no copy.
func New(starts string, quote Quote, rules map[byte]Rule) *Blanker {
	m := &Blanker{starts: starts, quote: quote}
	for c, r := range rules {
		m.rules[c] = r
	}
	return m
}

// Blank returns text with its markup blanked, as long as text.
func (m *Blanker) Blank(text string) string {
	if !strings.ContainsAny(text, m.starts) {
		return text
	}
	b := []byte(text)
	lineStart := true
	for i := 0; i < len(b); {
		if lineStart {
			lineStart = false
			if m.quote != nil {
				j := i
				for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
					j++
				}
				if end, ok := m.quote(b, j); ok {
					i = end
					continue
				}
			}
		}
		switch c := b[i]; {
		case c == '\n':
			lineStart = true
			i++
		case m.rules[c] != nil:
			i = m.rules[c](b, i)
		default:
			i++
		}
	}
	return string(b)
}

// Spaces turns b[from:to] into spaces, keeping line breaks.
func Spaces(b []byte, from, to int) {
	for i := from; i < to; i++ {
		if b[i] != '\n' {
			b[i] = ' '
		}
	}
}

// HasPrefix reports whether b begins with prefix.
func HasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}

// Code blanks the code that starts with the backtick at b[i], keeping the
// backticks, as Slack and most chat clients read it: ```preformatted```
// runs to the next ``` (or, unclosed, to the end: pasted code, most
// likely), `code` to the next backtick, and a lone backtick is a
// character.
func Code(b []byte, i int) int {
	open, close := 1, "`"
	if HasPrefix(b[i:], "```") {
		open, close = 3, "```"
	}
	j := bytes.Index(b[i+open:], []byte(close))
	switch {
	case j >= 0:
		j += i + open
	case open == 3:
		Spaces(b, i+open, len(b))
		return len(b)
	default:
		return i + 1
	}
	Spaces(b, i+open, j)
	return j + len(close)
}
