package shell_test

import (
	"context"
	"os"
	"strings"

	"refbot/adapters/shell"
	"refbot/bot"
	"refbot/glossary"
)

func ExampleRun() {
	g, err := glossary.New([]glossary.Entry{{
		ID:      "grokking",
		Title:   "Grokking",
		Summary: "Grokking is when a network generalises long after it has memorised its training data.",
		Sources: []glossary.Source{{Title: "Grokking", URL: "https://arxiv.org/abs/2201.02177", Year: 2022}},
	}}, nil)
	if err != nil {
		panic(err)
	}
	b := bot.New(g, bot.Config{})
	in := strings.NewReader("/define grokking\n")
	if err := shell.Run(context.Background(), b, in, os.Stdout, shell.Options{}); err != nil {
		panic(err)
	}
	// Output:
	// Grokking
	//
	// Grokking is when a network generalises long after it has memorised its
	// training data.
	//
	// Sources
	//   • Grokking (2022)
	//     https://arxiv.org/abs/2201.02177
}
