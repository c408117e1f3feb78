package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"refbot/glossary"
	"refbot/glossary/data"
)

// holder is a Source whose glossary a test can swap, as a reload does.
type holder struct {
	p atomic.Pointer[glossary.Glossary]
}

func hold(g *glossary.Glossary) *holder {
	h := &holder{}
	h.p.Store(g)
	return h
}

func (h *holder) Glossary() *glossary.Glossary { return h.p.Load() }

var embedded = sync.OnceValues(func() (*glossary.Glossary, error) {
	return glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
})

func defaultGlossary(t testing.TB) *glossary.Glossary {
	t.Helper()
	g, err := embedded()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

var testTime = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func newTestServer(t testing.TB, src Source) *Server {
	return New(src, Options{Now: func() time.Time { return testTime }})
}

// shared is one server on the default glossary for the tests that only
// read: rendering takes a noticeable part of a second under -race.
var shared = sync.OnceValue(func() *Server {
	g, err := embedded()
	if err != nil {
		panic(err)
	}
	s := New(hold(g), Options{Now: func() time.Time { return testTime }})
	s.Prepare()
	return s
})

func get(t testing.TB, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// sitePaths are the pages of a served glossary, one of each kind at least.
func sitePaths(g *glossary.Glossary) []string {
	paths := []string{"/"}
	for _, e := range g.Entries() {
		paths = append(paths, "/terms/"+e.ID)
	}
	for _, c := range g.Curricula() {
		paths = append(paths, "/curricula/"+c.ID)
		for i := range c.Steps {
			paths = append(paths, "/"+stepPath(c.ID, i))
		}
	}
	return paths
}

func TestPagesServedValidAndCached(t *testing.T) {
	g := defaultGlossary(t)
	s := shared()
	for _, p := range sitePaths(g) {
		w := get(t, s, p)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: status %d, want 200", p, w.Code)
		}
		h := w.Header()
		if got := h.Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", p, got)
		}
		if got := h.Get("Content-Security-Policy"); got != ContentSecurityPolicy {
			t.Errorf("GET %s: Content-Security-Policy %q", p, got)
		}
		if h.Get("ETag") == "" || h.Get("Last-Modified") != testTime.Format(http.TimeFormat) {
			t.Errorf("GET %s: ETag %q, Last-Modified %q", p, h.Get("ETag"), h.Get("Last-Modified"))
		}
		if err := checkHTML(w.Body.Bytes()); err != nil {
			t.Errorf("GET %s is not valid HTML:\n%v", p, err)
		}
		if again := get(t, s, p, "If-None-Match", h.Get("ETag")); again.Code != http.StatusNotModified || again.Body.Len() != 0 {
			t.Errorf("GET %s with its ETag: status %d, %d bytes; want 304 and none", p, again.Code, again.Body.Len())
		}
		if again := get(t, s, p, "If-Modified-Since", testTime.Format(http.TimeFormat)); again.Code != http.StatusNotModified {
			t.Errorf("GET %s with If-Modified-Since: status %d, want 304", p, again.Code)
		}
	}
}

func TestEntryPageContent(t *testing.T) {
	g := defaultGlossary(t)
	s := shared()
	body := get(t, s, "/terms/mesa-optimization").Body.String()
	e, _ := g.Entry("mesa-optimization")
	want := []string{
		"<h1>Mesa-Optimization</h1>",
		`<meta property="og:title" content="Mesa-Optimization">`,
		`<meta property="og:type" content="article">`,
		`href="https://arxiv.org/abs/1906.01820"`, // a source
		"Hubinger et al., 2019",                   // its authors and year
		"<span>inner optimizer</span>",            // another name
		`href="../terms/inner-alignment"`,         // see_also
		`href="../terms/gradient-hacking"`,        // an entry that points here
		`href="../curricula/ai-safety-fundamentals/`,
		`class="node t`,       // the neighbourhood map
		`aria-current="page"`, // which node is this entry
		`href="../api/v1/entries/mesa-optimization"`,
	}
	for _, kp := range e.KeyPoints {
		want = append(want, template_escape(kp))
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("the entry page lacks %s", w)
		}
	}
}

// template_escape is how html/template writes plain text.
func template_escape(s string) string {
	r := strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;", `'`, "&#39;")
	return r.Replace(s)
}

