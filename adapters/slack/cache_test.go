package slack

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"refbot/bot"
	"refbot/glossary"
)

// A card's Block Kit is rendered once per glossary version (render);
// after a reload no request may get a card of the old glossary.
func TestNoCardFromTheOldGlossary(t *testing.T) {
	version := func(v string) *glossary.Glossary {
		g, err := glossary.New([]glossary.Entry{{
			ID: "widget-alignment", Title: "Widget Alignment",
			Summary: "Widgets that do what they are told, as glossary " + v + " says.",
			Sources: []glossary.Source{{Title: "Widgets", URL: "https://example.org/widgets"}},
		}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	gs := []*glossary.Glossary{version("zero"), version("one")}
	b := bot.New(gs[0], bot.Config{})
	a := New(b, Config{BotToken: testBotToken, SigningSecret: testSecret}, nil)
	body := slash("/define", "widget alignment", "https://hooks.slack.com/commands/T1/2/x")
	define := func() string {
		w := httptest.NewRecorder()
		a.ServeHTTP(w, signed(testSecret, formType, body))
		if w.Code != http.StatusOK {
			t.Fatalf("status %d", w.Code)
		}
		return w.Body.String()
	}
	for i := range 6 {
		b.SetGlossary(gs[i%2])
		want, old := []string{"zero", "one"}[i%2], []string{"one", "zero"}[i%2]
		for range 2 { // the second is served from the cache
			got := define()
			if !strings.Contains(got, "glossary "+want+" says") || strings.Contains(got, "glossary "+old+" says") {
				t.Fatalf("reload %d: got %s, want glossary %s's card", i, got, want)
			}
			if !strings.Contains(got, `"text":"Share in channel","emoji":true},"action_id":"share","value":"widget-alignment"`) {
				t.Errorf("reload %d: the ephemeral card lacks its Share button: %s", i, got)
			}
		}
	}
	// The public card (Share in channel) has no controls, from the cache
	// or not.
	b.SetGlossary(gs[1])
	for range 2 {
		msg := render(bot.Reply{Card: defineCardOf(t, b), Visibility: bot.Public}, renderOptions{})
		got, err := msg.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(got), "Share in channel") || !strings.Contains(string(got), `"response_type":"in_channel"`) ||
			!strings.Contains(string(got), "glossary one says") {
			t.Errorf("public card: %s", got)
		}
	}
}

func defineCardOf(t *testing.T, b *bot.Bot) *bot.Card {
	t.Helper()
	r := b.Answer(t.Context(), bot.Request{Kind: bot.Command, Command: bot.CommandDefine, Text: "widget alignment"})
	if r.Card == nil {
		t.Fatalf("no card: %+v", r)
	}
	return r.Card
}
