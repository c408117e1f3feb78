package slack

import "refbot/adapters/markup"

// blankMarkup turns the text of a Slack message, as the Events API sends
// it, into the plain text the core scans for glossary terms. Slack's
// markup is blanked and its escapes decoded in place, so the result is
// exactly as long as text and an offset into one is an offset into the
// other:
//
//   - <…> spans (<@U1>, <#C1|general>, <!here>, <https://x|label>,
//     <mailto:…|label>, <!date^…|fallback>): in Slack's own text a "<"
//     typed by a person arrives as &lt;, so every "<" opens markup;
//   - `code` and ```preformatted``` text (an unclosed ``` runs to the
//     end: pasted code, most likely);
//   - quotes: a line that starts with &gt;, and everything after &gt;&gt;&gt;;
//   - emoji shortcodes (:thumbsup:, custom ones like :reward-hacking:);
//   - &amp;, &lt; and &gt; become the character followed by spaces.
//
// Delimiters stay ("<", ">", "`", ":") and what they enclose becomes
// spaces, line breaks kept: the core sees punctuation where markup was,
// and no glossary name can run across it.
func blankMarkup(text string) string {
	return slackMarkup.Blank(text)
}

// slackMarkup is read only.
var slackMarkup = markup.New("<`&:", slackQuote, map[byte]markup.Rule{
	'`': markup.Code,
	'<': blankAngle,
	'&': decodeEntity,
	':': blankEmoji,
})

// slackQuote blanks a quote at b[i:], where a line's text begins: "&gt;"
// quotes the line, "&gt;&gt;&gt;" the rest of the message. It returns
// where to go on.
func slackQuote(b []byte, i int) (int, bool) {
	const gt = "&gt;"
	if !markup.HasPrefix(b[i:], gt) {
		return i, false
	}
	end := len(b)
	if !markup.HasPrefix(b[i+len(gt):], gt+gt) {
		end = i + len(gt)
		for end < len(b) && b[end] != '\n' {
			end++
		}
	}
	b[i] = '>'
	markup.Spaces(b, i+1, end)
	return end, true
}

// maxAngle bounds how far a <…> span may run (Slack caps a link's URL
// and label well below it).
const maxAngle = 4096

// blankAngle blanks a <…> span at b[i], keeping its brackets. A "<" with
// no ">" on its line is left as it is.
func blankAngle(b []byte, i int) int {
	for j := i + 1; j < len(b) && j < i+maxAngle; j++ {
		switch b[j] {
		case '>':
			markup.Spaces(b, i+1, j)
			return j + 1
		case '\n', '<':
			return i + 1
		}
	}
	return i + 1
}

// decodeEntity decodes Slack's escape at b[i] in place, padding with
// spaces: "&lt;" becomes "<   ". Anything else is an ordinary "&".
func decodeEntity(b []byte, i int) int {
	for _, e := range [...]struct {
		name string
		c    byte
	}{{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}} {
		if markup.HasPrefix(b[i:], e.name) {
			b[i] = e.c
			markup.Spaces(b, i+1, i+len(e.name))
			return i + len(e.name)
		}
	}
	return i + 1
}

// maxEmojiName bounds an emoji shortcode's name.
const maxEmojiName = 100

// blankEmoji blanks an emoji shortcode at b[i] (":tada:", ":+1:",
// ":skin-tone-2:"): lower-case letters, digits and - _ + between two
// colons. Slack sends every emoji, custom ones too, this way.
func blankEmoji(b []byte, i int) int {
	for j := i + 1; j < len(b) && j <= i+1+maxEmojiName; j++ {
		c := b[j]
		switch {
		case c == ':' && j > i+1:
			markup.Spaces(b, i+1, j)
			return j // the closing colon may open the next shortcode
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_', c == '+':
		default:
			return i + 1
		}
	}
	return i + 1
}
