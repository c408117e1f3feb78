package bot_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"refbot/bot"
	"refbot/glossary"
	"refbot/glossary/data"
)

// defaultGlossary loads the embedded glossary once per test binary; it is
// immutable, so tests share it.
var defaultGlossary = sync.OnceValues(func() (*glossary.Glossary, error) {
	return glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
})

func newBot(t testing.TB, cfg bot.Config) *bot.Bot {
	t.Helper()
	g, err := defaultGlossary()
	if err != nil {
		t.Fatalf("load embedded glossary: %v", err)
	}
	return bot.New(g, cfg)
}

func suggestionIDs(ss []bot.Suggestion) []string {
	ids := make([]string, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	return ids
}

func TestHandleCommands(t *testing.T) {
	b := newBot(t, bot.Config{ProposeHint: "Propose it in #glossary."})
	tests := []struct {
		name    string
		command string
		text    string
		check   func(t *testing.T, r bot.Reply)
	}{
		{"define exact with British spelling", "define", "mesa optimisation", func(t *testing.T, r bot.Reply) {
			if r.Card == nil || r.Card.ID != "mesa-optimization" {
				t.Fatalf("got card %+v, want mesa-optimization", r.Card)
			}
			if r.Card.Title == "" || r.Card.Summary == "" || len(r.Card.Sources) == 0 || len(r.Card.KeyPoints) == 0 {
				t.Errorf("card is missing parts: %+v", r.Card)
			}
			if !slices.Contains(suggestionIDs(r.Card.SeeAlso), "inner-alignment") {
				t.Errorf("see also = %v, want inner-alignment among them", suggestionIDs(r.Card.SeeAlso))
			}
			for _, s := range r.Card.SeeAlso {
				if s.Title == "" {
					t.Errorf("see-also %q has no title", s.ID)
				}
			}
			if r.Card.URL() != r.Card.Sources[0].URL {
				t.Errorf("URL() = %q, want the first source %q", r.Card.URL(), r.Card.Sources[0].URL)
			}
			if r.Notice != "" || len(r.Suggestions) != 0 {
				t.Errorf("a card reply has notice %q and suggestions %v", r.Notice, r.Suggestions)
			}
			if r.Visibility != bot.Ephemeral {
				t.Errorf("visibility = %v, want ephemeral", r.Visibility)
			}
		}},
		{"define with a typo", "define", "corrigable", func(t *testing.T, r bot.Reply) {
			if r.Card == nil || r.Card.ID != "corrigibility" {
				t.Fatalf("got card %+v, want corrigibility", r.Card)
			}
		}},
		{"define is case-insensitive on the command name", "DEFINE", "mesa optimization", func(t *testing.T, r bot.Reply) {
			if r.Card == nil || r.Card.ID != "mesa-optimization" {
				t.Fatalf("got card %+v, want mesa-optimization", r.Card)
			}
		}},
		{"define miss", "define", "kubernetes", func(t *testing.T, r bot.Reply) {
			if r.Card != nil || len(r.Suggestions) != 0 {
				t.Fatalf("got card %v suggestions %v, want neither", r.Card, r.Suggestions)
			}
			for _, want := range []string{`"kubernetes"`, "/search", "Propose it in #glossary."} {
				if !strings.Contains(r.Notice, want) {
					t.Errorf("notice %q does not contain %q", r.Notice, want)
				}
			}
		}},
		{"define ambiguous offers suggestions", "define", "reward", func(t *testing.T, r bot.Reply) {
			if r.Card != nil {
				t.Fatalf("got card %q for an ambiguous word", r.Card.ID)
			}
			if r.ListKind != bot.DidYouMean || !slices.Contains(suggestionIDs(r.Suggestions), "reward-hacking") {
				t.Fatalf("got %v suggestions %v, want did-you-mean with reward-hacking", r.ListKind, suggestionIDs(r.Suggestions))
			}
			if !strings.Contains(r.Notice, "Did you mean") {
				t.Errorf("notice %q does not ask \"Did you mean\"", r.Notice)
			}
			for _, s := range r.Suggestions {
				if s.Title == "" || s.Line == "" {
					t.Errorf("suggestion %+v lacks a title or line", s)
				}
			}
		}},
		{"define empty", "define", "", usageNotice("Usage: /define TERM")},
		{"define blank", "define", " \t ", usageNotice("Usage: /define TERM")},
		{"define over-long", "define", strings.Repeat("a", bot.MaxTermLength+1), usageNotice("201 characters")},
		{"define over-long counts characters, not bytes", "define", strings.Repeat("é", bot.MaxTermLength+1), usageNotice("201 characters")},
		{"define at the limit is looked up", "define", strings.Repeat("é", bot.MaxTermLength), func(t *testing.T, r bot.Reply) {
			if strings.Contains(r.Notice, "Usage") || strings.Contains(r.Notice, "characters") {
				t.Errorf("a %d-character term got a usage notice: %q", bot.MaxTermLength, r.Notice)
			}
		}},
		{"search", "search", "alignment", func(t *testing.T, r bot.Reply) {
			if r.ListKind != bot.Results || len(r.Suggestions) == 0 {
				t.Fatalf("got %v with %d results, want results", r.ListKind, len(r.Suggestions))
			}
			if len(r.Suggestions) > bot.MaxSearchResults {
				t.Errorf("got %d results, want at most %d", len(r.Suggestions), bot.MaxSearchResults)
			}
			if ids := suggestionIDs(r.Suggestions); ids[0] != "ai-alignment" {
				t.Errorf("results %v do not start with ai-alignment", ids)
			}
		}},
		{"search by description", "search", "two AIs argue and a human judges", func(t *testing.T, r bot.Reply) {
			if r.ListKind != bot.Results || len(r.Suggestions) == 0 || r.Suggestions[0].ID != "ai-safety-via-debate" {
				t.Fatalf("got %v %v, want results led by ai-safety-via-debate", r.ListKind, suggestionIDs(r.Suggestions))
			}
			for _, s := range r.Suggestions {
				if s.Line == "" || s.Title == "" {
					t.Errorf("result %+v lacks a title or summary line", s)
				}
			}
		}},
		{"search off-topic", "search", "how do I bake sourdough bread", func(t *testing.T, r bot.Reply) {
			if len(r.Suggestions) != 0 || !strings.Contains(r.Notice, "Nothing in the glossary matches") {
				t.Errorf("got notice %q suggestions %v, want nothing", r.Notice, suggestionIDs(r.Suggestions))
			}
		}},
		{"search misspelt name", "search", "scalable oversite", func(t *testing.T, r bot.Reply) {
			// Either the ranking corrects the typo (results) or Lookup
			// offers the name (did you mean); the entry comes first.
			ids := suggestionIDs(r.Suggestions)
			if (r.ListKind != bot.DidYouMean && r.ListKind != bot.Results) || len(ids) == 0 || ids[0] != "scalable-oversight" {
				t.Errorf("got %v %v, want scalable-oversight first in results or did-you-mean", r.ListKind, ids)
			}
		}},
		{"define a description", "define", "the thing where a model pretends to be aligned during training", func(t *testing.T, r bot.Reply) {
			if r.Card != nil {
				t.Fatalf("a description got a card (%s); want did-you-mean", r.Card.ID)
			}
			ids := suggestionIDs(r.Suggestions)
			if r.ListKind != bot.DidYouMean || len(ids) == 0 || !slices.ContainsFunc(ids[:min(3, len(ids))], func(id string) bool {
				return id == "deceptive-alignment" || id == "alignment-faking" || id == "scheming"
			}) {
				t.Errorf("got %v %v, want did-you-mean led by deceptive alignment or a neighbour", r.ListKind, ids)
			}
		}},
		{"define an off-topic description", "define", "how do I bake sourdough bread", func(t *testing.T, r bot.Reply) {
			if r.Card != nil || len(r.Suggestions) != 0 {
				t.Errorf("got card %v suggestions %v, want nothing", r.Card, suggestionIDs(r.Suggestions))
			}
		}},
		{"search nothing", "search", "kubernetes", func(t *testing.T, r bot.Reply) {
			if len(r.Suggestions) != 0 || !strings.Contains(r.Notice, "kubernetes") {
				t.Errorf("got notice %q suggestions %v", r.Notice, r.Suggestions)
			}
		}},
		{"search empty", "search", "", usageNotice("Usage: /search QUERY")},
		{"related", "related", "inner alignment", func(t *testing.T, r bot.Reply) {
			if r.ListKind != bot.Related {
				t.Errorf("list kind = %v, want related", r.ListKind)
			}
			ids := suggestionIDs(r.Suggestions)
			for _, want := range []string{"outer-alignment", "mesa-optimization"} {
				if !slices.Contains(ids, want) {
					t.Errorf("related %v lacks %s", ids, want)
				}
			}
			if slices.Contains(ids, "inner-alignment") {
				t.Errorf("related %v lists the entry itself", ids)
			}
			if !strings.Contains(r.Notice, "Inner Alignment") {
				t.Errorf("notice %q does not name the entry", r.Notice)
			}
		}},
		{"related miss", "related", "kubernetes", func(t *testing.T, r bot.Reply) {
			if len(r.Suggestions) != 0 || !strings.Contains(r.Notice, "kubernetes") {
				t.Errorf("got notice %q suggestions %v", r.Notice, r.Suggestions)
			}
		}},
		{"related over-long", "related", strings.Repeat("x", 500), usageNotice("500 characters")},
		{"help", "help", "", func(t *testing.T, r bot.Reply) {
			if len(r.Help) == 0 || r.Notice == "" {
				t.Fatalf("help = %+v", r)
			}
		}},
		{"unknown command", "frobnicate", "x", func(t *testing.T, r bot.Reply) {
			if !strings.Contains(r.Notice, `"frobnicate"`) || len(r.Help) == 0 {
				t.Errorf("got notice %q and %d commands", r.Notice, len(r.Help))
			}
		}},
		{"umbrella search", "refbot", "search alignment", func(t *testing.T, r bot.Reply) {
			if r.ListKind != bot.Results || len(r.Suggestions) == 0 {
				t.Errorf("got %+v, want search results", r)
			}
		}},
		{"umbrella define", "refbot", "DEFINE corrigable", func(t *testing.T, r bot.Reply) {
			if r.Card == nil || r.Card.ID != "corrigibility" {
				t.Errorf("got card %+v, want corrigibility", r.Card)
			}
		}},
		{"umbrella alone is help", "refbot", "", func(t *testing.T, r bot.Reply) {
			if len(r.Help) == 0 {
				t.Errorf("got %+v, want help", r)
			}
		}},
		{"umbrella with unknown subcommand", "refbot", "explode now", func(t *testing.T, r bot.Reply) {
			if !strings.Contains(r.Notice, `"explode"`) || len(r.Help) == 0 {
				t.Errorf("got notice %q", r.Notice)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := b.Handle(context.Background(), bot.Request{Platform: "test", Kind: bot.Command, Command: tt.command, Text: tt.text})
			if err != nil {
				t.Fatalf("Handle(%q, %.40q) error: %v", tt.command, tt.text, err)
			}
			tt.check(t, r)
		})
	}
}

// usageNotice checks for a short usage reply: no card, no list, a notice
// containing want.
func usageNotice(want string) func(t *testing.T, r bot.Reply) {
	return func(t *testing.T, r bot.Reply) {
		t.Helper()
		if r.Card != nil || len(r.Suggestions) != 0 {
			t.Errorf("got card %v and %d suggestions, want only a notice", r.Card, len(r.Suggestions))
		}
		if !strings.Contains(r.Notice, want) {
			t.Errorf("notice %q does not contain %q", r.Notice, want)
		}
		if len(r.Notice) > 300 {
			t.Errorf("notice is %d bytes; a usage reply should be short", len(r.Notice))
		}
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	b := newBot(t, bot.Config{})
	r, err := b.Handle(context.Background(), bot.Request{Kind: bot.Command, Command: "help"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range r.Help {
		got = append(got, c.Name)
	}
	var want []string
	for _, c := range b.Commands() {
		want = append(want, c.Name)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("help lists %v, the command table has %v", got, want)
	}
	for _, name := range []string{"define", "search", "related", "help"} {
		if !slices.Contains(got, name) {
			t.Errorf("help lacks %q", name)
		}
	}
	for _, c := range r.Help {
		if c.Description == "" || len(c.Description) > 100 {
			t.Errorf("%s: description %q must be 1 to 100 characters (Discord's limit)", c.Name, c.Description)
		}
		if len(c.Args) > 0 && len(c.Examples) == 0 {
			t.Errorf("%s takes arguments but has no example", c.Name)
		}
		if c.Name != strings.ToLower(c.Name) {
			t.Errorf("%s: command names must be lower case", c.Name)
		}
	}
}

func TestCommandInfoUsage(t *testing.T) {
	c := bot.CommandInfo{Name: "define", Args: []bot.Arg{{Name: "term", Required: true}, {Name: "lang"}}}
	if got, want := c.Usage(bot.Slash), "/define TERM [LANG]"; got != want {
		t.Errorf("Usage(Slash) = %q, want %q", got, want)
	}
	if got, want := c.Usage(func(n string) string { return "/refbot " + n }), "/refbot define TERM [LANG]"; got != want {
		t.Errorf("Usage(/refbot …) = %q, want %q", got, want)
	}
}

func TestParseCommand(t *testing.T) {
	b := newBot(t, bot.Config{})
	tests := []struct {
		line, name, text string
		ok               bool
	}{
		{"/define mesa", "define", "mesa", true},
		{"define mesa", "define", "mesa", true},
		{"  /DEFINE   Mesa Optimisation  ", "define", "Mesa Optimisation", true},
		{"/define\tmesa", "define", "mesa", true},
		{"/define\u00a0mesa", "define", "mesa", true},
		{"/help", "help", "", true},
		{"/refbot", "help", "", true},
		{"/refbot   ", "help", "", true},
		{"/refbot search inner  alignment", "search", "inner  alignment", true},
		{"refbot RELATED corrigibility", "related", "corrigibility", true},
		{"/refbot\tdefine\tmesa", "define", "mesa", true},
		{"/refbot bogus x", "bogus", "x", false},
		{"/frobnicate now", "frobnicate", "now", false},
		{"/", "", "", false},
		{"", "", "", false},
		{"hello there", "hello", "there", false},
	}
	for _, tt := range tests {
		name, text, ok := b.ParseCommand(tt.line)
		if name != tt.name || text != tt.text || ok != tt.ok {
			t.Errorf("ParseCommand(%q) = %q, %q, %v; want %q, %q, %v", tt.line, name, text, ok, tt.name, tt.text, tt.ok)
		}
	}
}

func TestActions(t *testing.T) {
	b := newBot(t, bot.Config{})
	ctx := context.Background()

	r, err := b.Handle(ctx, bot.Request{Kind: bot.Action, Command: "define", Text: "corrigibility"})
	if err != nil || r.Card == nil || r.Card.ID != "corrigibility" || r.Visibility != bot.Ephemeral {
		t.Errorf("define by id: got %+v, %v; want an ephemeral corrigibility card", r, err)
	}
	r, err = b.Handle(ctx, bot.Request{Kind: bot.Action, Command: "share", Text: "corrigibility"})
	if err != nil || r.Card == nil || r.Card.ID != "corrigibility" || r.Visibility != bot.Public {
		t.Errorf("share by id: got %+v, %v; want a public corrigibility card", r, err)
	}
	// An id the glossary no longer has (it was reloaded) is looked up as
	// text instead.
	r, err = b.Handle(ctx, bot.Request{Kind: bot.Action, Command: "define", Text: "no-such-entry-anywhere"})
	if err != nil || r.Card != nil || r.Notice == "" {
		t.Errorf("define unknown id: got %+v, %v; want a not-found notice", r, err)
	}
	r, err = b.Handle(ctx, bot.Request{Kind: bot.Action, Command: "define", Text: "corrigable"})
	if err != nil || r.Card == nil || r.Card.ID != "corrigibility" {
		t.Errorf("define by a stale name: got %+v, %v; want corrigibility", r, err)
	}
	r, err = b.Handle(ctx, bot.Request{Kind: bot.Action, Command: "share", Text: "mesa optimisation"})
	if err != nil || r.Card == nil || r.Visibility != bot.Public {
		t.Errorf("share by a stale name: got %+v, %v; want a public card", r, err)
	}
	r, err = b.Handle(ctx, bot.Request{Kind: bot.Action, Command: "define", Text: ""})
	if err != nil || r.Card != nil || r.Notice == "" {
		t.Errorf("define empty action: got %+v, %v; want a notice", r, err)
	}
	// A button refbot no longer has is a click on an old message, not a
	// fault: a hint, and no error (issue 12.13).
	r, err = b.Handle(ctx, bot.Request{Kind: bot.Action, Command: "explode", Text: "corrigibility"})
	if err != nil || !strings.HasPrefix(r.Notice, "That button no longer does anything.") || r.Card != nil {
		t.Errorf("unknown action: got %+v, %v; want a hint and no error", r, err)
	}
}

func TestComplete(t *testing.T) {
	b := newBot(t, bot.Config{})
	for _, prefix := range []string{"", "a", "ali", "mesa", "inner al", "corrig", "zzzzzz", strings.Repeat("a", 300)} {
		r, err := b.Handle(context.Background(), bot.Request{Kind: bot.Complete, Text: prefix})
		if err != nil {
			t.Fatalf("Complete(%.20q): %v", prefix, err)
		}
		if r.ListKind != bot.Choices {
			t.Errorf("Complete(%.20q): list kind %v, want choices", prefix, r.ListKind)
		}
		if len(r.Suggestions) > bot.MaxChoices {
			t.Errorf("Complete(%.20q): %d choices, want at most %d", prefix, len(r.Suggestions), bot.MaxChoices)
		}
		seen := map[string]bool{}
		for _, s := range r.Suggestions {
			if s.ID == "" || s.Title == "" {
				t.Errorf("Complete(%.20q): choice %+v lacks an id or title", prefix, s)
			}
			if seen[s.ID] {
				t.Errorf("Complete(%.20q): %s offered twice", prefix, s.ID)
			}
			seen[s.ID] = true
		}
		switch prefix {
		case "":
			if len(r.Suggestions) != bot.MaxChoices {
				t.Errorf("Complete(\"\"): %d choices, want %d from a glossary this big", len(r.Suggestions), bot.MaxChoices)
			}
		case "mesa":
			if !seen["mesa-optimization"] {
				t.Errorf("Complete(mesa) = %v, lacks mesa-optimization", suggestionIDs(r.Suggestions))
			}
		case "corrig":
			if len(r.Suggestions) == 0 || r.Suggestions[0].ID != "corrigibility" {
				t.Errorf("Complete(corrig) = %v, want corrigibility first", suggestionIDs(r.Suggestions))
			}
		}
	}
}

func TestMessageAndUnknownKind(t *testing.T) {
	b := newBot(t, bot.Config{})
	r, err := b.Handle(context.Background(), bot.Request{Kind: bot.Message, Text: "we talked about mesa optimization today"})
	if err != nil || r.Card != nil || r.Notice != "" || len(r.Suggestions) != 0 {
		t.Errorf("message: got %+v, %v; want an empty reply", r, err)
	}
	r, err = b.Handle(context.Background(), bot.Request{Kind: bot.Kind(99)})
	if err == nil || r.Notice == "" {
		t.Errorf("unknown kind: got %+v, %v; want a notice and an error", r, err)
	}
}

func TestStatsCountMissingLookups(t *testing.T) {
	stats := bot.NewMemoryStats()
	b := newBot(t, bot.Config{Stats: stats})
	ctx := context.Background()
	for _, req := range []bot.Request{
		{Command: "define", Text: "kubernetes"},
		{Command: "define", Text: "Kubernetes"},
		{Command: "related", Text: "KUBERNETES "},
		{Command: "define", Text: "banana bread"},
		{Command: "define", Text: "mesa optimisation"},
		{Command: "define", Text: "corrigable"},
		{Command: "define", Text: "corrigibility"},
		{Command: "define", Text: ""},                           // usage: not a lookup
		{Command: "define", Text: strings.Repeat("k", 201)},     // usage: not a lookup
		{Command: "search", Text: "kubernetes"},                 // search is not a lookup
		{Command: "refbot", Text: "define banana bread"},        // umbrella counts too
		{Kind: bot.Complete, Text: "kubernetes"},                // autocomplete is not a lookup
		{Kind: bot.Action, Command: "define", Text: "grokking"}, // a button by id
		// Issue 12: "mesa" is offered two entries. It is not a missing
		// term, and /reading TERM counts as /define does.
		{Command: "define", Text: "mesa"},
		{Command: "related", Text: "Mesa"},
		{Command: "reading", Text: "mesa"},
	} {
		if _, err := b.Handle(ctx, req); err != nil {
			t.Fatalf("Handle(%+v): %v", req, err)
		}
	}
	top := stats.Top(10)
	wantMissing := []bot.Count{{Name: "kubernetes", Count: 3}, {Name: "banana bread", Count: 2}}
	if !slices.Equal(top.Missing, wantMissing) {
		t.Errorf("missing = %v, want %v", top.Missing, wantMissing)
	}
	wantFound := []bot.Count{{Name: "corrigibility", Count: 2}, {Name: "mesa-optimization", Count: 1}}
	if !slices.Equal(top.Found, wantFound) {
		t.Errorf("found = %v, want %v", top.Found, wantFound)
	}
	wantSuggested := []bot.Count{{Name: "mesa", Count: 3}}
	if !slices.Equal(top.Suggested, wantSuggested) {
		t.Errorf("suggested = %v, want %v", top.Suggested, wantSuggested)
	}
	if t1 := stats.Top(1); len(t1.Found) != 1 || len(t1.Missing) != 1 || len(t1.Suggested) != 1 {
		t.Errorf("Top(1) = %+v; want one of each", t1)
	}
}

func TestMemoryStatsBounded(t *testing.T) {
	stats := bot.NewMemoryStats()
	ctx := context.Background()
	for i := range 12000 {
		if err := stats.RecordLookup(ctx, bot.NewLookup("test", fmt.Sprintf("nonsense %d", i), "")); err != nil {
			t.Fatal(err)
		}
	}
	// A query already counted keeps counting after the cap.
	if err := stats.RecordLookup(ctx, bot.NewLookup("test", "nonsense 1", "")); err != nil {
		t.Fatal(err)
	}
	missing := stats.Top(1 << 20).Missing
	if len(missing) > 10000 {
		t.Errorf("kept %d distinct missing queries; the cap is 10000", len(missing))
	}
	if missing[0] != (bot.Count{Name: glossary.Normalize("nonsense 1"), Count: 2}) {
		t.Errorf("top missing = %v, want nonsense 1 counted twice", missing[0])
	}
	// Queries with nothing to normalise are not worth counting.
	stats = bot.NewMemoryStats()
	_ = stats.RecordLookup(ctx, bot.NewLookup("test", " --- ", ""))
	if m := stats.Top(10).Missing; len(m) != 0 {
		t.Errorf("counted an empty query: %v", m)
	}
}

type failingStats struct{}

func (failingStats) RecordLookup(context.Context, bot.Lookup) error {
	return errors.New("disk full")
}

func (failingStats) TopLookups(context.Context, string, int) (bot.TopTerms, error) {
	return bot.TopTerms{}, errors.New("disk full")
}

// A broken stats store is logged; the user still gets the answer.
func TestStatsErrorIsLoggedNotShown(t *testing.T) {
	var log bytes.Buffer
	b := newBot(t, bot.Config{Stats: failingStats{}, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	r, err := b.Handle(context.Background(), bot.Request{Kind: bot.Command, Command: "define", Text: "corrigibility"})
	if err != nil || r.Card == nil {
		t.Fatalf("got %+v, %v; want the card", r, err)
	}
	if !strings.Contains(log.String(), "disk full") {
		t.Errorf("log %q does not mention the stats error", log.String())
	}
}

type recorder struct {
	mu       sync.Mutex
	outcomes []string // lookups
	requests []string // "platform kind outcome"
}

func (r *recorder) ObserveLookup(outcome string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d < 0 {
		outcome = "negative duration"
	}
	r.outcomes = append(r.outcomes, outcome)
}

func (r *recorder) ObserveRequest(platform, kind, outcome string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, platform+" "+kind+" "+outcome)
}

func TestObserverSeesOutcomes(t *testing.T) {
	obs := &recorder{}
	b := newBot(t, bot.Config{Observer: obs})
	for _, text := range []string{"mesa optimisation", "kubernetes", "reward", "", strings.Repeat("z", 300)} {
		if _, err := b.Handle(context.Background(), bot.Request{Kind: bot.Command, Command: "define", Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{bot.OutcomeMatch, bot.OutcomeNone, bot.OutcomeSuggest}
	if !slices.Equal(obs.outcomes, want) {
		t.Errorf("outcomes = %v, want %v (usage replies are not lookups)", obs.outcomes, want)
	}
}

// Handle must be safe while a reload swaps the glossary.
func TestConcurrentHandleAndReload(t *testing.T) {
	b := newBot(t, bot.Config{})
	small, err := glossary.New([]glossary.Entry{{
		ID:      "widget-alignment",
		Title:   "Widget Alignment",
		Summary: "A test entry about widgets that do what they are told.",
		Sources: []glossary.Source{{Title: "Widgets", URL: "https://example.org/widgets"}},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	full := b.Glossary()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				text := []string{"mesa optimisation", "widget alignment", "reward", "kubernetes"}[(i+j)%4]
				if _, err := b.Handle(context.Background(), bot.Request{Kind: bot.Command, Command: "define", Text: text}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for j := range 50 {
		if j%2 == 0 {
			b.SetGlossary(small)
		} else {
			b.SetGlossary(full)
		}
	}
	wg.Wait()
	b.SetGlossary(small)
	r, _ := b.Handle(context.Background(), bot.Request{Kind: bot.Command, Command: "define", Text: "widget alignment"})
	if r.Card == nil || r.Card.ID != "widget-alignment" {
		t.Errorf("after SetGlossary: got %+v, want the new glossary's entry", r.Card)
	}
}

// Cards must not share slices with the glossary: an adapter that edits a
// card must not change the next reply.
func TestCardDoesNotAliasGlossary(t *testing.T) {
	b := newBot(t, bot.Config{})
	get := func() *bot.Card {
		r, err := b.Handle(context.Background(), bot.Request{Kind: bot.Command, Command: "define", Text: "mesa optimisation"})
		if err != nil || r.Card == nil {
			t.Fatalf("got %+v, %v", r, err)
		}
		return r.Card
	}
	c := get()
	want := c.KeyPoints[0]
	c.KeyPoints[0] = "changed by an adapter"
	if len(c.Aliases) > 0 {
		c.Aliases[0] = "changed"
	}
	if got := get().KeyPoints[0]; got != want {
		t.Errorf("key point changed to %q after an adapter edited its card", got)
	}
}
