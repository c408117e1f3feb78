package slack

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"refbot/glossary"
	"refbot/glossary/data"
)

func embeddedGlossary(t testing.TB) *glossary.Glossary {
	t.Helper()
	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// markupCases are messages as Slack's Events API sends them (&, < and >
// escaped) and the entries the core should link once the markup is
// blanked. Traps: mentions and links whose labels name terms, a mention
// between the two words of a name, quotes, code, emoji shortcodes named
// after terms, and text a person typed in angle brackets.
var markupCases = []struct {
	msg  string
	want string // entry ids, space-separated
}{
	{"isn't this just deceptive alignment?", "deceptive-alignment"},
	{"<@U123ABC> mentioned reward hacking", "reward-hacking"},
	{"<@U123ABC|ada> what about inner alignment?", "inner-alignment"},
	{"deceptive <@U123ABC> alignment", ""}, // a mention is not a space
	{"<#C024BE91L|inner-alignment> is the channel", ""},
	{"<#C024BE91L> is for outer alignment", "outer-alignment"},
	{"<!here> deceptive alignment", "deceptive-alignment"},
	{"<!subteam^S0123|@alignment-team> on reward hacking", "reward-hacking"},
	{"<!date^1392734382^{date_short}|Feb 18> sharp left turn", "sharp-left-turn"},
	{"read <https://example.org/x|deceptive alignment> please", ""},
	{"read <https://example.org/deceptive-alignment> please", ""},
	{"<https://example.org/reward-hacking|reward hacking> vs reward hacking", "reward-hacking"},
	{"<mailto:a@example.org|reward hacking> wrote", ""},
	{"`deceptive alignment` in code does not count", ""},
	{"```\ninner alignment\n```\nbut outer alignment does", "outer-alignment"},
	{"```inner alignment``` but outer alignment does", "outer-alignment"},
	{"```\nan unclosed block about inner alignment", ""},
	{"a lone ` backtick before deceptive alignment", "deceptive-alignment"},
	{"`a &lt; b` and reward hacking", "reward-hacking"},
	{"&gt; deceptive alignment is real\nI disagree", ""},
	{"  &gt; an indented quote on inner alignment", ""},
	{"quoted:\n&gt; sharp left turn\nreply: treacherous turn", "treacherous-turn"},
	{"&gt;&gt;&gt; deceptive alignment\nstill quoted: inner alignment", ""},
	{"inner alignment &gt; outer alignment", "inner-alignment outer-alignment"}, // > mid-line is no quote
	{"R&amp;D on reward hacking", "reward-hacking"},
	{"deceptive &amp; alignment", ""},
	{"&lt;@U1&gt; typed by hand, then deceptive alignment", "deceptive-alignment"},
	{"&lt;deceptive alignment&gt; in brackets is text", "deceptive-alignment"},
	{"&amp;lt; is not an escape twice: inner alignment", "inner-alignment"},
	{":reward-hacking: lol", ""}, // a custom emoji named after a term
	{":paperclip: paperclip maximiser", "paperclip-maximizer"},
	{"nice :wave::skin-tone-2: corrigibility", "corrigibility"},
	{"at 10:30: inner alignment", "inner-alignment"},
	{"re: inner alignment: thoughts", "inner-alignment"},
	{"*deceptive alignment* in bold, _inner alignment_ in italics", "deceptive-alignment inner-alignment"},
	{"~reward hacking~ struck out", "reward-hacking"},
	{"what is [[mesa optimisation]]?", "mesa-optimization"},
	{"`[[inner alignment]]` in code is no request", ""},
	{"<https://example.org/[[elk]]|x> in a link is no request", ""},
	{"https://example.org/deceptive-alignment bare, as a bot might send it", ""},
}

func TestBlankMarkupQuality(t *testing.T) {
	g := embeddedGlossary(t)
	for _, c := range markupCases {
		plain := blankMarkup(c.msg)
		if len(plain) != len(c.msg) {
			t.Fatalf("blankMarkup(%q) = %q: %d bytes, want %d", c.msg, plain, len(plain), len(c.msg))
		}
		var got []string
		for _, m := range g.Scan(plain) {
			got = append(got, m.Entry.ID)
			if c.msg[m.Start:m.End] != m.Text {
				t.Errorf("%q: offsets [%d,%d] hold %q in the message, not %q", c.msg, m.Start, m.End, c.msg[m.Start:m.End], m.Text)
			}
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("Scan(blankMarkup(%q)) = %q, want %q (plain text %q)", c.msg, strings.Join(got, " "), c.want, plain)
		}
	}
}

func TestBlankMarkup(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"no markup", "no markup"},
		{"<@U1> hi", "<   > hi"},
		{"a <https://x|label> b", "a <" + strings.Repeat(" ", 15) + "> b"},
		{"R&amp;D &lt;3 &gt;", "R&    D <   3 >   "},
		{"&gt; quoted\nnot", ">          \nnot"},
		{"&gt;&gt;&gt; all\nof it", ">" + strings.Repeat(" ", 15) + "\n     "},
		{"`x` ```\ny\n```", "` ` ```\n \n```"},
		{":tada::+1: x", ":    ::  : x"},
		{"<unclosed\n<@U1>", "<unclosed\n<   >"},
		{"&amp;lt;", "&    lt;"},
	} {
		if got := blankMarkup(c.in); got != c.want {
			t.Errorf("blankMarkup(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzBlankMarkup: for any text, the plain text is as long as the
// message, valid UTF-8 wherever the message was, changed only where markup
// or an escape was, and every name the core finds in it is there, byte for
// byte, in the message.
func FuzzBlankMarkup(f *testing.F) {
	for _, c := range markupCases {
		f.Add(c.msg)
	}
	for _, s := range []string{"<", "<@", "<https://x|", "&", "&gt", "&gt;", "&gt;&gt;", "```", "`", "::", ":a", "\n&gt;", "é<@U1>é", "\xff<\xfe>", "&\xe2\x80", ":é:"} {
		f.Add(s)
	}
	g := embeddedGlossary(f)
	f.Fuzz(func(t *testing.T, msg string) {
		plain := blankMarkup(msg)
		if len(plain) != len(msg) {
			t.Fatalf("blankMarkup(%q) = %q: %d bytes, want %d", msg, plain, len(plain), len(msg))
		}
		if utf8.ValidString(msg) && !utf8.ValidString(plain) {
			t.Fatalf("blankMarkup(%q) = %q, not valid UTF-8", msg, plain)
		}
		for i := 0; i < len(msg); i++ {
			if c := plain[i]; c != msg[i] && c != ' ' && !(msg[i] == '&' && strings.IndexByte("&<>", c) >= 0) {
				t.Fatalf("blankMarkup(%q) = %q: byte %d is %q, want %q, a space or a decoded escape", msg, plain, i, c, msg[i])
			}
		}
		for _, m := range g.Scan(plain) {
			if msg[m.Start:m.End] != m.Text {
				t.Fatalf("blankMarkup(%q): the core found %q at %d-%d, where the message has %q", msg, m.Text, m.Start, m.End, msg[m.Start:m.End])
			}
		}
	})
}

// slackChat is chat-like text as Slack sends it: mentions, links, code,
// a quote, emoji and escapes among everyday lines.
func slackChat(n int) string {
	lines := []string{
		"hey all, reading group is moved to thursday this week :calendar:",
		"did anyone finish the paper? I got stuck on section 3",
		"can someone share the slides from last time <@U024BE7LH>",
		"here you go <https://example.org/slides/week-4.pdf|week 4 slides>",
		"thanks! also the `train.py` script crashes on my machine",
		"&gt; the model learns a proxy objective\nright, that's the goal misgeneralization example",
		"isn't this just deceptive alignment with extra steps? R&amp;D on it is slow",
		"what did people think of the RLHF section? <#C024BE91L|reading-group>",
		"the sharp left turn post is long but readable :+1:",
	}
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString(lines[i%len(lines)])
		b.WriteByte('\n')
	}
	return b.String()[:n]
}

// BenchmarkBlankMarkup is the adapter's share of auto-linking a message:
// blanking alone, then blanking and Scan together, beside Scan of the raw
// text in the same run (what it cost before the adapter blanked).
func BenchmarkBlankMarkup(b *testing.B) {
	g := embeddedGlossary(b)
	for _, size := range []int{400, 4000} {
		msg := slackChat(size)
		for _, bm := range []struct {
			name string
			fn   func()
		}{
			{"blank", func() { blankMarkup(msg) }},
			{"blank+scan", func() { g.Scan(blankMarkup(msg)) }},
			{"scan-raw", func() { g.Scan(msg) }},
		} {
			b.Run(fmt.Sprintf("%dB/%s", size, bm.name), func(b *testing.B) {
				b.SetBytes(int64(len(msg)))
				b.ReportAllocs()
				for b.Loop() {
					bm.fn()
				}
			})
		}
	}
}
