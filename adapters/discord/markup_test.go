package discord

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
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

// markupCases are message contents as the gateway sends them and the
// entries the core should link once the markup is blanked. Traps: custom
// emoji named after terms, a mention between the two words of a name,
// spoilers, masked links, quotes that need a space, escaped backticks,
// code fenced with longer runs, and Slack's syntax, which is text here.
var markupCases = []struct {
	msg  string
	want string // entry ids, space-separated
}{
	{"isn't this just deceptive alignment?", "deceptive-alignment"},
	{"<@123456789012345678> talks about scheming", ""}, // Scheming is in no_autolink (everyday word)
	{"<@123456789012345678> talks about deceptive alignment", "deceptive-alignment"},
	{"<@!123456789012345678> and <@&222222222222222222> on inner alignment", "inner-alignment"},
	{"deceptive <@123456789012345678> alignment", ""}, // a mention is not a space
	{"<#123456789012345678> is for outer alignment", "outer-alignment"},
	{"<:superintelligence:123456> emoji", ""},
	{"<a:reward_hacking:123456> animated emoji", ""},
	{"<:inner alignment:1> is not an emoji name", "inner-alignment"},
	{"<t:1700000000:R> we discuss inner alignment", "inner-alignment"},
	{"<t:1700000000> corrigibility", "corrigibility"},
	{"</define:123456789012345678> deceptive alignment", "deceptive-alignment"},
	{"</reward hacking:1> is a command mention", ""},
	{"<id:customize> then reward hacking", "reward-hacking"},
	{"<https://example.org/deceptive-alignment> without a preview", ""},
	{"<deceptive alignment> in brackets is text", "deceptive-alignment"},
	{"<@ deceptive alignment> is no mention", "deceptive-alignment"},
	{"[deceptive alignment](https://example.org/x) masked link", ""},
	{"[deceptive alignment] (not a link) and inner alignment", "deceptive-alignment inner-alignment"},
	{"[[mesa optimisation]](https://example.org) is still a request", "mesa-optimization"},
	{"`deceptive alignment` in code does not count", ""},
	{"``code with a ` inside: deceptive alignment``", ""},
	{"```go\ninner alignment\n```\nbut outer alignment does", "outer-alignment"},
	{"```\nan unclosed block about inner alignment", ""},
	{"a lone ` backtick before deceptive alignment", "deceptive-alignment"},
	{"\\`deceptive alignment\\` is escaped, not code", "deceptive-alignment"},
	{"`[[inner alignment]]` in code is no request", ""},
	{"> deceptive alignment is real\nI disagree", ""},
	{"quoted:\n> sharp left turn\nreply: treacherous turn", "treacherous-turn"},
	{">>> deceptive alignment\nstill quoted: inner alignment", ""},
	{">deceptive alignment without a space is no quote", "deceptive-alignment"},
	{"inner alignment > outer alignment", "inner-alignment outer-alignment"},
	{"||deceptive alignment|| is a spoiler", ""},
	{"||an unclosed spoiler, inner alignment", "inner-alignment"},
	{"|| reward hacking", "reward-hacking"},
	{"**deceptive alignment** in bold, __inner alignment__ underlined", "deceptive-alignment inner-alignment"},
	{"-# subtext on reward hacking", "reward-hacking"},
	{"&gt; is just text on Discord: inner alignment", "inner-alignment"},
	{"<https://example.org|deceptive alignment> is Slack's syntax", "deceptive-alignment"},
	{"what is [[mesa optimisation]]?", "mesa-optimization"},
	{"https://example.org/deceptive-alignment bare", ""},
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
		{"<@1> hi", "<  > hi"},
		{"<:e:12> <t:1:R>", "<     > <     >"},
		{"> quoted\nnot", ">       \nnot"},
		{">>> all\nof it", ">      \n     "},
		{"``a`b`` c", "``   `` c"},
		{"```\ny\n```", "```\n \n```"},
		{"||x|| [a](https://b)", "|| || [            )"},
		{"\\`x\\`", "\\`x\\`"},
		{"<b> <@x>", "<b> <@x>"},
	} {
		if got := blankMarkup(c.in); got != c.want {
			t.Errorf("blankMarkup(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzBlankMarkup: for any content, the plain text is as long as the
// message, valid UTF-8 wherever the message was, changed only to spaces,
// and every name the core finds in it is there, byte for byte, in the
// message.
func FuzzBlankMarkup(f *testing.F) {
	for _, c := range markupCases {
		f.Add(c.msg)
	}
	for _, s := range []string{"<", "<@", "<@!", "<t:", "<t:-1:R>", "</:1>", "<:a:>", "``", "```", "` `` `", "||", "|||", "[", "[](http://", "[a](https://x", "\\", ">", "> ", ">>>", "é<@1>é", "\xff<\xfe>", "||\xe2\x80||"} {
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
			if plain[i] != msg[i] && plain[i] != ' ' {
				t.Fatalf("blankMarkup(%q) = %q: byte %d is %q, want %q or a space", msg, plain, i, plain[i], msg[i])
			}
		}
		for _, m := range g.Scan(plain) {
			if msg[m.Start:m.End] != m.Text {
				t.Fatalf("blankMarkup(%q): the core found %q at %d-%d, where the message has %q", msg, m.Text, m.Start, m.End, msg[m.Start:m.End])
			}
		}
	})
}

// Through the gateway handler: markup is no mention, and a term beside a
// mention is linked.
func TestAutolinkMarkup(t *testing.T) {
	api := newFakeAPI(t)
	a, clk, _ := autolinkAdapter(t, api)
	ctx := context.Background()
	a.gatewayMessage(ctx, chatMessage("7001", linkChannel, "5000000000000000005",
		"> deceptive alignment\n`inner alignment` ||outer alignment|| <:reward_hacking:1> [corrigibility](https://example.org)"))
	if msgs, _ := posts(api); len(msgs) != 0 {
		t.Fatalf("markup only: %d replies, want none", len(msgs))
	}
	clk.Advance(time.Hour)
	a.gatewayMessage(ctx, chatMessage("7002", linkChannel, "5000000000000000005", "<@123456789012345678> what is deceptive alignment?"))
	msgs, _ := posts(api)
	if len(msgs) != 1 || !strings.Contains(string(msgs[0].Body), "Deceptive Alignment") {
		t.Fatalf("a term beside a mention: replies %v, want one linking Deceptive Alignment", msgs)
	}
}

// discordChat is chat-like content as the gateway sends it: mentions,
// custom emoji, code, a quote, a spoiler and a masked link among everyday
// lines.
func discordChat(n int) string {
	lines := []string{
		"hey all, reading group is moved to thursday this week <t:1700000000:R>",
		"did anyone finish the paper? I got stuck on section 3",
		"can someone share the slides from last time <@123456789012345678>",
		"here you go [week 4 slides](https://example.org/slides/week-4.pdf)",
		"thanks! also the `train.py` script crashes on my machine",
		"> the model learns a proxy objective\nright, that's the goal misgeneralization example",
		"isn't this just deceptive alignment with extra steps? ||it is||",
		"what did people think of the RLHF section? <#123456789012345678>",
		"the sharp left turn post is long but readable <:thumbsup:123456>",
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
// content in the same run (what it cost before the adapter blanked).
func BenchmarkBlankMarkup(b *testing.B) {
	g := embeddedGlossary(b)
	for _, size := range []int{400, 4000} {
		msg := discordChat(size)
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
