package slack

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		enc  func(string) string
		want string
	}{
		{"fits", "hello", 5, escape, "hello"},
		{"cut", "hello world", 6, escape, "hello…"},
		{"escape counted and never split", "a&b", 5, escape, "a…"},
		{"escape kept whole", "a&bc", 7, escape, "a&amp;…"},
		{"combining mark stays with its letter", "e\u0301e\u0301e\u0301", 3, verbatim, "e\u0301…"},
		{"flag not split", "🇬🇧🇫🇷", 3, verbatim, "🇬🇧…"},
		{"ZWJ family not split", "👩‍👩‍👧x", 5, verbatim, "…"},
		{"zero", "abc", 0, verbatim, ""},
		{"one", "abc", 1, verbatim, "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fit(tt.in, tt.max, tt.enc)
			if got != tt.want {
				t.Errorf("fit(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > tt.max {
				t.Errorf("%d characters, limit %d", n, tt.max)
			}
		})
	}
}

func TestCleanDefuseInert(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"controls dropped, tab to space", clean("a\x00b\tc\x1b\u0085d", false), "ab cd"},
		{"newline kept", clean("a\nb", false), "a\nb"},
		{"newline on one line", clean("a\r\nb", true), "a  b"},
		{"bidi dropped", clean("\u202Eabc\u202C\u2066d\u2069\u200F", false), "abcd"},
		{"invalid UTF-8 replaced", clean("a\xffb", false), "a\uFFFDb"},
		{"@here defused", defuse("hi @here and @Channel, @everyone!"), "hi @\u2060here and @\u2060Channel, @\u2060everyone!"},
		{"other @ untouched", defuse("mail a@b.c @herefordshire"), "mail a@b.c @\u2060herefordshire"},
		{"escape", escape("<!channel> & <@U1>"), "&lt;!channel&gt; &amp; &lt;@U1&gt;"},
		{"inert plain text", inert("<!here> <@U1> <#C1> a<b"), "<\u2060!here> <\u2060@U1> <\u2060#C1> a<b"},
		{"unescape Slack's entities", unescapeSlack("a &lt;b&gt; &amp;lt; &amp;"), "a <b> &lt; &"},
		{"plain line", plainLine("a\nb <!here>", 75), "a b <\u2060!here>"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestLinkURL(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"https://arxiv.org/abs/1906.01820", "https://arxiv.org/abs/1906.01820", true},
		{"https://x.org/?a=1&b=2", "https://x.org/?a=1&amp;b=2", true},
		{"https://x.org/a|b>c<d", "https://x.org/a%7Cb%3Ec%3Cd", true},
		{"javascript:alert(1)", "", false},
		{"https://x.org/a b", "", false},
		{"ftp://x.org", "", false},
		{"https://x.org/\u202Eevil", "", false},
		{"https://x.org/\u00a0", "", false},
		{"https://x.org/\xff", "", false},
		{"https://x.org/ünï", "https://x.org/ünï", true},
		{"https://" + strings.Repeat("a", maxURL), "", false},
	}
	for _, tt := range tests {
		got, ok := linkURL(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("linkURL(%.40q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestMentionText(t *testing.T) {
	e := newEnv(t, ModeHTTP, false)
	tests := []struct{ in, after, whole string }{
		{"<@UREFBOT> define x", "define x", "define x"},
		{"<@UREFBOT|refbot>   define x", "define x", "define x"},
		{"  <@UREFBOT> <@UREFBOT> help", "help", "help"},
		{"<@UOTHER> define x", "", "define x"},
		{"<@UOTHER> <@UREFBOT> define x", "define x", "define x"},
		{"<@UREFBOT> <@UOTHER> define ELK", "define ELK", "define ELK"},
		{"hey <@UREFBOT> define x", "define x", "hey   define x"},
		{"what is x, <@UREFBOT>?", "?", "what is x,  ?"},
		{"<!here> <!subteam^S1|@team> <@UREFBOT> define x", "define x", "define x"},
		{"<@UREFBOT> define &lt;!here&gt; <#C1|general>", "define <!here> <#C1|general>", "define <!here> <#C1|general>"},
		{"<@UREFBOT", "", "<@UREFBOT"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if after, whole := e.ws().mentionText(tt.in); after != tt.after || whole != tt.whole {
			t.Errorf("mentionText(%q) = %q, %q; want %q, %q", tt.in, after, whole, tt.after, tt.whole)
		}
	}
}

// Commands are written as Slack types them: only /define has a slash
// command of its own, the rest hang under /refbot.
func TestInvocation(t *testing.T) {
	for name, want := range map[string]string{"define": "/define", "search": "/refbot search", "autolink": "/refbot autolink", "help": "/refbot help"} {
		if got := invocation(name); got != want {
			t.Errorf("invocation(%q) = %q, want %q", name, got, want)
		}
	}
}
