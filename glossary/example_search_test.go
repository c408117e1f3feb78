package glossary_test

import (
	"fmt"

	"refbot/glossary"
)

// Search finds entries from a description of the idea, using every text
// field and the describes: phrasings; an off-topic question finds
// nothing.
func ExampleGlossary_SearchHits() {
	src := []glossary.Source{{Title: "A source", URL: "https://example.org"}}
	g, err := glossary.New([]glossary.Entry{{
		ID: "ai-safety-via-debate", Title: "AI Safety via Debate", Aliases: []string{"debate"},
		Summary:   "Two AI systems argue opposite sides of a question before a human judge.",
		Describes: []string{"two models argue and a person decides who won"},
		Sources:   src,
	}, {
		ID: "goodharts-law", Title: "Goodhart's Law",
		Summary:   "A measure that is pushed on stops tracking the goal it stood for.",
		Describes: []string{"a proxy stops working once it becomes the target"},
		Sources:   src,
	}, {
		ID: "corrigibility", Title: "Corrigibility",
		Summary:   "An AI that lets its overseers correct, retrain or shut it down.",
		Describes: []string{"an AI that lets you switch it off"},
		Sources:   src,
	}}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, q := range []string{"two AIs argue and a human judges", "when a proxy stops being a good target", "how do I bake sourdough bread"} {
		fmt.Printf("%s:", q)
		for _, h := range g.SearchHits(q, 3) {
			fmt.Printf(" %s", h.Entry.Title)
		}
		fmt.Println()
	}
	// Output:
	// two AIs argue and a human judges: AI Safety via Debate
	// when a proxy stops being a good target: Goodhart's Law
	// how do I bake sourdough bread:
}
