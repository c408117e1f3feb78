package shell_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"refbot/adapters/shell"
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

// markupCases are lines typed at the console (or messages given to
// refbot scan) and the entries the core should link. A terminal has no
// platform markup: a pasted mention is text.
var markupCases = []struct {
	msg  string
	want string // entry ids, space-separated
}{
	{"isn't this just deceptive alignment?", "deceptive-alignment"},
	{"`deceptive alignment` in code does not count", ""},
	{"```\ninner alignment\n```\nbut outer alignment does", "outer-alignment"},
	{"```\nan unclosed block about inner alignment", ""},
	{"a lone ` backtick before deceptive alignment", "deceptive-alignment"},
	{"> deceptive alignment is real\nI disagree", ""},
	{">deceptive alignment, quoted without a space", ""},
	{"quoted:\n> sharp left turn\nreply: treacherous turn", "treacherous-turn"},
	{"inner alignment > outer alignment", "inner-alignment outer-alignment"},
	{"<@U123> reward hacking", "reward-hacking"},
	{"&gt; is text at the console: inner alignment", "inner-alignment"},
	{"what is [[mesa optimisation]]?", "mesa-optimization"},
	{"`[[inner alignment]]` in code is no request", ""},
	{"read https://example.org/deceptive-alignment please", ""},
}

func TestBlankMarkupQuality(t *testing.T) {
	g := embeddedGlossary(t)
	for _, c := range markupCases {
		plain := shell.BlankMarkup(c.msg)
		if len(plain) != len(c.msg) {
			t.Fatalf("BlankMarkup(%q) = %q: %d bytes, want %d", c.msg, plain, len(plain), len(c.msg))
		}
		var got []string
		for _, m := range g.Scan(plain) {
			got = append(got, m.Entry.ID)
			if c.msg[m.Start:m.End] != m.Text {
				t.Errorf("%q: offsets [%d,%d] hold %q in the message, not %q", c.msg, m.Start, m.End, c.msg[m.Start:m.End], m.Text)
			}
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("Scan(BlankMarkup(%q)) = %q, want %q (plain text %q)", c.msg, strings.Join(got, " "), c.want, plain)
		}
	}
}

// FuzzBlankMarkup: for any text, the plain text is as long, valid UTF-8
// wherever the text was, changed only to spaces, and every name the core
// finds in it is there, byte for byte, in the text.
func FuzzBlankMarkup(f *testing.F) {
	for _, c := range markupCases {
		f.Add(c.msg)
	}
	for _, s := range []string{"`", "``", "```", "````", ">", "\n>", " >é", "`\xff`", "```\xe2\x80"} {
		f.Add(s)
	}
	g := embeddedGlossary(f)
	f.Fuzz(func(t *testing.T, msg string) {
		plain := shell.BlankMarkup(msg)
		if len(plain) != len(msg) {
			t.Fatalf("BlankMarkup(%q) = %q: %d bytes, want %d", msg, plain, len(plain), len(msg))
		}
		if utf8.ValidString(msg) && !utf8.ValidString(plain) {
			t.Fatalf("BlankMarkup(%q) = %q, not valid UTF-8", msg, plain)
		}
		for i := 0; i < len(msg); i++ {
			if plain[i] != msg[i] && plain[i] != ' ' {
				t.Fatalf("BlankMarkup(%q) = %q: byte %d is %q, want %q or a space", msg, plain, i, plain[i], msg[i])
			}
		}
		for _, m := range g.Scan(plain) {
			if msg[m.Start:m.End] != m.Text {
				t.Fatalf("BlankMarkup(%q): the core found %q at %d-%d, where the text has %q", msg, m.Text, m.Start, m.End, msg[m.Start:m.End])
			}
		}
	})
}

func ExampleBlankMarkup() {
	fmt.Printf("%q\n", shell.BlankMarkup("see `inner alignment`\n> quoted words\nmine"))
	// Output:
	// "see `               `\n>             \nmine"
}
