package importer_test

import (
	"fmt"
	"os"

	"refbot/glossary/importer"
)

func ExampleParsePage() {
	raw, err := os.ReadFile("testdata/reward-shaping.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := importer.ParsePage(raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s, from %s, cited by %q\n", p.Title, p.SourceURL, p.CitedBy)
	// The draft is only a start: its prose is the page's, to be rewritten.
	e := p.Draft()
	fmt.Println(e.ID, "-", len(e.KeyPoints), "key points")
	fmt.Println(e.Sources[0].Title)

	_, err = importer.ParsePage([]byte("Just a title\n"))
	fmt.Println(err)
	// Output:
	// Reward Shaping, from https://example.org/wiki/reward-shaping, cited by ["Reward Hacking" "Goodhart's Law" "Kubernetes Operations"]
	// reward-shaping - 3 key points
	// Reward Shaping (Example Wiki)
	// missing a "Summary" section and a link to the page itself in its cached content
}
