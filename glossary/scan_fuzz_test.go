package glossary_test

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzScan checks Scan's promises on any message: offsets inside the
// text, the text at the offsets, mentions in order and never overlapping.
func FuzzScan(f *testing.F) {
	for _, c := range scanCases {
		f.Add(c.msg)
	}
	for _, s := range []string{
		"[[", "[[]]", "[[mesa optimisation]]", "[[[[x]]]]", "[[" + strings.Repeat("a", 300) + "]]",
		"```", "`", "<", "> ", "\n>", "www.", "http://", "<https://x>", "deceptive <  > alignment",
		"\xff\xfe deceptive alignment", "deceptive\u200balignment", "Goodhart’s", "ELKs", "S\u0301AEs",
		strings.Repeat("deceptive alignment ", 200),
	} {
		f.Add(s)
	}
	g := defaultGlossary(f)
	f.Fuzz(func(t *testing.T, text string) {
		ms := g.Scan(text)
		end := 0
		for i, m := range ms {
			if m.Entry == nil || m.Name == "" {
				t.Fatalf("Scan(%q)[%d] = %+v: no entry or name", text, i, m)
			}
			if m.Start < 0 || m.Start >= m.End || m.End > len(text) {
				t.Fatalf("Scan(%q)[%d]: offsets %d-%d outside the text (%d bytes)", text, i, m.Start, m.End, len(text))
			}
			if text[m.Start:m.End] != m.Text {
				t.Fatalf("Scan(%q)[%d]: text at %d-%d is %q, mention says %q", text, i, m.Start, m.End, text[m.Start:m.End], m.Text)
			}
			if m.Start < end {
				t.Fatalf("Scan(%q)[%d] at %d overlaps or precedes the previous mention ending at %d", text, i, m.Start, end)
			}
			end = m.End
			if utf8.ValidString(text) && !utf8.ValidString(m.Text) {
				t.Fatalf("Scan(%q)[%d]: %q cuts a character", text, i, m.Text)
			}
		}
	})
}
