package shell

import (
	"bytes"
	"strings"
)

// BlankMarkup turns text typed at the console, or a chat message pasted
// into refbot scan, into the plain text the core scans for glossary
// terms. A terminal has no mentions or emoji; what people do type is the
// Markdown they use in chat, so that is blanked in place, keeping the
// text's length so offsets line up:
//
//   - `code` and ```blocks``` (an unclosed ``` runs to the end; a lone `
//     is a character);
//   - quoted lines, which start with ">": someone else's words.
//
// Delimiters stay and what they enclose becomes spaces, line breaks kept:
// the core sees punctuation where markup was, and no glossary name can run
// across it.
func BlankMarkup(text string) string {
	if !strings.ContainsAny(text, "`>") {
		return text
	}
	b := []byte(text)
	lineStart := true
	for i := 0; i < len(b); {
		if lineStart {
			lineStart = false
			j := i
			for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
				j++
			}
			if j < len(b) && b[j] == '>' {
				i = j + 1
				for i < len(b) && b[i] != '\n' {
					b[i] = ' '
					i++
				}
				continue
			}
		}
		switch b[i] {
		case '\n':
			lineStart = true
			i++
		case '`':
			i = blankCode(b, i)
		default:
			i++
		}
	}
	return string(b)
}

// blankCode blanks the code that starts with the backtick at b[i], keeping
// the backticks, and returns where to go on.
func blankCode(b []byte, i int) int {
	fence := bytes.HasPrefix(b[i:], []byte("```"))
	open, close := 1, "`"
	if fence {
		open, close = 3, "```"
	}
	j := bytes.Index(b[i+open:], []byte(close))
	switch {
	case j >= 0:
		j += i + open
	case fence:
		j = len(b)
	default:
		return i + 1
	}
	for k := i + open; k < j; k++ {
		if b[k] != '\n' {
			b[k] = ' '
		}
	}
	return min(j+len(close), len(b))
}