func TestIndexHasEveryEntryAndTheMap(t *testing.T) {
	g := defaultGlossary(t)
	s := shared()
	body := get(t, s, "/").Body.String()
	for _, e := range g.Entries() {
		if n := strings.Count(body, `href="terms/`+e.ID+`"`); n < 2 {
			t.Errorf("the index links %s %d times; want the A–Z list and the map at least", e.ID, n)
		}
	}
	if got := strings.Count(body, `<a href="terms/`); got < 2*g.Len() {
		t.Errorf("%d term links on the index", got)
	}
	if n := strings.Count(body, `<li><span class="swatch t`); n < 2 {
		t.Errorf("the map's legend has %d topics", n)
	}
	_, legend := tagClasses(g)
	for _, l := range legend {
		if !strings.Contains(body, `<li><span class="swatch `+l.Class+`" aria-hidden="true"></span>`+l.Tag+`</li>`) {
			t.Errorf("the legend lacks %s", l.Tag)
		}
	}
	for _, w := range []string{`<svg class="map"`, `id="letter-m"`, `id="tag-inner-alignment"`, `href="curricula/ai-safety-fundamentals"`} {
		if !strings.Contains(body, w) {
			t.Errorf("the index lacks %s", w)
		}
	}
}

func TestSearch(t *testing.T) {
	s := shared()
	tests := []struct {
		q        string
		code     int
		location string   // for a redirect
		want     []string // in the page
	}{
		{q: "mesa optimisation", code: http.StatusSeeOther, location: "terms/mesa-optimization"},
		{q: "corrigable", code: http.StatusSeeOther, location: "terms/corrigibility"},
		{q: "MESA-OPTIMISERS", code: http.StatusSeeOther, location: "terms/mesa-optimization"},
		{q: "mesa", code: http.StatusOK, want: []string{"Did you mean", `href="terms/mesa-optimization"`, `href="terms/mesa-objective"`, `value="mesa"`}},
		{q: "interpretability", code: http.StatusSeeOther, location: "terms/mechanistic-interpretability"},
		{q: "reward", code: http.StatusOK, want: []string{`href="terms/reward-hacking"`, `href="terms/reward-tampering"`}},
		{q: "banana bread", code: http.StatusOK, want: []string{"No term matches “banana bread”"}},
		{q: "", code: http.StatusOK, want: []string{"Type a term above"}},
		{q: strings.Repeat("a", 300), code: http.StatusOK, want: []string{"too long"}},
	}
	for _, tt := range tests {
		w := get(t, s, "/search?q="+urlQuery(tt.q))
		if w.Code != tt.code {
			t.Errorf("search %q: status %d, want %d", tt.q, w.Code, tt.code)
			continue
		}
		if got := w.Header().Get("Location"); tt.location != "" && !strings.HasSuffix(got, tt.location) {
			t.Errorf("search %q: Location %q, want …%s", tt.q, got, tt.location)
		}
		for _, want := range tt.want {
			if !strings.Contains(w.Body.String(), want) {
				t.Errorf("search %q: the page lacks %s", tt.q, want)
			}
		}
		if tt.code == http.StatusOK {
			if err := checkHTML(w.Body.Bytes()); err != nil {
				t.Errorf("search %q: invalid HTML:\n%v", tt.q, err)
			}
		}
	}
}

func urlQuery(q string) string {
	return strings.NewReplacer("%", "%25", " ", "+", "&", "%26", "#", "%23", "+", "%2B").Replace(q)
}

func TestNotFound(t *testing.T) {
	s := shared()
	for _, p := range []string{"/terms/no-such-term", "/nope", "/curricula/x/9/deeper", "/curricula/ai-safety-fundamentals/99"} {
		w := get(t, s, p)
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, w.Code)
		}
		if err := checkHTML(w.Body.Bytes()); err != nil {
			t.Errorf("GET %s: invalid HTML:\n%v", p, err)
		}
		// The page's links must lead back to the site from where it is.
		depth := strings.Count(p, "/") - 1
		home := "./"
		if depth > 0 {
			home = strings.Repeat("../", depth)
		}
		if !strings.Contains(w.Body.String(), `href="`+home+`style.css"`) && !strings.Contains(w.Body.String(), `href="`+home+`"`) {
			t.Errorf("GET %s: the 404 page does not link %s", p, home)
		}
	}
	if w := get(t, s, "/api/v1/nope"); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), `"error"`) {
		t.Errorf("GET /api/v1/nope: %d %s; want a 404 JSON error", w.Code, w.Body)
	}
}

