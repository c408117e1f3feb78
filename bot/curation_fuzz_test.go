package bot_test

import (
	"regexp"
	"strings"
	"testing"

	"refbot/bot"
	"refbot/glossary"
)

// FuzzSuggestionForm submits anything in the suggestion form's fields,
// new or as an edit of an entry: never a panic or an error, the answer
// always says something, a submission is either taken or sent back with
// its problems, and one that is taken can be approved — the validator
// accepts it over the glossary in service — and is then served.
func FuzzSuggestionForm(f *testing.F) {
	f.Add("", "Lottery Ticket Hypothesis", "winning tickets", "A network holds a small one.", "- a\n- b", "Paper — https://example.org\nSee also: grokking")
	f.Add("mesa-optimization", "Mesa-Optimization", "", "Edited.", "", "[Risks](https://arxiv.org/abs/1906.01820)")
	f.Add("", "!!!", ",,,", "", "1. x\n2) y", "Paper — javascript:alert(1)\nrelated: @everyone")
	f.Add("no-such-entry", "日本語", "a;b\nc", "\x00", strings.Repeat("p\n", 20), "https://example.org — title first")
	f.Add("", "x", "", "s", "", "see also")
	src := []glossary.Source{{Title: "S", URL: "https://example.org/s"}}
	g, err := glossary.New([]glossary.Entry{
		{ID: "grokking", Title: "Grokking", Summary: "Late generalisation.", Sources: src},
		{ID: "mesa-optimization", Title: "Mesa-Optimization", Aliases: []string{"mesa-optimizer"}, Summary: "A learned optimizer.", Sources: src, SeeAlso: []string{"grokking"}},
	}, nil)
	if err != nil {
		f.Fatal(err)
	}
	b := bot.New(g, bot.Config{CurationStore: bot.NewMemoryCuration(), Curation: bot.CurationConfig{
		MaxPending: 1 << 30, Reviewers: []bot.Who{{Platform: "test", User: "mod"}},
	}})
	number := regexp.MustCompile(`number (\d+)`)
	f.Fuzz(func(t *testing.T, state, title, aliases, summary, points, sources string) {
		fields := map[string]string{bot.FieldTitle: title, bot.FieldAliases: aliases, bot.FieldSummary: summary, bot.FieldKeyPoints: points, bot.FieldSources: sources}
		r, err := b.Handle(t.Context(), bot.Request{Platform: "test", User: "ann", Kind: bot.Submit, Command: bot.ActionSuggest, Text: state, Fields: fields})
		if err != nil {
			t.Fatalf("Handle: %v", err)
		}
		if r.Notice == "" {
			t.Fatalf("an answer with nothing to say: %+v", r)
		}
		if r.Card == nil {
			if r.Form == nil || !r.Form.HasProblems() {
				t.Fatalf("neither taken nor sent back with problems: %+v", r)
			}
			return
		}
		m := number.FindStringSubmatch(r.Notice)
		if m == nil {
			t.Fatalf("taken without a number: %q", r.Notice)
		}
		a, err := b.Handle(t.Context(), bot.Request{Platform: "test", User: "mod", Kind: bot.Action, Command: bot.ActionApprove, Text: m[1]})
		if err != nil || !strings.HasPrefix(a.Notice, "Approved:") {
			t.Fatalf("a suggestion that was taken cannot be approved: %q, %v", a.Notice, err)
		}
		if _, ok := b.Glossary().Entry(r.Card.ID); !ok {
			t.Fatalf("approved %s is not served", r.Card.ID)
		}
	})
}
