package slack

import (
	"encoding/json"
	"fmt"
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
		raw, err := json.Marshal(render(bot.Reply{Card: c}, renderOptions{}))
		if err != nil {
			t.Fatal(err)
		}
		var v any // decoded, so the text reads as Slack will read it
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		b := fmt.Sprint(v)
		got := strings.Contains(b, "Glossary page")
		if got != (tt.want != "") || (tt.want != "" && !strings.Contains(b, tt.want)) {
			t.Errorf("page %q: %s; want %q", tt.page, b, tt.want)
		}
	}
}
