package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/glossary"
)

func reading(t *testing.T, b *bot.Bot, req bot.Request) bot.Reply {
	t.Helper()
	req.Kind, req.Command = bot.Command, "reading"
	if req.Platform == "" {
		req.Platform, req.Channel = "slack", "C1"
	}
	r, err := b.Handle(context.Background(), req)
	if err != nil {
		t.Fatalf("reading %q: %v", req.Text, err)
	}
	return r
}

func TestReadingTerm(t *testing.T) {
	b := newBot(t, bot.Config{})
	r := reading(t, b, bot.Request{Text: "mesa optimisation"})
	p := r.Prompt
	if p == nil || r.Visibility != bot.Public {
		t.Fatalf("got %+v, want a public prompt", r)
	}
	if p.Title != "Reading: Mesa-Optimization" || p.Summary == "" || len(p.Readings) == 0 || p.Readings[0].URL == "" {
		t.Errorf("prompt lacks title, summary or linked readings: %+v", p)
	}
	if n := len(p.Questions); n < 2 || n > 3 {
		t.Errorf("%d questions, want 2 or 3", n)
	}
	if len(p.Terms) == 0 {
		t.Error("no related terms")
	}
	for _, l := range p.Links {
		if l.ID == "mesa-optimization" || l.URL == "" || l.Title == "" {
			t.Errorf("bad key-term link %+v (self, or without URL or title)", l)
		}
	}
	if len(p.Links) == 0 {
		t.Error("no key terms linked, though the summary mentions inner alignment")
	}

	// Not found and did-you-mean work as for /define.
	if r := reading(t, b, bot.Request{Text: "kubernetes"}); r.Prompt != nil || !strings.Contains(r.Notice, "No glossary entry") {
		t.Errorf("unknown term: %+v", r)
	}
	if r := reading(t, b, bot.Request{Text: ""}); !strings.HasPrefix(r.Notice, "Usage: /reading WHAT") {
		t.Errorf("empty: %q", r.Notice)
	}
}

func TestReadingNextListWhere(t *testing.T) {
	loc := london(t)
	clock := bottest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, loc))
	sched := weekly(t)
	b := newBot(t, bot.Config{Clock: clock, Reading: bot.ReadingConfig{Schedules: []bot.Schedule{sched}}})
	ch := bot.Request{Platform: "slack", Channel: "C1"}

	if r := reading(t, b, bot.Request{Platform: "slack", Channel: "C1", Text: "list"}); !strings.Contains(r.Notice, "Nothing posted") || !strings.Contains(r.Notice, "→ 1. Week 1:") {
		t.Errorf("list before anything: %q", r.Notice)
	}
	where := reading(t, b, bot.Request{Platform: "slack", Channel: "C1", Text: "where"}).Notice
	for _, want := range []string{"Nothing from AI safety in eight weeks", `Next due: "Week 1: The alignment problem", Sun 8 Mar 2026, 01:30 GMT`, "30 1 * * 0", "Europe/London"} {
		if !strings.Contains(where, want) {
			t.Errorf("where = %q, lacks %q", where, want)
		}
	}

	for i := 1; i <= 9; i++ {
		clock.Set(clock.Now().Add(time.Minute))
		req := ch
		req.Text = "NEXT"
		r := reading(t, b, req)
		want := "Week " + string(rune('0'+(i-1)%8+1)) + ":"
		if r.Prompt == nil || !strings.HasPrefix(r.Prompt.Title, want) || r.Visibility != bot.Public {
			t.Fatalf("next #%d = %+v, want %s…", i, r.Prompt, want)
		}
	}
	// Twice in one second: the second is told to scroll up.
	clock.Set(clock.Now().Add(time.Minute))
	req := ch
	req.Text = "next"
	if r := reading(t, b, req); r.Prompt == nil {
		t.Fatal("next failed")
	}
	if r := reading(t, b, req); r.Prompt != nil || !strings.Contains(r.Notice, "a moment ago") {
		t.Errorf("a second next in the same second: %+v", r)
	}
	list := reading(t, b, bot.Request{Platform: "slack", Channel: "C1", Text: "list"}).Notice
	if !strings.Contains(list, "at step 3") || !strings.Contains(list, "✓ 2. Week 2") || !strings.Contains(list, "→ 3. Week 3") {
		t.Errorf("list after ten posts = %q", list)
	}
	where = reading(t, b, bot.Request{Platform: "slack", Channel: "C1", Text: "where"}).Notice
	if !strings.Contains(where, "Last posted here: step 2 of 8") || !strings.Contains(where, "reading next") {
		t.Errorf("where after posts = %q", where)
	}

	// Another channel has its own position and no schedule.
	other := reading(t, b, bot.Request{Platform: "slack", Channel: "C2", Text: "where"}).Notice
	if !strings.Contains(other, "No schedule is set") {
		t.Errorf("where in an unscheduled channel = %q", other)
	}
}

