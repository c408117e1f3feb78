package bot_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"refbot/bot"
)

func FuzzParseCommand(f *testing.F) {
	for _, seed := range []string{
		"/define mesa optimisation",
		"define corrigable",
		"/refbot search inner alignment",
		"/refbot",
		"/REFBOT DEFINE x",
		"/help",
		"/",
		"",
		"   ",
		"/define\tmesa",
		"/define\u00a0mesa",
		"/define \x1b[31mred\x1b[0m",
		"/define \xff\xfe",
		"/refbot \xc3",
		"//define",
		"/refbot refbot refbot",
		"/define " + strings.Repeat("é", 300),
		"hello there",
		"/déFINE ǅ",
	} {
		f.Add(seed)
	}
	b := newBot(f, bot.Config{})
	known := map[string]bool{}
	for _, c := range b.Commands() {
		known[c.Name] = true
	}
	f.Fuzz(func(t *testing.T, line string) {
		name, text, ok := b.ParseCommand(line)
		if !utf8.ValidString(name) || !utf8.ValidString(text) {
			t.Fatalf("ParseCommand(%q) = %q, %q: not valid UTF-8", line, name, text)
		}
		if ok != known[name] {
			t.Fatalf("ParseCommand(%q) = %q, ok=%v; the command table says %v", line, name, ok, known[name])
		}
		if strings.TrimSpace(text) != text {
			t.Fatalf("ParseCommand(%q): text %q has surrounding space", line, text)
		}
		if strings.IndexFunc(name, unicode.IsSpace) >= 0 {
			t.Fatalf("ParseCommand(%q): name %q contains space", line, name)
		}
		if ok {
			// Whatever parses must be answerable without error.
			if _, err := b.Handle(t.Context(), bot.Request{Kind: bot.Command, Command: name, Text: text}); err != nil {
				t.Fatalf("Handle(%q, %q): %v", name, text, err)
			}
		}
	})
}
