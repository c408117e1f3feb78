package bot_test

import (
	"context"
	"fmt"

	"refbot/bot"
	"refbot/glossary"
)

func ExampleBot_Handle() {
	g, err := glossary.New([]glossary.Entry{
		{
			ID:      "corrigibility",
			Title:   "Corrigibility",
			Aliases: []string{"corrigible"},
			Summary: "Corrigibility is the property of an AI system that lets its overseers correct it. It does not resist shutdown.",
			Sources: []glossary.Source{{Title: "Corrigibility", URL: "https://intelligence.org/files/Corrigibility.pdf"}},
			SeeAlso: []string{"off-switch-problem"},
		},
		{
			ID:      "off-switch-problem",
			Title:   "Off-Switch Problem",
			Summary: "The off-switch problem asks how to build an agent that lets itself be switched off.",
			Sources: []glossary.Source{{Title: "The Off-Switch Game", URL: "https://arxiv.org/abs/1611.08219"}},
		},
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	b := bot.New(g, bot.Config{})

	// A misspelt term still finds its card.
	reply, err := b.Handle(context.Background(), bot.Request{Kind: bot.Command, Command: "define", Text: "corrigable"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(reply.Card.Title)
	for _, s := range reply.Card.SeeAlso {
		fmt.Println("related:", s.Title)
	}

	// A term the glossary lacks gets a notice, not an error.
	reply, _ = b.Handle(context.Background(), bot.Request{Kind: bot.Command, Command: "define", Text: "kubernetes"})
	fmt.Println(reply.Card == nil, reply.Notice != "")
	// Output:
	// Corrigibility
	// related: Off-Switch Problem
	// true true
}
