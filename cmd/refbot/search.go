package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"refbot/adapters/shell"
	"refbot/bot"
)

// searchJSON is the shape of refbot search --json; scripts rely on it.
type searchJSON struct {
	Query   string       `json:"query"`
	Results []resultJSON `json:"results"`
}

type resultJSON struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Score float64 `json:"score"`
}

// runSearch is refbot search: the /search ranking once, from the command
// line. It exits 1 when nothing in the glossary is relevant.
func runSearch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("search", stderr)
	asJSON := fs.Bool("json", false, "print the results as JSON")
	dir := fs.String("glossary", "", "a glossary directory to extend the embedded one with")
	limit := fs.Int("limit", bot.MaxSearchResults, "the most results to print (1 to 25; text output shows at most /search's 5)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	query := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(query) == "" || *limit < 1 || *limit > bot.MaxChoices {
		fmt.Fprintln(stderr, "usage: refbot search [--json] [--limit N] DESCRIPTION...   (N from 1 to 25)")
		return exitError{code: 2}
	}
	g, err := loadGlossary(*dir, "extend")
	if err != nil {
		return err
	}
	if *asJSON {
		out := searchJSON{Query: query, Results: []resultJSON{}}
		for _, h := range g.SearchHits(query, *limit) {
			// Three decimals: the ranking is computed in float32, and
			// more digits would only show its rounding.
			out.Results = append(out.Results, resultJSON{ID: h.Entry.ID, Title: h.Entry.Title, Score: math.Round(h.Score*1000) / 1000})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
		if len(out.Results) == 0 {
			return exitError{code: 1}
		}
		return nil
	}
	b := bot.New(g, bot.Config{})
	reply, err := b.Handle(ctx, bot.Request{Platform: "cli", Kind: bot.Command, Command: "search", Text: query})
	if err != nil {
		return err
	}
	if reply.ListKind == bot.Results && len(reply.Suggestions) > *limit {
		reply.Suggestions = reply.Suggestions[:*limit]
	}
	if err := shell.Render(stdout, reply, shell.Options{Color: useColor(getenv, stdout)}); err != nil {
		return err
	}
	if reply.ListKind != bot.Results || len(reply.Suggestions) == 0 {
		return exitError{code: 1}
	}
	return nil
}
