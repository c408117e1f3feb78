package bot_test

import (
	"context"
	"fmt"
	"strings"

	"refbot/bot"
	"refbot/glossary"
)

// An adapter renders a card once per glossary version: the second
// request is answered from the cache, and after a reload the card is
// rendered again from the new glossary.
func ExampleRendered() {
	entry := func(summary string) *glossary.Glossary {
		g, err := glossary.New([]glossary.Entry{{ID: "widget", Title: "Widget", Summary: summary,
			Sources: []glossary.Source{{Title: "Widgets", URL: "https://example.org/widgets"}}}}, nil)
		if err != nil {
			panic(err)
		}
		return g
	}
	b := bot.New(entry("The first summary."), bot.Config{})
	renders := 0
	answer := func() string {
		r := b.Answer(context.Background(), bot.Request{Kind: bot.Command, Command: bot.CommandDefine, Text: "widget"})
		if !r.CardOnly() {
			return "not a card"
		}
		return bot.Rendered(r.Card, "example/ephemeral", func() string {
			renders++
			return strings.ToUpper(r.Card.Summary)
		})
	}
	fmt.Println(answer(), answer(), renders)
	b.SetGlossary(entry("The second summary."))
	fmt.Println(answer(), renders)
	// Output:
	// THE FIRST SUMMARY. THE FIRST SUMMARY. 1
	// THE SECOND SUMMARY. 2
}
