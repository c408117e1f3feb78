package bot

import (
	"context"
	"strconv"
	"testing"

	"refbot/glossary"
	"refbot/glossary/data"
)

// cached counts the completions g's cache holds.
func (b *Bot) cachedCompletions() (n int) {
	rc := b.rendersFor(b.Glossary())
	for i := range rc.completions.slots {
		if rc.completions.slots[i].Load() != nil {
			n++
		}
	}
	return n
}

// A flood of distinct prefixes (and commands) does not grow the
// completion cache past its slots, and a prefix asked again afterwards
// is answered as before, then cached again.
func TestCompletionsBoundedUnderAFlood(t *testing.T) {
	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		t.Fatal(err)
	}
	b := New(g, Config{})
	ask := func(command, prefix string) Reply {
		r, err := b.Handle(context.Background(), Request{Kind: Complete, Command: command, Text: prefix})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := ask("define", "rew")
	if first.completion == nil || len(first.Suggestions) == 0 {
		t.Fatalf("rew: %+v, want cached choices", first)
	}
	for i := range 10 * completionSlots {
		ask([]string{"define", "reading"}[i%2], "q"+strconv.Itoa(i))
	}
	if n := b.cachedCompletions(); n > completionSlots || n < completionSlots/2 {
		t.Errorf("after %d distinct prefixes the cache holds %d answers, want at most %d (and most slots used)", 10*completionSlots, n, completionSlots)
	}
	again := ask("define", "rew")
	if len(again.Suggestions) != len(first.Suggestions) || again.Suggestions[0].ID != first.Suggestions[0].ID {
		t.Errorf("rew after the flood: %+v, want %+v", again.Suggestions, first.Suggestions)
	}
	if third := ask("define", "rew"); third.completion != again.completion {
		t.Error("rew asked twice after the flood: not cached again")
	}
	// Each slot holds one answer: its prefix is at most MaxTermLength
	// runes (longer ones are not completed), its list MaxChoices long.
	if r := ask("define", string(make([]rune, MaxTermLength+1))); r.completion != nil || len(r.Suggestions) != 0 {
		t.Errorf("an over-long prefix: %+v, want nothing cached", r)
	}
}

// A reload starts an empty completion cache: the old one goes with the
// old glossary.
func TestCompletionsDroppedOnReload(t *testing.T) {
	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		t.Fatal(err)
	}
	b := New(g, Config{})
	if _, err := b.Handle(context.Background(), Request{Kind: Complete, Command: "define", Text: "rew"}); err != nil {
		t.Fatal(err)
	}
	if n := b.cachedCompletions(); n != 1 {
		t.Fatalf("%d cached, want 1", n)
	}
	g2, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		t.Fatal(err)
	}
	b.SetGlossary(g2)
	if n := b.cachedCompletions(); n != 0 {
		t.Errorf("after a reload %d cached, want 0", n)
	}
}
