package bot_test

import (
	"context"
	"fmt"

	"refbot/bot"
	"refbot/glossary"
)

// Auto-linking: a channel opts in, a message that mentions a term gets a
// link, and the same term soon after stays quiet.
func ExampleBot_Handle_autolink() {
	g, err := glossary.New([]glossary.Entry{{
		ID:      "grokking",
		Title:   "Grokking",
		Summary: "Grokking is when a network generalises long after it has memorised its training data.",
		Sources: []glossary.Source{{Title: "Grokking", URL: "https://arxiv.org/abs/2201.02177"}},
	}}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	b := bot.New(g, bot.Config{Autolink: bot.AutolinkConfig{
		Enabled:  true,
		Channels: []bot.AutolinkChannel{{Platform: "slack", Channel: "C1", Mode: bot.AutolinkDigest}},
	}})
	ctx := context.Background()
	for _, text := range []string{"is this grokking?", "more grokking"} {
		r, _ := b.Handle(ctx, bot.Request{Platform: "slack", Channel: "C1", User: "U1", Kind: bot.Message, Text: text})
		fmt.Printf("%q: %d link(s)\n", text, len(r.Links))
		for _, l := range r.Links {
			fmt.Println(" ", l.Title, l.URL)
		}
	}
	// Output:
	// "is this grokking?": 1 link(s)
	//   Grokking https://arxiv.org/abs/2201.02177
	// "more grokking": 0 link(s)
}
