package web

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"refbot/glossary"
)

// Payloads a glossary file might carry, by mistake or on purpose: each
// tries to leave the text it is written into (an element, an attribute,
// the title, an SVG label, a URL) and run script or add markup.
var payloads = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`'><svg onload=alert(1)>`,
	`</title><script>alert(1)</script>`,
	`</text></svg><script>alert(1)</script>`,
	`<!-- <script>alert(1)</script> -->`,
	`javascript:alert(1)`,
	`&lt;b&gt;pre-escaped&lt;/b&gt;`,
	`{{template "layout" .}}`,
	`<style>body{display:none}</style>`,
}

// hostileGlossary puts payload into every text field of an entry and a
// curriculum, and into a source URL's path and query (the loader allows
// only http(s) URLs without quotes, spaces or angle brackets; the rest of
// a URL is the page's to escape).
func hostileGlossary(t *testing.T, payload string) *glossary.Glossary {
	t.Helper()
	src := glossary.Source{
		Title:   "Source " + payload,
		URL:     "https://example.org/a'onmouseover=alert(1)//?q=" + url.QueryEscape(payload) + "&x=javascript:alert(1)",
		Authors: "Author " + payload,
		Year:    2020,
	}
	evil := glossary.Entry{
		ID:        "evil",
		Title:     "Evil " + payload,
		Aliases:   []string{"alias " + payload},
		Summary:   "Summary " + payload + ". Second sentence " + payload + ".",
		KeyPoints: []string{"Point " + payload},
		Sources:   []glossary.Source{src},
		SeeAlso:   []string{"plain"},
		Tags:      []string{"hostile"},
		Questions: []string{"Question " + payload + "?"},
	}
	plain := glossary.Entry{
		ID: "plain", Title: "Plain", Summary: "A plain entry that the hostile one points to.",
		Sources: []glossary.Source{{Title: "A source", URL: "https://example.org/plain"}},
		SeeAlso: []string{"evil"},
	}
	cur := glossary.Curriculum{
		ID: "course", Title: "Course " + payload, Description: "Description " + payload,
		Steps: []glossary.Step{{
			Title: "Step " + payload, Entries: []string{"evil", "plain"},
			Readings:  []glossary.Source{src},
			Questions: []string{"Discuss " + payload},
		}},
	}
	g, err := glossary.New([]glossary.Entry{evil, plain}, []glossary.Curriculum{cur})
	if err != nil {
		t.Fatalf("the loader refused the payload %q, so this case tests nothing: %v", payload, err)
	}
	return g
}

func TestHostileEntriesCannotInjectMarkup(t *testing.T) {
	for _, payload := range payloads {
		t.Run(payload, func(t *testing.T) {
			g := hostileGlossary(t, payload)
			for _, st := range []style{{}, {static: true, base: "https://example.org/site/"}} {
				site, err := render(g, st, testTime)
				if err != nil {
					t.Fatal(err)
				}
				pages := map[string][]byte{}
				for k, f := range site.files {
					pages[k] = f.body
				}
				// The pages rendered per request: search (with the payload
				// as the query, too) and 404.
				for _, q := range []string{payload, "evil", "plain"} {
					b, err := renderSearch(site, q)
					if err != nil {
						t.Fatal(err)
					}
					pages["search?q="+q] = b
				}
				escapedSeen := false
				for key, body := range pages {
					s := string(body)
					switch {
					case strings.HasSuffix(key, ".json") || strings.HasPrefix(key, "api/"):
						if !json.Valid(body) {
							t.Errorf("%s: not valid JSON", key)
						}
						if strings.ContainsAny(s, "<>") {
							t.Errorf("%s: JSON with a raw < or >", key)
						}
						continue
					case strings.HasSuffix(key, ".js"):
						if strings.Contains(s, "</script") || strings.Contains(s, "<script") {
							t.Errorf("%s: the search index carries a raw <script", key)
						}
						continue
					case strings.HasSuffix(key, ".css") || strings.HasSuffix(key, ".svg"):
						continue
					}
					if err := checkHTML(body); err != nil {
						t.Errorf("%s (static %v) with payload: %v", key, st.static, err)
					}
					wantScripts := 0
					if key == "search.html" {
						wantScripts = 2
					}
					if n := strings.Count(s, "<script"); n != wantScripts {
						t.Errorf("%s: %d <script elements, want %d", key, n, wantScripts)
					}
					for _, bad := range []string{"<img", "<svg onload", "<style", "alert(1)</script>"} {
						if strings.Contains(s, bad) {
							t.Errorf("%s: contains %q", key, bad)
						}
					}
					if strings.Contains(s, template_escape(payload)) {
						escapedSeen = true
					}
				}
				if !escapedSeen {
					t.Errorf("static %v: the payload appears escaped on no page, so it was dropped, not escaped", st.static)
				}
			}
		})
	}
}

// renderSearch renders the search page for q as the server would (the
// redirect for a confident match aside).
func renderSearch(s *site, q string) ([]byte, error) {
	var buf bytes.Buffer
	err := s.searchPage(&buf, q)
	return buf.Bytes(), err
}
