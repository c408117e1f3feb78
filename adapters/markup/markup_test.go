package markup_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"refbot/adapters/markup"
)

// A chat whose markup is `code`, *stars* and quoted lines.
func toy() *markup.Blanker {
	quote := func(b []byte, i int) (int, bool) {
		if !markup.HasPrefix(b[i:], "> ") {
			return i, false
		}
		end := i
		for end < len(b) && b[end] != '\n' {
			end++
		}
		markup.Spaces(b, i+1, end)
		return end, true
	}
	stars := func(b []byte, i int) int {
		j := strings.IndexByte(string(b[i+1:]), '*')
		if j < 0 {
			return i + 1
		}
		markup.Spaces(b, i+1, i+1+j)
		return i + 2 + j
	}
	return markup.New("`*>", quote, map[byte]markup.Rule{'`': markup.Code, '*': stars})
}

func TestBlank(t *testing.T) {
	m := toy()
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"a `b` c", "a ` ` c"},
		{"a ``` x\ny ``` z", "a ```  \n  ``` z"},
		{"open ``` runs\nto the end", "open ```     \n          "},
		{"a lone ` tick", "a lone ` tick"},
		{"`a` and `b`", "` ` and ` `"},
		{"*bold* word", "*    * word"},
		{"> quoted line\nnext", ">            \nnext"},
		{"  > indented quote", "  >               "},
		{"not > a quote", "not > a quote"},
		{"x\n> q\n*s*", "x\n>  \n* *"},
		{"é`ü`é", "é`  `é"},
	} {
		if got := m.Blank(c.in); got != c.want {
			t.Errorf("Blank(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Text with no byte that can start markup is returned as it is.
func TestBlankNoMarkupNoCopy(t *testing.T) {
	in := "nothing to blank here"
	if n := testing.AllocsPerRun(100, func() { toy().Blank(in) }); n > 1 { // the toy Blanker itself
		t.Errorf("%v allocations for plain text, want only the Blanker's", n)
	}
}

// FuzzBlank: whatever the text, the result is as long, keeps line breaks,
// and every byte is the text's own or a space; valid UTF-8 stays valid.
func FuzzBlank(f *testing.F) {
	for _, s := range []string{"a `b` c", "```\n", "> q\n*x*", "**", "``", "é`ü"} {
		f.Add(s)
	}
	m := toy()
	f.Fuzz(func(t *testing.T, s string) {
		got := m.Blank(s)
		if len(got) != len(s) {
			t.Fatalf("Blank(%q) = %q: %d bytes, want %d", s, got, len(got), len(s))
		}
		for i := range len(s) {
			if got[i] != s[i] && (got[i] != ' ' || s[i] == '\n') {
				t.Fatalf("Blank(%q) = %q: byte %d is %q", s, got, i, got[i])
			}
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("Blank(%q) = %q, not valid UTF-8", s, got)
		}
	})
}

func Example() {
	// A platform whose only markup is `code`.
	m := markup.New("`", nil, map[byte]markup.Rule{'`': markup.Code})
	plain := m.Blank("try `reward hacking` or reward hacking")
	fmt.Printf("%q\n", plain)
	// Output: "try `              ` or reward hacking"
}
