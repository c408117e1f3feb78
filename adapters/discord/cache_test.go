package discord

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"refbot/bot"
	"refbot/glossary"
)

// A card's message is rendered and encoded once per glossary version and
// visibility (message); after a reload no request may get a card of the
// old glossary, and the Share button stays on ephemeral cards only.
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
	cfg := newAdapter(t, nil, nil).cfg
	a, err := New(b, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	define := interaction(2, commandData("define", stringOpt("term", "widget alignment", false)))
	share := interaction(3, buttonData("share:widget-alignment"))
	for i := range 6 {
		b.SetGlossary(gs[i%2])
		want, old := []string{"zero", "one"}[i%2], []string{"one", "zero"}[i%2]
		for range 2 { // the second is served from the cache
			for _, c := range []struct {
				body      []byte
				ephemeral bool
			}{{define, true}, {share, false}} {
				code, raw := serve(t, a, signed(c.body, time.Now()))
				got := string(raw)
				if code != 200 || !strings.Contains(got, "glossary "+want+" says") || strings.Contains(got, "glossary "+old+" says") {
					t.Fatalf("reload %d: %d %s, want glossary %s's card", i, code, got, want)
				}
				if hasShare := strings.Contains(got, `"custom_id":"share:widget-alignment"`); hasShare != c.ephemeral {
					t.Errorf("reload %d: Share button %v on a card with ephemeral %v: %s", i, hasShare, c.ephemeral, got)
				}
				if !strings.Contains(got, `"allowed_mentions":{"parse":[],`) {
					t.Errorf("reload %d: no empty allowed_mentions: %s", i, got)
				}
			}
		}
	}
}
