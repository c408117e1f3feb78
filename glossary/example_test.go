package glossary_test

import (
	"fmt"

	"refbot/glossary"
)

func Example() {
	g, err := glossary.New([]glossary.Entry{{
		ID:      "mesa-optimization",
		Title:   "Mesa-Optimization",
		Aliases: []string{"mesa-optimizer", "inner optimizer"},
		Summary: "A learned model that is itself an optimizer.",
		Sources: []glossary.Source{{Title: "Risks from Learned Optimization", URL: "https://arxiv.org/abs/1906.01820"}},
	}, {
		ID:      "mesa-objective",
		Title:   "Mesa-Objective",
		Summary: "The objective a mesa-optimizer pursues.",
		Sources: []glossary.Source{{Title: "Risks from Learned Optimization", URL: "https://arxiv.org/abs/1906.01820"}},
	}}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, q := range []string{"mesa optimisation", "MESA-OPTIMISERS", "mesa obejctive", "mesa", "banana bread"} {
		r := g.Lookup(q)
		switch {
		case r.Match != nil:
			fmt.Printf("%-18s → %s (%.2f)\n", q, r.Match.Title, r.Score)
		case len(r.Suggestions) > 0:
			fmt.Printf("%-18s → did you mean %s or %s?\n", q, r.Suggestions[0].Entry.Title, r.Suggestions[1].Entry.Title)
		default:
			fmt.Printf("%-18s → nothing\n", q)
		}
	}
	// Output:
	// mesa optimisation  → Mesa-Optimization (1.00)
	// MESA-OPTIMISERS    → Mesa-Optimization (1.00)
	// mesa obejctive     → Mesa-Objective (0.86)
	// mesa               → did you mean Mesa-Objective or Mesa-Optimization?
	// banana bread       → nothing
}