// A reload swaps the pages: the next request sees the new glossary, with
// a new ETag, and the old ETag no longer matches.
func TestReloadSwapsPages(t *testing.T) {
	g := defaultGlossary(t)
	src := hold(g)
	s := newTestServer(t, src)
	before := get(t, s, "/terms/mesa-optimization")
	var es []glossary.Entry
	for _, e := range g.Entries() {
		c := *e
		if c.ID == "mesa-optimization" {
			c.Summary = "A rewritten summary, to see the page change after a reload."
		}
		es = append(es, c)
	}
	var cs []glossary.Curriculum
	for _, c := range g.Curricula() {
		cs = append(cs, *c)
	}
	g2, err := glossary.New(es, cs)
	if err != nil {
		t.Fatal(err)
	}
	src.p.Store(g2)
	after := get(t, s, "/terms/mesa-optimization", "If-None-Match", before.Header().Get("ETag"))
	if after.Code != http.StatusOK || !strings.Contains(after.Body.String(), "A rewritten summary") {
		t.Fatalf("after the reload: status %d, new summary shown: %v", after.Code, strings.Contains(after.Body.String(), "A rewritten summary"))
	}
	if after.Header().Get("ETag") == before.Header().Get("ETag") {
		t.Error("the ETag did not change with the page")
	}
	// Pages that did not change keep their ETag.
	if a, b := get(t, s, "/terms/corrigibility").Header().Get("ETag"), get(t, s, "/terms/corrigibility").Header().Get("ETag"); a != b {
		t.Errorf("ETag of an unchanged page changed: %s, %s", a, b)
	}
}

// Many requests during a reload: each gets a whole page of one version,
// and the new version is rendered once (run with -race).
func TestConcurrentRequestsDuringReload(t *testing.T) {
	g := defaultGlossary(t)
	src := hold(g)
	s := newTestServer(t, src)
	s.Prepare()
	g2, err := glossary.New(entriesOf(g), nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 20 {
				if i == 0 {
					src.p.Store(g2)
				}
				w := get(t, s, "/terms/inner-alignment")
				if w.Code != http.StatusOK || !strings.HasSuffix(strings.TrimSpace(w.Body.String()), "</html>") {
					t.Errorf("status %d, a cut page", w.Code)
				}
			}
		})
	}
	wg.Wait()
}

func entriesOf(g *glossary.Glossary) []glossary.Entry {
	var es []glossary.Entry
	for _, e := range g.Entries() {
		es = append(es, *e)
	}
	return es
}

func TestLayoutIsDeterministic(t *testing.T) {
	g := defaultGlossary(t)
	a := get(t, shared(), "/")
	b := get(t, newTestServer(t, hold(g)), "/")
	if a.Header().Get("ETag") != b.Header().Get("ETag") {
		t.Error("two renderings of the same glossary differ: the map layout is not deterministic")
	}
}

func TestOpenGraphWithPublicURL(t *testing.T) {
	s := New(hold(defaultGlossary(t)), Options{PublicURL: "https://glossary.example.org/refbot"})
	body := get(t, s, "/terms/corrigibility").Body.String()
	for _, w := range []string{
		`<meta property="og:url" content="https://glossary.example.org/refbot/terms/corrigibility">`,
		`<link rel="canonical" href="https://glossary.example.org/refbot/terms/corrigibility">`,
		`<meta property="og:description" content="`,
	} {
		if !strings.Contains(body, w) {
			t.Errorf("the page lacks %s", w)
		}
	}
	if body := get(t, shared(), "/").Body.String(); strings.Contains(body, "og:url") {
		t.Error("og:url without a public URL")
	}
}

