package bot_test

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"refbot/bot"
	"refbot/glossary"
)

// widgetGlossary is one entry whose summary says which version it is.
func widgetGlossary(t testing.TB, version string) *glossary.Glossary {
	t.Helper()
	g, err := glossary.New([]glossary.Entry{{
		ID:      "widget-alignment",
		Title:   "Widget Alignment",
		Summary: "Widgets that do what they are told, as glossary " + version + " says.",
		Sources: []glossary.Source{{Title: "Widgets", URL: "https://example.org/widgets"}},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func defineCard(t testing.TB, b *bot.Bot) *bot.Card {
	t.Helper()
	r, err := b.Handle(context.Background(), bot.Request{Kind: bot.Command, Command: "define", Text: "widget alignment"})
	if err != nil || r.Card == nil {
		t.Fatalf("define: %+v, %v", r, err)
	}
	return r.Card
}

func TestRenderedOncePerGlossaryVersion(t *testing.T) {
	b := bot.New(widgetGlossary(t, "one"), bot.Config{})
	var renders atomic.Int32
	render := func(c *bot.Card) func() string {
		return func() string { renders.Add(1); return c.Summary }
	}
	old := defineCard(t, b)
	for range 3 {
		c := defineCard(t, b)
		if got := bot.Rendered(c, "test", render(c)); !strings.Contains(got, "one") {
			t.Fatalf("got %q", got)
		}
	}
	if n := renders.Load(); n != 1 {
		t.Errorf("rendered %d times for three requests, want once", n)
	}
	bot.Rendered(defineCard(t, b), "other", render(old))
	if n := renders.Load(); n != 2 {
		t.Errorf("another variant: rendered %d times in all, want 2", n)
	}

	b.SetGlossary(widgetGlossary(t, "two"))
	c := defineCard(t, b)
	if got := bot.Rendered(c, "test", render(c)); !strings.Contains(got, "two") {
		t.Errorf("after a reload: got %q, want the new glossary's card", got)
	}
	// A request that began before the reload finishes on the old
	// glossary, and its card with the old glossary's rendering.
	if got := bot.Rendered(old, "test", render(old)); !strings.Contains(got, "one") {
		t.Errorf("a card of the old glossary: got %q", got)
	}

	// A card the core did not make is rendered each time.
	hand := &bot.Card{ID: "widget-alignment", Summary: "made by hand"}
	before := renders.Load()
	for range 2 {
		if got := bot.Rendered(hand, "test", render(hand)); got != "made by hand" {
			t.Errorf("a card made by hand: got %q", got)
		}
	}
	if n := renders.Load() - before; n != 2 {
		t.Errorf("a card made by hand was rendered %d times for 2 calls", n)
	}
}

// After SetGlossary returns, no request gets a card rendered from the
// old glossary, while other requests keep filling both glossaries'
// caches (run with -race).
func TestRenderedNeverFromTheOldGlossary(t *testing.T) {
	gs := []*glossary.Glossary{widgetGlossary(t, "zero"), widgetGlossary(t, "one")}
	b := bot.New(gs[0], bot.Config{})
	render := func(c *bot.Card) func() string { return func() string { return c.Summary } }
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				c := defineCard(t, b)
				bot.Rendered(c, "test", render(c))
			}
		})
	}
	for i := range 200 {
		want := []string{"zero", "one"}[i%2]
		b.SetGlossary(gs[i%2])
		c := defineCard(t, b)
		if got := bot.Rendered(c, "test", render(c)); !strings.Contains(got, "glossary "+want+" says") {
			t.Fatalf("reload %d: got %q, want glossary %s's card", i, got, want)
		}
	}
	close(stop)
	wg.Wait()
}

// CardOnly is false when anything besides the card is set, including any
// field a later change adds to Reply.
func TestCardOnly(t *testing.T) {
	card := &bot.Card{ID: "x"}
	if !(bot.Reply{Card: card}).CardOnly() || !(bot.Reply{Card: card, Visibility: bot.Public}).CardOnly() {
		t.Error("a card alone is not CardOnly")
	}
	if (bot.Reply{Notice: "x"}).CardOnly() {
		t.Error("a reply without a card is CardOnly")
	}
	rt := reflect.TypeFor[bot.Reply]()
	for i := range rt.NumField() {
		f := rt.Field(i)
		switch f.Name {
		case "Card", "Visibility", "ListKind": // ListKind says what Suggestions are
			continue
		}
		r := bot.Reply{Card: card}
		v := reflect.ValueOf(&r).Elem().Field(i)
		switch v.Kind() {
		case reflect.Slice:
			v.Set(reflect.MakeSlice(f.Type, 1, 1))
		case reflect.Pointer:
			v.Set(reflect.New(f.Type.Elem()))
		case reflect.String:
			v.SetString("x")
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int, reflect.Int64:
			v.SetInt(1)
		case reflect.Map:
			v.Set(reflect.MakeMap(f.Type))
			v.SetMapIndex(reflect.New(f.Type.Key()).Elem(), reflect.New(f.Type.Elem()).Elem())
		default:
			t.Fatalf("Reply.%s: a kind this test cannot fill (%s); teach it, and CardOnly", f.Name, v.Kind())
		}
		if r.CardOnly() {
			t.Errorf("Reply with %s set is CardOnly: its rendering would be cached without it", f.Name)
		}
	}
}
