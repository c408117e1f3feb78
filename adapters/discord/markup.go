package discord

import (
	"bytes"
	"strings"

	"refbot/adapters/markup"
)

// blankMarkup turns a Discord message's content into the plain text the
// core scans for glossary terms. Discord's markup is blanked in place, so
// the result is exactly as long as content and an offset into one is an
// offset into the other:
//
//   - tags: <@1> <@!1> <@&1> (people, roles), <#1> (channels), <:name:1>
//     and <a:name:1> (custom emoji), <t:1700000000:R> (timestamps),
//     </name:1> (commands), <id:browse> (server guide), and <https://…>
//     (a link without a preview);
//   - code: a run of backticks up to the next run of the same length, so
//     `code`, “a ` inside” and ```blocks``` (an unclosed ``` runs
//     to the end: pasted code, most likely; a lone ` is a character);
//   - quotes: a line that starts with "> ", and everything after ">>> ";
//   - ||spoilers||, which a link would give away;
//   - masked links, [label](https://…).
//
// A backslash escapes the punctuation after it (\` is a backtick, not
// code). Delimiters stay and what they enclose becomes spaces, line
// breaks kept: the core sees punctuation where markup was, and no
// glossary name can run across it. Discord does not escape &, < or >, so
// "&gt;" is just text here.
func blankMarkup(content string) string {
	return discordMarkup.Blank(content)
}

// discordMarkup is read only.
var discordMarkup = markup.New("<`>|[\\", quote, map[byte]markup.Rule{
	'\\': skipEscape,
	'`':  blankCode,
	'<':  blankTag,
	'|':  blankSpoiler,
	'[':  blankMaskedLink,
})

// skipEscape steps over a backslash and the punctuation it escapes.
func skipEscape(b []byte, i int) int {
	if i+1 < len(b) && isPunct(b[i+1]) {
		return i + 2
	}
	return i + 1
}

// blankSpoiler blanks a ||spoiler|| at b[i], keeping the bars; bars
// that open none are text.
func blankSpoiler(b []byte, i int) int {
	if !markup.HasPrefix(b[i:], "||") {
		return i + 1
	}
	start := i + 2
	j := bytes.Index(b[start:], []byte("||"))
	if j < 0 {
		return start
	}
	markup.Spaces(b, start, start+j)
	return start + j + 2
}

// quote blanks a block quote at b[i], where a line's text begins: "> "
// quotes the line, ">>> " the rest of the message. It returns where to
// go on.
func quote(b []byte, i int) (int, bool) {
	end := 0
	switch {
	case markup.HasPrefix(b[i:], ">>> "):
		end = len(b)
	case markup.HasPrefix(b[i:], "> "):
		end = i + 2
		for end < len(b) && b[end] != '\n' {
			end++
		}
	default:
		return i, false
	}
	markup.Spaces(b, i+1, end)
	return end, true
}

// blankCode blanks the code span that starts with the run of backticks
// at b[i], keeping the backticks.
func blankCode(b []byte, i int) int {
	n := i
	for n < len(b) && b[n] == '`' {
		n++
	}
	run := n - i
	for j := n; j < len(b); {
		if b[j] != '`' {
			j++
			continue
		}
		k := j
		for k < len(b) && b[k] == '`' {
			k++
		}
		if k-j == run {
			markup.Spaces(b, n, j)
			return k
		}
		j = k
	}
	if run >= 3 {
		markup.Spaces(b, n, len(b))
		return len(b)
	}
	return n
}

// maxTag bounds a <…> tag: ids are at most 20 digits, names 32 to 100
// characters, a URL far longer.
const maxTag = 2048

// blankTag blanks a Discord tag at b[i], keeping its brackets. Anything
// else that starts with "<" is text.
func blankTag(b []byte, i int) int {
	end := -1
	for j := i + 1; j < len(b) && j < i+maxTag; j++ {
		if b[j] == '>' {
			end = j
			break
		}
		if b[j] == '<' || b[j] == '\n' {
			break
		}
	}
	if end < 0 || !isTag(string(b[i+1:end])) {
		return i + 1
	}
	markup.Spaces(b, i+1, end)
	return end + 1
}

// isTag reports whether s, the text between < and >, is one of Discord's
// tags.
func isTag(s string) bool {
	switch {
	case strings.HasPrefix(s, "@!"), strings.HasPrefix(s, "@&"):
		return isDigits(s[2:])
	case strings.HasPrefix(s, "@"), strings.HasPrefix(s, "#"):
		return isDigits(s[1:])
	case strings.HasPrefix(s, ":"), strings.HasPrefix(s, "a:"):
		_, rest, _ := strings.Cut(s, ":")
		name, id, ok := strings.Cut(rest, ":")
		return ok && name != "" && !strings.ContainsAny(name, " \t") && isDigits(id)
	case strings.HasPrefix(s, "t:"):
		ts, style, _ := strings.Cut(strings.TrimPrefix(s[2:], "-"), ":")
		return isDigits(ts) && len(style) <= 1
	case strings.HasPrefix(s, "/"):
		name, id, ok := strings.Cut(s[1:], ":")
		return ok && name != "" && isDigits(id)
	case strings.HasPrefix(s, "id:"):
		return len(s) > 3 && !strings.ContainsAny(s, " \t")
	case strings.HasPrefix(s, "https://"), strings.HasPrefix(s, "http://"):
		return !strings.ContainsAny(s, " \t")
	}
	return false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// maxMaskedLabel bounds a masked link's label, so a line of "[" costs little.
const maxMaskedLabel = 512

// blankMaskedLink blanks [label](https://…) at b[i], keeping "[" and ")".
func blankMaskedLink(b []byte, i int) int {
	label := -1 // index of "]"
	for j := i + 1; j < len(b) && j <= i+1+maxMaskedLabel; j++ {
		if c := b[j]; c == ']' {
			label = j
			break
		} else if c == '[' || c == '\n' {
			return i + 1
		}
	}
	if label < 0 {
		return i + 1
	}
	rest := b[label+1:]
	if !markup.HasPrefix(rest, "(https://") && !markup.HasPrefix(rest, "(http://") {
		return i + 1
	}
	end := bytes.IndexAny(rest, ") \n")
	if end < 0 || rest[end] != ')' {
		return i + 1
	}
	end += label + 1 // index of ")"
	markup.Spaces(b, i+1, end)
	return end + 1
}

// isPunct reports whether a backslash before c escapes it, as Markdown
// escapes ASCII punctuation.
func isPunct(c byte) bool {
	return c > ' ' && c < 0x7f && !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')
}
