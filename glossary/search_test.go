package glossary_test

import (
	"slices"
	"strings"
	"testing"

	"refbot/glossary"
)

func TestSearchTopics(t *testing.T) {
	g := defaultGlossary(t)
	for _, tt := range []struct {
		query, first string
	}{
		{"alignment", "ai-alignment"},
		{"interpretability", "mechanistic-interpretability"},
		{"RLHF", "rlhf"},
		{"xrisk", "existential-risk"},             // a name, not a description: Lookup's answer comes first
		{"mesaoptimization", "mesa-optimization"}, // likewise
		{"paperclips", "paperclip-maximizer"},
		{"optimisation daemons", "mesa-optimization"},
	} {
		hits := g.SearchHits(tt.query, 5)
		if len(hits) == 0 || hits[0].Entry.ID != tt.first {
			t.Errorf("SearchHits(%q) = %v, want %s first", tt.query, hitIDs(hits), tt.first)
		}
		for i := 1; i < len(hits); i++ {
			if hits[i].Score > hits[i-1].Score {
				t.Errorf("SearchHits(%q): %v not best first", tt.query, hitIDs(hits))
			}
		}
	}
	for _, q := range []string{"", "the", "what is", "?!", "zzzzqqq", strings.Repeat("sourdough ", 500)} {
		if hits := g.SearchHits(q, 5); len(hits) != 0 {
			t.Errorf("SearchHits(%.20q) = %v, want nothing", q, hitIDs(hits))
		}
	}
	if hits := g.SearchHits("alignment", 0); hits != nil {
		t.Errorf("n=0 gave %v", hitIDs(hits))
	}
}

// TestSearchNamesTable runs the name matcher's quality table through
// Search: a name is a query too, and must come first.
func TestSearchNamesTable(t *testing.T) {
	g := defaultGlossary(t)
	var n, top1 int
	for _, c := range lookupCases {
		if c.want == "" {
			continue
		}
		n++
		if res := g.Search(c.query, 5); len(res) > 0 && res[0].ID == c.want {
			top1++
		} else {
			t.Logf("Search(%q) = %v, want %s first", c.query, ids(res), c.want)
		}
	}
	t.Logf("names through Search: top-1 %d/%d", top1, n)
	if float64(top1) < 0.95*float64(n) {
		t.Errorf("top-1 %d/%d, want ≥ 95%%", top1, n)
	}
}

func TestIsDescription(t *testing.T) {
	for q, want := range map[string]bool{
		"when a proxy stops being a good target": true,
		"two AIs argue and a human judges":       true,
		"what is the orthogonality thesis":       false, // two words once "what is" goes
		"mesa optimisation":                      false,
		"ELK":                                    false,
		"":                                       false,
		"the thing where the model is deceptive": false, // thing and where say nothing
	} {
		if got := glossary.IsDescription(q); got != want {
			t.Errorf("IsDescription(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestCompleteDescribed(t *testing.T) {
	g := defaultGlossary(t)
	choices := func(p string) []string {
		var out []string
		for _, c := range g.Complete(p, 25) {
			out = append(out, c.Entry.ID)
		}
		return out
	}
	if got := choices("two AIs argue and a hu"); !slices.Contains(got, "ai-safety-via-debate") {
		t.Errorf("Complete(two AIs argue and a hu) = %v, want AI safety via debate among them", got)
	}
	if got := choices("how do I bake sourdo"); len(got) != 0 {
		t.Errorf("Complete(how do I bake sourdo) = %v, want nothing", got)
	}
	if got := choices("mesa"); len(got) < 2 || !strings.HasPrefix(got[0], "mesa-") || !strings.HasPrefix(got[1], "mesa-") {
		t.Errorf("Complete(mesa) = %v, want the mesa- names first", got)
	}
}

func hitIDs(hs []glossary.Hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Entry.ID
	}
	return out
}

func TestDescribesValidation(t *testing.T) {
	base := glossary.Entry{
		ID: "widget", Title: "Widget", Summary: "A widget.",
		Sources: []glossary.Source{{Title: "W", URL: "https://example.org/w"}},
	}
	for _, tt := range []struct {
		name      string
		describes []string
		want      string // "" for valid
	}{
		{"valid", []string{"a thing that does stuff", "another phrasing"}, ""},
		{"too long", []string{strings.Repeat("x", glossary.MaxDescribe+1)}, "describes[0]: is 151 characters; the limit is 150"},
		{"two lines", []string{"one\ntwo"}, "describes[0]: contains a control character"},
		{"empty", []string{"  "}, "describes[0]: is missing or empty"},
		{"no letters", []string{"?!"}, "describes[0]: \"?!\" has no letters or digits"},
		{"repeated", []string{"A thing", "a  THING!"}, "describes[1]: repeats describes[0]"},
		{"too many", slices.Repeat([]string{"x"}, glossary.MaxDescribes+1), "describes: has 13 phrasings; the limit is 12"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := base
			e.Describes = tt.describes
			_, err := glossary.New([]glossary.Entry{e}, nil)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("New: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("New: %v, want %q", err, tt.want)
			}
		})
	}
}
