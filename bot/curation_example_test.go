package bot_test

import (
	"context"
	"fmt"

	"refbot/bot"
	"refbot/glossary"
)

// A member suggests a term through the form, a reviewer approves it, and
// /define finds it: curation as the core sees it, whatever the platform.
func ExampleBot_RunCuration() {
	g, _ := glossary.New([]glossary.Entry{{
		ID: "grokking", Title: "Grokking", Summary: "Generalisation long after fitting the training data.",
		Sources: []glossary.Source{{Title: "Grokking", URL: "https://arxiv.org/abs/2201.02177"}},
	}}, nil)
	b := bot.New(g, bot.Config{Curation: bot.CurationConfig{Reviewers: []bot.Who{{Platform: "chat", User: "mod"}}}})
	ctx := context.Background()
	ask := func(user string, kind bot.Kind, command, text string, fields map[string]string) bot.Reply {
		r, err := b.Handle(ctx, bot.Request{Platform: "chat", User: user, Kind: kind, Command: command, Text: text, Fields: fields})
		if err != nil {
			fmt.Println(err)
		}
		return r
	}

	form := ask("ann", bot.Command, bot.CommandSuggest, "lottery ticket hypothesis", nil).Form
	fmt.Println(form.Title+":", form.Fields[0].Label, "=", form.Fields[0].Value)
	r := ask("ann", bot.Submit, form.Action, form.State, map[string]string{
		bot.FieldTitle:   "Lottery Ticket Hypothesis",
		bot.FieldSummary: "A large network holds a small one that, trained alone, does as well.",
		bot.FieldSources: "The Lottery Ticket Hypothesis — http://example.org/lth\nSee also: grokking",
	})
	fmt.Println(r.Card.Title, "waits for review")
	fmt.Println(ask("mod", bot.Action, bot.ActionApprove, "1", nil).Notice)
	fmt.Println(ask("bob", bot.Command, bot.CommandDefine, "lottery ticket", nil).Card.SeeAlso[0].Title)
	// Output:
	// Suggest a term: Term = lottery ticket hypothesis
	// Lottery Ticket Hypothesis waits for review
	// Approved: Lottery Ticket Hypothesis is in the glossary now, on every platform; /define Lottery Ticket Hypothesis finds it.
	// Grokking
}
