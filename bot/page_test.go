package bot_test

import (
	"context"
	"testing"

	"refbot/bot"
)

func pageURL(id string) string { return "https://glossary.example/terms/" + id }

// With Config.PageURL, cards carry their glossary page; auto-links point
// there only with LinkToPage, and without a PageURL LinkToPage does nothing.
func TestGlossaryPageLinks(t *testing.T) {
	ctx := context.Background()
	define := bot.Request{Platform: "slack", Kind: bot.Command, Command: "define", Text: "mesa optimisation"}
	for _, tt := range []struct {
		name       string
		page       func(string) string
		linkToPage bool
		wantCard   string
		wantLink   string // "" means the first source
	}{
		{"no public URL", nil, false, "", ""},
		{"link_to page without a public URL", nil, true, "", ""},
		{"public URL, link_to source", pageURL, false, pageURL("mesa-optimization"), ""},
		{"public URL, link_to page", pageURL, true, pageURL("mesa-optimization"), pageURL("mesa-optimization")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, _, _ := autolinkBot(t, func(c *bot.Config) {
				c.PageURL = tt.page
				c.Autolink.LinkToPage = tt.linkToPage
			})
			r, err := b.Handle(ctx, define)
			if err != nil || r.Card == nil {
				t.Fatalf("define: %v, %+v", err, r)
			}
			if r.Card.Page != tt.wantCard {
				t.Errorf("Card.Page = %q, want %q", r.Card.Page, tt.wantCard)
			}
			r, err = b.Handle(ctx, msg("C1", "U1", "is this mesa optimisation?"))
			if err != nil || len(r.Links) != 1 {
				t.Fatalf("auto-link: %v, %+v", err, r.Links)
			}
			want := tt.wantLink
			if want == "" {
				e, _ := b.Glossary().Entry("mesa-optimization")
				want = e.URL()
			}
			if r.Links[0].URL != want {
				t.Errorf("Link.URL = %q, want %q", r.Links[0].URL, want)
			}
		})
	}
}