func TestAssets(t *testing.T) {
	s := shared()
	for p, ctype := range map[string]string{"/style.css": "text/css; charset=utf-8", "/favicon.svg": "image/svg+xml"} {
		w := get(t, s, p)
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != ctype || w.Body.Len() == 0 {
			t.Errorf("GET %s: %d %q, %d bytes", p, w.Code, w.Header().Get("Content-Type"), w.Body.Len())
		}
	}
	if w := get(t, s, "/search.js"); w.Code != http.StatusNotFound {
		t.Errorf("GET /search.js on the served site: %d; only the static export has it", w.Code)
	}
	if w := get(t, s, "/"); w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no X-Content-Type-Options: nosniff")
	}
	req := httptest.NewRequest(http.MethodHead, "/terms/myopia", nil)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Errorf("HEAD: %d, %d bytes", w.Code, w.Body.Len())
	}
	req = httptest.NewRequest(http.MethodPost, "/terms/myopia", strings.NewReader("x"))
	w = httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code == http.StatusOK {
		t.Error("POST answered 200")
	}
}

func TestExport(t *testing.T) {
	g := defaultGlossary(t)
	dir := filepath.Join(t.TempDir(), "site")
	files, err := Export(dir, g, "https://example.org/glossary", testTime)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < g.Len()+5 {
		t.Fatalf("%d files", len(files))
	}
	exist := map[string]bool{}
	for _, f := range files {
		exist[f] = true
	}
	for _, f := range []string{"index.html", "search.html", "search.js", "search-index.js", "style.css", "404.html",
		"terms/mesa-optimization.html", "curricula/ai-safety-fundamentals.html", "curricula/ai-safety-fundamentals/1.html",
		"api/v1/entries.json", "api/v1/entries/mesa-optimization.json", "api/v1/curricula.json"} {
		if !exist[f] {
			t.Errorf("the export lacks %s", f)
		}
	}
	for _, f := range files {
		if !strings.HasSuffix(f, ".html") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := checkHTML(b); err != nil {
			t.Errorf("%s is not valid HTML:\n%v", f, err)
		}
		for _, link := range relativeLinks(b) {
			target := filepath.Join(filepath.Dir(f), link)
			if !exist[filepath.ToSlash(target)] {
				t.Errorf("%s links %s, which the export does not have", f, link)
			}
		}
	}
	// A second export replaces the first; a directory of other things is refused.
	if _, err := Export(dir, g, "", testTime); err != nil {
		t.Errorf("re-export: %v", err)
	}
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "precious.txt"), []byte("keep"), 0o644)
	if _, err := Export(other, g, "", testTime); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("export into a non-empty directory: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(other, "precious.txt")); string(b) != "keep" {
		t.Error("the export touched a directory it refused")
	}
}

// relativeLinks returns the page's href and src values that point inside
// the site, without fragments.
func relativeLinks(page []byte) []string {
	var out []string
	for _, attr := range []string{`href="`, `src="`} {
		rest := string(page)
		for {
			i := strings.Index(rest, attr)
			if i < 0 {
				break
			}
			rest = rest[i+len(attr):]
			v := rest[:strings.IndexByte(rest, '"')]
			if v == "" || strings.Contains(v, "://") || strings.HasPrefix(v, "#") {
				continue
			}
			if j := strings.IndexByte(v, '#'); j >= 0 {
				v = v[:j]
			}
			out = append(out, v)
		}
	}
	return out
}

