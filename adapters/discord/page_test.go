package discord

import (
	"strings"
	"testing"

	"refbot/bot"
)

// With web.public_url set, a card's embed links its glossary page; a page
// address that is not a safe link is left out rather than rendered.
func TestCardGlossaryPage(t *testing.T) {
	for _, tt := range []struct{ page, want string }{
		{"https://refbot.example.org/glossary/terms/myopia", "[Read it on the glossary site](https://refbot.example.org/glossary/terms/myopia)"},
		{"", ""},
		{"javascript:alert(1)", ""},
		{"https://x.example/a b", ""},
	} {
		e := cardEmbed(&bot.Card{ID: "myopia", Title: "Myopia", Summary: "Short-sighted.", Page: tt.page})
		var got string
		for _, f := range e.Fields {
			if f.Name == "Glossary page" {
				got = f.Value
			}
		}
		if got != tt.want && !(tt.want != "" && strings.Contains(got, tt.want)) {
			t.Errorf("page %q: field %q, want %q", tt.page, got, tt.want)
		}
	}
}
