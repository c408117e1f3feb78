package shell_test

import (
	"bytes"
	"testing"

	"refbot/adapters/shell"
	"refbot/bot"
)

// Whatever text a user or a glossary file holds, the terminal gets
// nothing it could act on.
func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"plain", "a\x1b[2Jb", "\x1b]0;title\x07", "\u009b31m", "\xc2\x9b", "\x9b", "\u202eevil",
		"line\nbreak\r\n", "tab\there", "\x00\x7f", "wide 漢字 and emoji 📖", "\xff\xfe",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, text string, color bool) {
		r := bot.Reply{
			Notice:      text,
			Card:        &bot.Card{Title: text, Summary: text, KeyPoints: []string{text}, Aliases: []string{text}, Sources: []bot.Source{{Title: text, URL: text, Authors: text}}, SeeAlso: []bot.Suggestion{{Title: text}}},
			Suggestions: []bot.Suggestion{{Title: text, Name: text, Line: text}},
			Links:       []bot.Link{{Title: text, Line: text, URL: text}},
			Prompt:      &bot.Prompt{Title: text, Summary: text, Questions: []string{text}, Terms: []bot.Suggestion{{Title: text}}},
			Buttons:     []bot.Button{{Label: text, Action: text, Value: text}},
		}
		var out bytes.Buffer
		if err := shell.Render(&out, r, shell.Options{Color: color, Width: 40}); err != nil {
			t.Fatal(err)
		}
		checkTerminalSafe(t, out.String(), color)
	})
}
