package slack

import (
	"encoding/json"
	"strings"
	"testing"

	"refbot/bot"
)

// With web.public_url set, a card links its glossary page; a page address
// that is not a safe link is left out rather than rendered.
func TestCardGlossaryPage(t *testing.T) {
	for _, tt := range []struct{ page, want string }{
		{"https://refbot.example.org/glossary/terms/myopia", "<https://refbot.example.org/glossary/terms/myopia|Glossary page>"},
		{"", ""},
		{"javascript:alert(1)", ""},
		{"https://x.example/a b", ""},
	} {
		c := &bot.Card{ID: "myopia", Title: "Myopia", Summary: "Short-sighted.", Page: tt.page}
		var buf strings.Builder
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(render(bot.Reply{Card: c}, renderOptions{})); err != nil {
			t.Fatal(err)
		}
		b := buf.String()
		got := strings.Contains(b, "Glossary page")
		if got != (tt.want != "") || (tt.want != "" && !strings.Contains(b, tt.want)) {
			t.Errorf("page %q: %s; want %q", tt.page, b, tt.want)
		}
	}
}
