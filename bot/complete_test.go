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

func completeReply(t testing.TB, b *bot.Bot, command, prefix string) bot.Reply {
	t.Helper()
	r, err := b.Handle(context.Background(), bot.Request{Kind: bot.Complete, Command: command, Text: prefix})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// choiceList is a completion's choices as ids and titles.
func choiceList(r bot.Reply) []string {
	var out []string
	for _, s := range r.Suggestions {
		out = append(out, s.ID+" "+s.Title)
	}
	return out
}

// A completion served from the cache is the one made afresh, for every
// command and prefix, asked twice; RenderedChoices renders it once per
// variant.
func TestCompletionCachedAsMade(t *testing.T) {
	b := bot.New(widgetGlossary(t, "one"), bot.Config{})
	fresh := bot.New(widgetGlossary(t, "one"), bot.Config{})
	for _, command := range []string{"define", "reading", "READING", "related"} {
		for _, prefix := range []string{"", "w", "wid", "Widget al", "ne", "li", "zzz", strings.Repeat("x", bot.MaxTermLength+1)} {
			want := choiceList(completeReply(t, fresh, command, prefix))
			for range 2 {
				if got := choiceList(completeReply(t, b, command, prefix)); !reflect.DeepEqual(got, want) {
					t.Errorf("%s %q: got %q, want %q", command, prefix, got, want)
				}
			}
		}
	}
	var renders atomic.Int32
	render := func(r bot.Reply) func() string {
		return func() string { renders.Add(1); return strings.Join(choiceList(r), ",") }
	}
	for range 3 {
		r := completeReply(t, b, "define", "wid")
		if got := bot.RenderedChoices(r, "test", render(r)); !strings.Contains(got, "Widget Alignment") {
			t.Fatalf("got %q", got)
		}
	}
	if n := renders.Load(); n != 1 {
		t.Errorf("rendered %d times for three requests, want once", n)
	}
	// Another reply (not a completion) is rendered each time.
	other := bot.Reply{Suggestions: []bot.Suggestion{{ID: "x", Title: "X"}}, ListKind: bot.Choices}
	bot.RenderedChoices(other, "test", render(other))
	bot.RenderedChoices(other, "test", render(other))
	if n := renders.Load(); n != 3 {
		t.Errorf("a reply made by hand: %d renders in all, want 3", n)
	}
}

// versionGlossary is one entry whose title names the version, so a
// completion says which glossary it came from.
func versionGlossary(t testing.TB, version string) *glossary.Glossary {
	t.Helper()
	g, err := glossary.New([]glossary.Entry{{
		ID:      "widget-" + version,
		Title:   "Widget " + version,
		Summary: "Widgets, as glossary " + version + " says.",
		Sources: []glossary.Source{{Title: "Widgets", URL: "https://example.org/widgets"}},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// After SetGlossary returns, no completion (nor what an adapter rendered
// of one) comes from the old glossary, while other requests keep filling
// both glossaries' caches (run with -race).
func TestCompletionNeverFromTheOldGlossary(t *testing.T) {
	gs := []*glossary.Glossary{versionGlossary(t, "zero"), versionGlossary(t, "one")}
	b := bot.New(gs[0], bot.Config{})
	render := func(r bot.Reply) func() string { return func() string { return strings.Join(choiceList(r), ",") } }
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
				r := completeReply(t, b, "define", "wid")
				bot.RenderedChoices(r, "test", render(r))
			}
		})
	}
	for i := range 200 {
		want := []string{"zero", "one"}[i%2]
		b.SetGlossary(gs[i%2])
		r := completeReply(t, b, "define", "wid")
		if got := choiceList(r); len(got) != 1 || got[0] != "widget-"+want+" Widget "+want {
			t.Fatalf("reload %d: got %q, want glossary %s's widget", i, got, want)
		}
		if got := bot.RenderedChoices(r, "test", render(r)); got != "widget-"+want+" Widget "+want {
			t.Fatalf("reload %d: rendered %q, want glossary %s's widget", i, got, want)
		}
	}
	close(stop)
	wg.Wait()
}

// A caller appending to a cached completion's suggestions does not
// change what the next request gets.
func TestCompletionSharedListUnchanged(t *testing.T) {
	b := bot.New(widgetGlossary(t, "one"), bot.Config{})
	r := completeReply(t, b, "define", "wid")
	want := choiceList(r)
	_ = append(r.Suggestions, bot.Suggestion{ID: "intruder", Title: "Intruder"})
	r.Suggestions = append(r.Suggestions, bot.Suggestion{ID: "intruder2"})
	if got := choiceList(completeReply(t, b, "define", "wid")); !reflect.DeepEqual(got, want) {
		t.Errorf("after an append: got %q, want %q", got, want)
	}
}
