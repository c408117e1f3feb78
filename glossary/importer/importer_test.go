package importer_test

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"refbot/glossary"
	"refbot/glossary/importer"
)

func TestParsePage(t *testing.T) {
	page := `Widget Theory (Example Wiki)
Credibility Rating
Metadata
Summary
Widget theory studies small things.
It has two sentences.
Key Points
- •First point.
- •Second point.
Cited by 1 page
| Page | Type | Quality |
|---|---|---|
| Mesa-Optimization | Risk | 50.0 |
Cached Content Preview
[Discussion](https://example.org/w/widget-theory/discussion)
[Widget Theory](https://example.org/w/widget-theory#top)
`
	p, err := importer.ParsePage([]byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "Widget Theory" || p.Venue != "Example Wiki" {
		t.Errorf("title %q venue %q", p.Title, p.Venue)
	}
	if p.Summary != "Widget theory studies small things. It has two sentences." {
		t.Errorf("summary %q", p.Summary)
	}
	if len(p.KeyPoints) != 2 || p.KeyPoints[0] != "First point." {
		t.Errorf("key points %q", p.KeyPoints)
	}
	if len(p.CitedBy) != 1 || p.CitedBy[0] != "Mesa-Optimization" {
		t.Errorf("cited by %q", p.CitedBy)
	}
	if p.SourceURL != "https://example.org/w/widget-theory" {
		t.Errorf("source %q", p.SourceURL)
	}
	e := p.Draft()
	if e.ID != "widget-theory" || e.Sources[0].Title != "Widget Theory (Example Wiki)" {
		t.Errorf("draft %+v", e)
	}
	for _, c := range []struct{ page, want string }{
		{"", "empty"},
		{"Title only\n", `missing a "Summary" section and a link`},
		{"T\nSummary\ntext\n", "missing a link"},
	} {
		if _, err := importer.ParsePage([]byte(c.page)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParsePage(%q) error = %v, want %q", c.page, err, c.want)
		}
	}
}

// A source keeps its own title: when no link of the page is titled like
// the page, the draft's source is the first link, under the link's own
// title, not the page's (issue 12.11).
func TestDraftSourceTitle(t *testing.T) {
	const head = "Reward Shaping (arXiv)\nSummary\nShaping adds reward terms.\nCached Content Preview\n"
	tests := []struct {
		name, content, title, url string
		own                       bool
	}{
		{"the page's own link", "[Other Paper](https://arxiv.org/abs/1)\n[Reward Shaping](https://arxiv.org/abs/2#v1)\n",
			"Reward Shaping (arXiv)", "https://arxiv.org/abs/2", true},
		{"another paper's link", "[Policy Invariance Under Reward Transformations](https://example.org/ng99.pdf)\n",
			"Policy Invariance Under Reward Transformations", "https://example.org/ng99.pdf", false},
		{"links without words are skipped", "[\\[1\\]](https://example.org/fn1)\n[2301.00001](https://arxiv.org/abs/2301.00001)\n[Potential-Based Shaping](https://example.org/pbs)\n",
			"Potential-Based Shaping", "https://example.org/pbs", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := importer.ParsePage([]byte(head + tt.content))
			if err != nil {
				t.Fatal(err)
			}
			src := p.Draft().Sources[0]
			if src.Title != tt.title || src.URL != tt.url || p.OwnSource != tt.own {
				t.Errorf("source %+v (own %v), want %q at %s (own %v)", src, p.OwnSource, tt.title, tt.url, tt.own)
			}
		})
	}
}

func FuzzParsePage(f *testing.F) {
	f.Add([]byte("Widget (Wiki)\nSummary\nText.\nKey Points\n- •A\nCited by 1 page\n| Page | Type |\n|---|---|\n| Mesa-Optimization | Risk |\nCached Content Preview\n[Widget](https://example.org/w#x)\n"))
	b, err := os.ReadFile("testdata/reward-shaping.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	// The layout of a full exported page, with the lines the parser skips.
	f.Add([]byte("Widget Theory (Example Wiki)\nCredibility Rating\nGood quality.\nMetadata\nSummary\nWidget theory studies small things.\nIt has two sentences.\nKey Points\n- •First point.\n- •Second point.\nCited by 2 pages\n| Page | Type | Quality |\n|---|---|---|\n| Mesa-Optimization | Risk | 50.0 |\n| Inner Alignment | Concept | 70.0 |\nCached Content Preview\n[Discussion](https://example.org/w/widget-theory/discussion)\n[Widget Theory](https://example.org/w/widget-theory#top)\n"))
	for _, s := range []string{"", "\n\n\n", "T\nSummary\n", "T\nCached Content Preview\n[](http://)\n", "| a |\n|---|\n", "T (\nSummary\nx\n[T](https://a.b/%zz)\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, page []byte) {
		p, err := importer.ParsePage(page)
		if err != nil {
			return
		}
		e := p.Draft()
		for _, s := range []string{p.Title, p.Summary, p.SourceURL, e.ID, e.Title, e.Summary} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
		}
		if utf8.RuneCountInString(e.Summary) > glossary.MaxSummary || utf8.RuneCountInString(e.Title) > glossary.MaxTitle {
			t.Fatalf("draft over limits: %d, %d", utf8.RuneCountInString(e.Summary), utf8.RuneCountInString(e.Title))
		}
	})
}

// TestDraftLimits: a draft fits the glossary's limits, cut at sentence or
// word boundaries.
func TestDraftLimits(t *testing.T) {
	sentence := "Shaping adds a hint to the reward so that learning goes faster. "
	for _, c := range []struct {
		name, summary string
		wantEnd       string // how the draft's summary ends
	}{
		{"whole sentences", strings.Repeat(sentence, 20), "faster."},
		{"one long sentence", strings.Repeat("hint and ", 120) + "done.", "…"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := importer.Page{
				Title:     strings.Repeat("Reward Shaping ", 10),
				Summary:   c.summary,
				SourceURL: "https://example.org/wiki/reward-shaping",
			}
			for range 12 {
				p.KeyPoints = append(p.KeyPoints, strings.Repeat("a point\twith a tab ", 30))
			}
			e := p.Draft()
			if n := utf8.RuneCountInString(e.Title); n > glossary.MaxTitle || !strings.HasSuffix(e.Title, "…") {
				t.Errorf("title %q: %d characters", e.Title, n)
			}
			if n := utf8.RuneCountInString(e.Summary); n > glossary.MaxSummary || !strings.HasSuffix(e.Summary, c.wantEnd) {
				t.Errorf("summary ends %q, %d characters; want it to end %q", e.Summary[max(0, len(e.Summary)-20):], n, c.wantEnd)
			}
			if len(e.KeyPoints) != glossary.MaxKeyPoints {
				t.Errorf("%d key points, want %d", len(e.KeyPoints), glossary.MaxKeyPoints)
			}
			for _, k := range e.KeyPoints {
				if utf8.RuneCountInString(k) > glossary.MaxPoint || strings.Contains(k, "\t") {
					t.Errorf("key point %q", k)
				}
			}
			if e.ID != glossary.Slug(e.Title) || len(e.ID) > 64 {
				t.Errorf("id %q", e.ID)
			}
		})
	}
}
