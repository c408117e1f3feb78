package slack

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"github.com/slack-go/slack/slackutilsx"
)

// ellipsis marks text refbot had to cut.
const ellipsis = "…"

// clean makes text from a user or a glossary file safe to place in any
// Slack text field: valid UTF-8, no control characters (tabs become
// spaces; newlines stay unless oneLine), and no bidirectional overrides or
// isolates, which could visually reorder the markup around them.
func clean(s string, oneLine bool) string {
	if isPlainASCII(s, oneLine) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' && !oneLine:
			b.WriteByte('\n')
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case unicode.IsControl(r), isBidiControl(r):
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isPlainASCII(s string, oneLine bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' && !oneLine {
			continue
		}
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

func isBidiControl(r rune) bool {
	switch {
	case r == 0x061C, r == 0x200E, r == 0x200F:
		return true
	case r >= 0x202A && r <= 0x202E:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// wordJoiner is invisible; placed after "@" or "<" it stops Slack from
// reading what follows as a mention.
const wordJoiner = "\u2060"

// defuse breaks "@here", "@channel" and "@everyone" with an invisible
// word joiner. refbot never sets link_names and marks mrkdwn verbatim, so
// Slack should not parse them anyway; this is defence in depth.
func defuse(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '@')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+1])
		s = s[i+1:]
		// The plain-text forms Slack can turn into a channel-wide notification.
		for _, w := range [...]string{"here", "channel", "everyone"} {
			if len(s) >= len(w) && strings.EqualFold(s[:len(w)], w) {
				b.WriteString(wordJoiner)
				break
			}
		}
	}
}

// escape prepares user or glossary text for mrkdwn and the message text
// field: only &, < and > are escaped (as Slack asks), so typed
// <!channel>, <!here> or <@U123> show as text and ping nobody.
func escape(s string) string { return slackutilsx.EscapeMessage(s) }

// inert keeps text for a plain_text object (header, button, option)
// harmless. Slack parses neither mentions nor entities there, so it is not
// escaped; a word joiner after "<" keeps even a pasted "<!here>" inert.
func inert(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	for _, m := range []string{"<!", "<@", "<#"} {
		s = strings.ReplaceAll(s, m, "<"+wordJoiner+m[1:])
	}
	return s
}

func verbatim(s string) string { return s }

// fit returns enc(s) in at most max characters. When it is too long it is
// cut at a grapheme boundary and ends with "…"; because each grapheme is
// encoded on its own, a cut never falls inside an escape such as &amp;.
func fit(s string, max int, enc func(string) string) string {
	out := enc(s)
	if len(out) <= max || utf8.RuneCountInString(out) <= max { // bytes bound characters
		return out
	}
	if max < 1 {
		return ""
	}
	var b strings.Builder
	budget, state := max-1, -1
	for s != "" {
		var cluster string
		cluster, s, _, state = uniseg.FirstGraphemeClusterInString(s, state)
		e := enc(cluster)
		n := utf8.RuneCountInString(e)
		if n > budget {
			break
		}
		budget -= n
		b.WriteString(e)
	}
	b.WriteString(ellipsis)
	return b.String()
}

// mrkdwn is user or glossary text cleaned, defused, escaped and cut for
// mrkdwn or a message's text.
func mrkdwn(s string, max int) string {
	return fit(defuse(clean(s, false)), max, escape)
}

// mrkdwnLine is mrkdwn on one line.
func mrkdwnLine(s string, max int) string {
	return fit(defuse(clean(s, true)), max, escape)
}

// plainLine is text cleaned and cut for a one-line plain_text object.
func plainLine(s string, max int) string {
	return fit(inert(defuse(clean(s, true))), max, verbatim)
}

// unescapeSlack undoes Slack's escaping of &, < and > in text a user
// typed, so lookups see what the user wrote. One pass, left to right:
// "&amp;lt;" becomes "&lt;", not "<".
func unescapeSlack(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '&' {
			switch rest := s[i:]; {
			case strings.HasPrefix(rest, "&lt;"):
				b.WriteByte('<')
				i += len("&lt;") - 1
				continue
			case strings.HasPrefix(rest, "&gt;"):
				b.WriteByte('>')
				i += len("&gt;") - 1
				continue
			case strings.HasPrefix(rest, "&amp;"):
				b.WriteByte('&')
				i += len("&amp;") - 1
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// linkURL makes a URL safe inside <url|text>; ok is false for anything
// but http(s), which is then shown as text, not a link.
func linkURL(u string) (string, bool) {
	if !(strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) || len(u) > maxURL {
		return "", false
	}
	if !utf8.ValidString(u) {
		return "", false
	}
	for _, r := range u {
		if r <= ' ' || unicode.IsControl(r) || unicode.IsSpace(r) || isBidiControl(r) {
			return "", false
		}
	}
	if !strings.ContainsAny(u, "&<>|") {
		return u, true
	}
	var b strings.Builder
	b.Grow(len(u) + 8)
	for i := 0; i < len(u); i++ {
		switch c := u[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("%3C")
		case '>':
			b.WriteString("%3E")
		case '|': // would end the URL inside <url|text>
			b.WriteString("%7C")
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}
