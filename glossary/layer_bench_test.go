package glossary_test

import (
	"testing"

	"refbot/glossary"
	"refbot/glossary/data"
)

// The cost of the curated layer on the embedded glossary: checking one
// suggestion (Check) beside the naive way, validating and building the
// whole glossary with it (New); and laying one entry over the files (Over,
// what every process does when the layer changes) beside loading the
// files again (Load).
func BenchmarkLayer(b *testing.B) {
	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		b.Fatal(err)
	}
	e := glossary.Entry{ID: "lottery-ticket-hypothesis", Title: "Lottery Ticket Hypothesis", Aliases: []string{"winning tickets"},
		Summary: "A large network holds a small one that learns as well.", Sources: []glossary.Source{{Title: "Paper", URL: "https://arxiv.org/abs/1803.03635"}},
		SeeAlso: []string{"grokking"}}
	b.Run("Check", func(b *testing.B) {
		for b.Loop() {
			if p := g.Check(e); len(p) > 0 {
				b.Fatal(p)
			}
		}
	})
	all := make([]glossary.Entry, 0, g.Len()+1)
	for _, x := range g.Entries() {
		all = append(all, *x)
	}
	all = append(all, e)
	b.Run("CheckNaive", func(b *testing.B) {
		for b.Loop() {
			if _, err := glossary.New(all, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Over", func(b *testing.B) {
		for b.Loop() {
			if _, p := g.Over("curated", []glossary.Entry{e}); len(p) > 0 {
				b.Fatal(p)
			}
		}
	})
	b.Run("Load", func(b *testing.B) {
		for b.Loop() {
			if _, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
