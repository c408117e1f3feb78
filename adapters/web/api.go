package web

import (
	"net/http"
	"strconv"
	"strings"

	"refbot/glossary"
)

// The JSON API, read-only, under api/v1/. Field names are stable: add
// fields, never rename or remove them. docs/web.md documents each one.

// DefineResult is the answer of GET api/v1/define?q= and the output of
// refbot define --json: the confident match or null, and the closest
// entries when there is none.
type DefineResult struct {
	Query       string `json:"query"`
	Match       *Match `json:"match"`
	Suggestions []Ref  `json:"suggestions"`
}

// Match is a confident lookup's entry, with its score (1 for an exact
// name, lower for each approximation).
type Match struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Score float64 `json:"score"`
}

// Ref names an entry.
type Ref struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Define looks q up in g as /define does.
func Define(g *glossary.Glossary, q string) DefineResult {
	r := g.Lookup(q)
	out := DefineResult{Query: q, Suggestions: []Ref{}}
	if r.Match != nil {
		out.Match = &Match{ID: r.Match.ID, Title: r.Match.Title, Score: r.Score}
	}
	for _, c := range r.Suggestions {
		out.Suggestions = append(out.Suggestions, Ref{ID: c.Entry.ID, Title: c.Entry.Title})
	}
	return out
}

// searchResult is the answer of api/v1/search.
type searchResult struct {
	Query   string     `json:"query"`
	Results []listItem `json:"results"`
}

// listItem is an entry in a list: api/v1/entries and api/v1/search.
type listItem struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Aliases []string `json:"aliases"`
	Line    string   `json:"line"` // the summary's first sentence
	Tags    []string `json:"tags"`
}

func item(e *glossary.Entry) listItem {
	return listItem{ID: e.ID, Title: e.Title, Aliases: nonNil(e.Aliases), Line: glossary.FirstSentence(e.Summary), Tags: nonNil(e.Tags)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// entryDoc is api/v1/entries/ID: the entry as its file holds it, with
// the entries related to it both ways and the curriculum steps that
// include it.
type entryDoc struct {
	glossary.Entry
	Related []Ref      `json:"related"`
	Steps   []stepDocs `json:"curricula"`
}

type stepDocs struct {
	Curriculum string `json:"curriculum"` // its id
	Step       int    `json:"step"`       // from 1
	Title      string `json:"title"`      // the step's title
}

// apiDocs renders the API documents that depend only on the glossary.
func (r *renderer) apiDocs() (map[string][]byte, error) {
	out := map[string][]byte{}
	put := func(key string, v any) error {
		b, err := marshal(v)
		if err != nil {
			return err
		}
		out[r.st.apiFile(key)] = b
		return nil
	}
	list := struct {
		Count   int        `json:"count"`
		Entries []listItem `json:"entries"`
	}{Entries: []listItem{}}
	for _, e := range r.g.Entries() {
		list.Entries = append(list.Entries, item(e))
		doc := entryDoc{Entry: *e, Related: []Ref{}, Steps: []stepDocs{}}
		for _, x := range r.g.Related(e.ID) {
			doc.Related = append(doc.Related, Ref{ID: x.ID, Title: x.Title})
		}
		for _, c := range r.g.Curricula() {
			for i, s := range c.Steps {
				for _, id := range s.Entries {
					if id == e.ID {
						doc.Steps = append(doc.Steps, stepDocs{Curriculum: c.ID, Step: i + 1, Title: s.Title})
					}
				}
			}
		}
		if err := put("api/v1/entries/"+e.ID, doc); err != nil {
			return nil, err
		}
	}
	list.Count = len(list.Entries)
	if err := put("api/v1/entries", list); err != nil {
		return nil, err
	}
	cs := struct {
		Curricula []*glossary.Curriculum `json:"curricula"`
	}{Curricula: r.g.Curricula()}
	if cs.Curricula == nil {
		cs.Curricula = []*glossary.Curriculum{}
	}
	return out, put("api/v1/curricula", cs)
}

func (s *Server) apiDefine(w http.ResponseWriter, r *http.Request) {
	q, ok := apiQuery(w, r, "api/v1/define?q=mesa+optimisation")
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, Define(s.current().g, q))
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	q, ok := apiQuery(w, r, "api/v1/search?q=interpretability")
	if !ok {
		return
	}
	n := 10
	if l := r.URL.Query().Get("limit"); l != "" {
		v, err := strconv.Atoi(l)
		if err != nil || v < 1 || v > 100 {
			apiError(w, http.StatusBadRequest, "limit must be a number from 1 to 100")
			return
		}
		n = v
	}
	out := searchResult{Query: q, Results: []listItem{}}
	for _, e := range s.current().g.Search(q, n) {
		out.Results = append(out.Results, item(e))
	}
	writeJSON(w, http.StatusOK, out)
}

// apiQuery reads the q parameter, answering 400 when it is missing or
// too long.
func apiQuery(w http.ResponseWriter, r *http.Request, example string) (string, bool) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	switch {
	case q == "":
		apiError(w, http.StatusBadRequest, "the query is missing: ask for "+example)
		return "", false
	case len(q) > maxQuery:
		apiError(w, http.StatusBadRequest, "the query is longer than "+strconv.Itoa(maxQuery)+" bytes; a term is shorter")
		return "", false
	}
	return q, true
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		apiError(w, http.StatusMethodNotAllowed, "the API is read-only: use GET")
		return
	}
	apiError(w, http.StatusNotFound, "no such API document; see api/v1/entries, api/v1/curricula, api/v1/define?q= and api/v1/search?q=")
}

func apiError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, struct {
		Error string `json:"error"`
	}{msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := marshal(v)
	if err != nil { // our own types: cannot happen
		http.Error(w, "cannot encode the answer", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(code)
	w.Write(b)
}

// preflight answers CORS preflight requests: any origin may GET.
func preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}