func TestReadingWithoutCurricula(t *testing.T) {
	g, err := glossary.New([]glossary.Entry{{ID: "corrigibility", Title: "Corrigibility", Summary: "Corrigibility lets overseers correct a system.", Sources: []glossary.Source{{Title: "Corrigibility", URL: "https://intelligence.org/files/Corrigibility.pdf"}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(g, bot.Config{})
	for _, what := range []string{"next", "list", "where"} {
		if r := reading(t, b, bot.Request{Text: what}); !strings.Contains(r.Notice, "No curriculum is loaded") {
			t.Errorf("%s without curricula: %q", what, r.Notice)
		}
	}
	// An entry without questions still gets some.
	r := reading(t, b, bot.Request{Text: "corrigibility"})
	if r.Prompt == nil || len(r.Prompt.Questions) != 2 {
		t.Errorf("prompt for an entry without questions = %+v", r.Prompt)
	}
}

type brokenStore struct{ bot.ReadingStore }

var errDisk = errors.New("disk I/O error")

func (brokenStore) Claim(context.Context, bot.PostKey, int, time.Time, bool) (bot.ReadingPost, bool, error) {
	return bot.ReadingPost{}, false, errDisk
}

func (brokenStore) Position(context.Context, string, string, string) (int, error) {
	return 0, errDisk
}

func (brokenStore) LastPost(context.Context, string, string, string) (bot.ReadingPost, bool, error) {
	return bot.ReadingPost{}, false, errDisk
}

// A failing store gives the user something to do and the log the error.
func TestReadingStoreErrors(t *testing.T) {
	b := newBot(t, bot.Config{Stats: failingStats{}, Reading: bot.ReadingConfig{Store: brokenStore{}}})
	for _, c := range []struct{ command, text string }{{"reading", "next"}, {"reading", "list"}, {"reading", "where"}, {"stats", ""}} {
		r, err := b.Handle(context.Background(), bot.Request{Platform: "slack", Channel: "C1", Kind: bot.Command, Command: c.command, Text: c.text})
		if err == nil || !strings.Contains(r.Notice, "Try again in a minute") {
			t.Errorf("%s %s: reply %q, error %v; want advice and the error", c.command, c.text, r.Notice, err)
		}
	}
}

func TestStatsCommand(t *testing.T) {
	b := newBot(t, bot.Config{})
	ctx := context.Background()
	r, err := b.Handle(ctx, bot.Request{Platform: "slack", Kind: bot.Command, Command: "stats"})
	if err != nil || !strings.Contains(r.Notice, "No lookups recorded yet") {
		t.Errorf("empty stats: %q, %v", r.Notice, err)
	}
	for _, q := range []string{"mesa optimisation", "mesa-optimizer", "corrigable", "Banana  Bread", "banana bread"} {
		if _, err := b.Handle(ctx, bot.Request{Platform: "slack", Kind: bot.Command, Command: "define", Text: q}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Handle(ctx, bot.Request{Platform: "discord", Kind: bot.Command, Command: "define", Text: "grokking"}); err != nil {
		t.Fatal(err)
	}
	r, err = b.Handle(ctx, bot.Request{Platform: "slack", Kind: bot.Command, Command: "refbot", Text: "stats"})
	if err != nil {
		t.Fatal(err)
	}
	want := "Most looked-up terms:\n 1. Mesa-Optimization — 2\n 2. Corrigibility — 1\nMost wanted missing terms (lookups that found nothing):\n 1. banana bread — 2\n" +
		"Asked for by another name (lookups offered only suggestions; an alias may help):\n  none yet"
	if r.Notice != want || r.Visibility != bot.Ephemeral {
		t.Errorf("stats = %q (visibility %v), want\n%q, ephemeral", r.Notice, r.Visibility, want)
	}
}

func TestCommandTableHasReadingAndStats(t *testing.T) {
	b := newBot(t, bot.Config{})
	var names []string
	for _, c := range b.Commands() {
		names = append(names, c.Name)
		if len(c.Description) > 100 {
			t.Errorf("%s: description is %d characters; Discord allows 100", c.Name, len(c.Description))
		}
	}
	if got := strings.Join(names, " "); !strings.Contains(got, "reading") || !strings.Contains(got, "stats") {
		t.Errorf("commands = %s", got)
	}
}

func TestReadingAutocomplete(t *testing.T) {
	b := newBot(t, bot.Config{})
	complete := func(command, text string) []string {
		r, err := b.Handle(context.Background(), bot.Request{Kind: bot.Complete, Command: command, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Suggestions) > bot.MaxChoices {
			t.Errorf("%d choices, limit %d", len(r.Suggestions), bot.MaxChoices)
		}
		return suggestionIDs(r.Suggestions)
	}
	if got := complete("reading", ""); len(got) < 3 || got[0] != "next" || got[1] != "list" || got[2] != "where" {
		t.Errorf("reading with nothing typed = %v, want next, list, where first", got)
	}
	if got := complete("reading", "ne"); len(got) == 0 || got[0] != "next" {
		t.Errorf("reading ne = %v, want next first", got)
	}
	if got := complete("reading", "mesa optim"); len(got) == 0 || got[0] != "mesa-optimization" {
		t.Errorf("reading mesa optim = %v, want the term", got)
	}
	if got := complete("define", "ne"); len(got) > 0 && got[0] == "next" {
		t.Errorf("define offers reading's words: %v", got)
	}
}

// The default glossary ships two curricula. A channel whose schedule names
// the second reads it; a channel without a schedule reads the first, and
// /reading list tells both where the other one is.
func TestReadingSecondCurriculum(t *testing.T) {
	clock := bottest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, london(t)))
	sched := weekly(t)
	sched.Channel, sched.Curriculum = "C3", "interpretability-and-evaluations"
	b := newBot(t, bot.Config{Clock: clock, Reading: bot.ReadingConfig{Schedules: []bot.Schedule{sched}}})
	if n := len(b.Glossary().Curricula()); n != 2 {
		t.Fatalf("%d curricula, want 2", n)
	}

	list := reading(t, b, bot.Request{Platform: "slack", Channel: "C3", Text: "list"}).Notice
	for _, want := range []string{
		"Interpretability and evaluations in six steps — 6 steps.",
		"→ 1. Step 1: Features, polysemantic neurons and superposition",
		"· 6. Step 6: Model organisms, alignment audits and control",
		"Also loaded: AI safety in eight weeks (ai-safety-fundamentals).",
	} {
		if !strings.Contains(list, want) {
			t.Errorf("list in the scheduled channel = %q, lacks %q", list, want)
		}
	}
	for i := 1; i <= 7; i++ {
		clock.Set(clock.Now().Add(time.Minute))
		r := reading(t, b, bot.Request{Platform: "slack", Channel: "C3", Text: "next"})
		want := "Step " + string(rune('0'+(i-1)%6+1)) + ":"
		if r.Prompt == nil || !strings.HasPrefix(r.Prompt.Title, want) {
			t.Fatalf("next #%d = %+v, want %s…", i, r.Prompt, want)
		}
		if !strings.Contains(r.Prompt.Summary, "of Interpretability and evaluations in six steps") || len(r.Prompt.Readings) < 3 || len(r.Prompt.Questions) != 3 {
			t.Errorf("next #%d: summary %q, %d readings, %d questions", i, r.Prompt.Summary, len(r.Prompt.Readings), len(r.Prompt.Questions))
		}
	}
	where := reading(t, b, bot.Request{Platform: "slack", Channel: "C3", Text: "where"}).Notice
	if !strings.Contains(where, "Last posted here: step 1 of 6 of Interpretability and evaluations in six steps") {
		t.Errorf("where after a full round and one more = %q", where)
	}

	// A channel without a schedule reads the first curriculum, and is told
	// about the other.
	other := reading(t, b, bot.Request{Platform: "slack", Channel: "C2", Text: "list"}).Notice
	if !strings.HasPrefix(other, "AI safety in eight weeks — 8 steps.") || !strings.Contains(other, "Also loaded: Interpretability and evaluations in six steps (interpretability-and-evaluations).") {
		t.Errorf("list in an unscheduled channel = %q", other)
	}
}