func TestAPI(t *testing.T) {
	g := defaultGlossary(t)
	s := shared()
	decode := func(target string, code int, v any) http.Header {
		t.Helper()
		w := get(t, s, target, "Origin", "https://elsewhere.example")
		if w.Code != code {
			t.Fatalf("GET %s: status %d, want %d: %s", target, w.Code, code, w.Body)
		}
		if got := w.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", target, got)
		}
		if got := w.Header().Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("GET %s: Access-Control-Allow-Origin %q", target, got)
		}
		dec := json.NewDecoder(w.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
		return w.Header()
	}

	var def DefineResult
	decode("/api/v1/define?q=mesa+optimisation", 200, &def)
	if def.Match == nil || def.Match.ID != "mesa-optimization" || def.Match.Score != 1 || def.Query != "mesa optimisation" {
		t.Errorf("define: %+v", def)
	}
	var none DefineResult
	decode("/api/v1/define?q=mesa", 200, &none)
	if none.Match != nil || len(none.Suggestions) < 2 {
		t.Errorf("define mesa: %+v", none)
	}
	raw := get(t, s, "/api/v1/define?q=banana+bread").Body.String()
	if !strings.Contains(raw, `"match": null`) || !strings.Contains(raw, `"suggestions": []`) {
		t.Errorf("define with no answer: %s; want match null and suggestions []", raw)
	}

	var sr searchResult
	decode("/api/v1/search?q=interpretability&limit=3", 200, &sr)
	if len(sr.Results) != 3 || sr.Results[0].ID == "" || sr.Results[0].Line == "" {
		t.Errorf("search: %+v", sr)
	}

	var list struct {
		Count   int        `json:"count"`
		Entries []listItem `json:"entries"`
	}
	h := decode("/api/v1/entries", 200, &list)
	if list.Count != g.Len() || len(list.Entries) != g.Len() {
		t.Errorf("entries: count %d, %d entries; want %d", list.Count, len(list.Entries), g.Len())
	}
	if h.Get("ETag") == "" {
		t.Error("entries: no ETag")
	}

	var doc entryDoc
	decode("/api/v1/entries/mesa-optimization", 200, &doc)
	if doc.Title != "Mesa-Optimization" || len(doc.Sources) == 0 || len(doc.Related) == 0 || len(doc.Steps) == 0 {
		t.Errorf("entry: %+v", doc)
	}

	var cs struct {
		Curricula []glossary.Curriculum `json:"curricula"`
	}
	decode("/api/v1/curricula", 200, &cs)
	if len(cs.Curricula) != len(g.Curricula()) || len(cs.Curricula[0].Steps) == 0 {
		t.Errorf("curricula: %+v", cs)
	}

	var e struct {
		Error string `json:"error"`
	}
	for _, bad := range []string{"/api/v1/define", "/api/v1/define?q=", "/api/v1/search?q=x&limit=0", "/api/v1/search?q=x&limit=many",
		"/api/v1/define?q=" + strings.Repeat("x", 300)} {
		decode(bad, 400, &e)
		if e.Error == "" {
			t.Errorf("GET %s: no error message", bad)
		}
	}
	decode("/api/v1/entries/no-such-entry", 404, &e)

	req := httptest.NewRequest(http.MethodOptions, "/api/v1/define?q=x", nil)
	req.Header.Set("Origin", "https://elsewhere.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusNoContent || !strings.Contains(w.Header().Get("Access-Control-Allow-Methods"), "GET") {
		t.Errorf("preflight: %d %v", w.Code, w.Header())
	}
	req = httptest.NewRequest(http.MethodPost, "/api/v1/define?q=x", nil)
	w = httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST to the API: %d, want 405", w.Code)
	}
}

// The API's define answers exactly as refbot define --json: Define is
// the one place the shape is made.
func TestDefineMatchesLookup(t *testing.T) {
	g := defaultGlossary(t)
	for _, q := range []string{"mesa optimisation", "corrigable", "mesa", "zzzz", "deceptive alignment"} {
		r := g.Lookup(q)
		d := Define(g, q)
		if (r.Match == nil) != (d.Match == nil) || len(r.Suggestions) != len(d.Suggestions) {
			t.Errorf("%q: Define %+v, Lookup %+v", q, d, r)
		}
	}
}

func TestNotModified(t *testing.T) {
	mod := testTime
	tests := []struct {
		inm, ims string
		want     bool
	}{
		{inm: `"abc"`, want: true},
		{inm: `W/"abc"`, want: true},
		{inm: `"x", "abc"`, want: true},
		{inm: `*`, want: true},
		{inm: `"x"`, ims: mod.Format(http.TimeFormat), want: false}, // If-None-Match wins
		{ims: mod.Format(http.TimeFormat), want: true},
		{ims: mod.Add(-time.Second).Format(http.TimeFormat), want: false},
		{ims: "yesterday", want: false},
		{want: false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if tt.inm != "" {
			r.Header.Set("If-None-Match", tt.inm)
		}
		if tt.ims != "" {
			r.Header.Set("If-Modified-Since", tt.ims)
		}
		if got := notModified(r, `"abc"`, mod); got != tt.want {
			t.Errorf("If-None-Match %q, If-Modified-Since %q: %v, want %v", tt.inm, tt.ims, got, tt.want)
		}
	}
}
