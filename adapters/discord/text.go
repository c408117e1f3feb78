package discord

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Discord's limits, from its developer documentation. Lengths are
// counted in UTF-16 code units, which is what Discord's JavaScript counts
// and never fewer than the characters, so a text within them is within
// Discord's.
const (
	maxContent     = 2000
	maxTitle       = 256
	maxDescription = 4096
	maxFields      = 25
	maxFieldName   = 256
	maxFieldValue  = 1024
	maxFooter      = 2048
	maxEmbedTotal  = 6000
	maxRows        = 5
	maxButtons     = 5
	maxCustomID    = 100
	maxLabel       = 80
	maxChoices     = 25
	maxChoiceName  = 100
	maxChoiceValue = 100
	maxURL         = 2000 // Discord rejects longer embed URLs
	maxButtonURL   = 512  // and longer link buttons' URLs (the whole message with them)
	maxCommandDesc = 100
)

const ellipsis = "…"

// textLen is the length Discord counts.
func textLen(s string) int {
	if !utf8.ValidString(s) {
		n := 0
		for _, r := range s {
			n += utf16.RuneLen(r) // U+FFFD for each invalid byte: 1
		}
		return n
	}
	// In valid UTF-8 every character starts with a non-continuation byte,
	// and only four-byte characters take two UTF-16 units.
	n := 0
	for i := 0; i < len(s); i++ {
		if b := s[i]; b&0xC0 != 0x80 {
			n++
			if b >= 0xF0 {
				n++
			}
		}
	}
	return n
}

// cut shortens s to at most n units, ending at a grapheme boundary with
// "…" when anything was dropped, so no emoji, flag or accented letter is
// split in half.
func cut(s string, n int) string {
	if textLen(s) <= n {
		return s
	}
	if n < 1 {
		return ""
	}
	budget := n - 1 // the ellipsis is one unit
	used, end := 0, 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		l := textLen(g.Str())
		if used+l > budget {
			break
		}
		used += l
		_, end = g.Positions()
	}
	out := strings.TrimRightFunc(s[:end], unicode.IsSpace)
	// A cut between a backslash and the character it escapes would leave
	// the backslash escaping the ellipsis instead; drop it.
	if trailingBackslashes(out)%2 == 1 {
		out = out[:len(out)-1]
	}
	return out + ellipsis
}

func trailingBackslashes(s string) int {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n
}

// sanitize makes text from a user or a glossary file safe to send: valid
// UTF-8, no control characters other than newlines (when multiline), no
// bidirectional overrides that could make a line read backwards, and no
// spaces at the edges.
func sanitize(s string, multiline bool) string {
	if clean(s, multiline) {
		return strings.TrimSpace(s) // the common case: nothing to copy
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' && multiline:
			b.WriteRune(r)
		case r == '\n' || r == '\t' || r == '\r':
			b.WriteByte(' ')
		case unicode.IsControl(r), isBidiControl(r):
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// clean reports whether sanitize would leave s as it is, but for spaces at
// the edges.
func clean(s string, multiline bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return cleanRunes(s[i:], multiline)
		}
		if c < 0x20 && !(c == '\n' && multiline) || c == 0x7f {
			return false
		}
	}
	return true
}

func cleanRunes(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == '\n' && multiline {
			continue
		}
		if r < 0x20 || r == 0x7f || r >= 0x80 && (unicode.IsControl(r) || isBidiControl(r)) {
			return false
		}
	}
	return true
}

func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') || r == '\u200E' || r == '\u200F' || r == '\u061C'
}

// escape sanitizes s and makes it literal in Discord markdown: markdown
// characters are backslash-escaped and @everyone/@here get a zero-width
// space so they render as plain words. allowed_mentions already stops
// every ping; this also stops the text from looking like one, and
// <@id>, <@&role> and <#channel> show as typed.
func escape(s string, multiline bool) string {
	s = sanitize(s, multiline)
	// Every character escaped is ASCII, so a byte loop copying the runs
	// between them is enough (UTF-8 continuation bytes are never ASCII).
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		var insert string
		after := false
		switch c := s[i]; c {
		case '\\', '*', '_', '~', '`', '|', '[', ']', '<', '>':
			insert = "\\"
		case '-', '#':
			// Only meaningful at the start of a line (lists, headings);
			// escaping every hyphen would clutter "mesa-optimization".
			if i == 0 || s[i-1] == '\n' {
				insert = "\\"
			}
		case '@':
			if rest := s[i+1:]; strings.HasPrefix(rest, "everyone") || strings.HasPrefix(rest, "here") {
				insert, after = "\u200b", true
			}
		}
		if insert == "" {
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(s) + 16)
		}
		if after {
			b.WriteString(s[last : i+1])
			b.WriteString(insert)
		} else {
			b.WriteString(s[last:i])
			b.WriteString(insert)
			b.WriteByte(s[i])
		}
		last = i + 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// plain is for fields Discord shows without markdown (button labels,
// autocomplete names): sanitized, one line, cut to n.
func plain(s string, n int) string {
	return cut(sanitize(s, false), n)
}

// safeURL returns u when it is an absolute http(s) URL Discord will
// accept in an embed or a link button, or "".
func safeURL(u string) string {
	if u == "" || len(u) > maxURL || strings.ContainsAny(u, " \t\r\n<>\"") || !utf8.ValidString(u) {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil {
		return ""
	}
	s := p.String()
	if len(s) > maxURL {
		return ""
	}
	return s
}

// linkURL is safeURL made safe inside markdown's (…): parentheses would end
// the link early, and an @ would make the link text look like a mention.
func linkURL(u string) string {
	u = safeURL(u)
	if strings.ContainsAny(u, "()@") {
		u = strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(u, "(", "%28"), ")", "%29"), "@", "%40")
	}
	return u
}
