package shell

import "refbot/adapters/markup"

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
	return consoleMarkup.Blank(text)
}

// consoleMarkup is read only.
var consoleMarkup = markup.New("`>", quote, map[byte]markup.Rule{'`': markup.Code})

// quote blanks a quoted line: one whose text starts with ">".
func quote(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '>' {
		return i, false
	}
	end := i + 1
	for end < len(b) && b[end] != '\n' {
		end++
	}
	markup.Spaces(b, i+1, end)
	return end, true
}
