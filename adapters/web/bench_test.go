package web

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"refbot/bot"
	"refbot/bot/bottest"
)

// A page hit is a map lookup and a copy of bytes rendered earlier; these
// benchmarks set it beside rendering the same page per request (what the
// cache saves), the API's define and the core's /define, and, in the same
// command, the Slack adapter's signed /define through its HTTP handler:
//
//	go test ./adapters/web ./adapters/slack -run XXX -bench 'PageHit|PageRender|SearchRedirect|APIDefine|CoreDefine|Render$|DefineHTTP' -benchmem -count 5

func benchHit(b *testing.B, target string, header ...string) {
	s := shared()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := &discard{h: http.Header{}}
	defer bottest.ReportCPU(b)()
	for b.Loop() {
		clear(w.h)
		w.code = 0
		s.ServeHTTP(w, req)
		if w.code >= 400 {
			b.Fatalf("status %d", w.code)
		}
	}
}

// discard is a ResponseWriter that drops the body, as a network
// connection's buffer would take it; httptest.ResponseRecorder would add
// the cost of growing a buffer for every page.
type discard struct {
	h    http.Header
	code int
}

func (d *discard) Header() http.Header { return d.h }
func (d *discard) WriteHeader(code int) {
	if d.code == 0 {
		d.code = code
	}
}
func (d *discard) Write(p []byte) (int, error) {
	d.WriteHeader(http.StatusOK)
	return len(p), nil
}

// BenchmarkPageHit: GET /terms/ID, served from memory.
func BenchmarkPageHit(b *testing.B) { benchHit(b, "/terms/mesa-optimization") }

// BenchmarkPageHitNotModified: the same with the browser's ETag: a 304.
func BenchmarkPageHitNotModified(b *testing.B) {
	w := get(b, shared(), "/terms/mesa-optimization")
	benchHit(b, "/terms/mesa-optimization", "If-None-Match", w.Header().Get("ETag"))
}

// BenchmarkPageRenderBaseline: the naive server, rendering the entry
// page (template and neighbourhood map) on every request.
func BenchmarkPageRenderBaseline(b *testing.B) {
	st := shared().current()
	e, _ := st.g.Entry("mesa-optimization")
	var buf bytes.Buffer
	defer bottest.ReportCPU(b)()
	for b.Loop() {
		buf.Reset()
		key, data := st.r.term(e)
		if err := st.r.execute(&buf, key, data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearchRedirect: the search box with a confident query.
func BenchmarkSearchRedirect(b *testing.B) { benchHit(b, "/search?q=mesa+optimisation") }

// BenchmarkAPIDefine: GET /api/v1/define?q=mesa+optimisation.
func BenchmarkAPIDefine(b *testing.B) { benchHit(b, "/api/v1/define?q=mesa+optimisation") }

// BenchmarkCoreDefine: the core's /define (lookup and card), no HTTP.
func BenchmarkCoreDefine(b *testing.B) {
	bt := bot.New(defaultGlossary(b), bot.Config{})
	req := bot.Request{Platform: "bench", Kind: bot.Command, Command: "define", Text: "mesa optimisation"}
	ctx := context.Background()
	defer bottest.ReportCPU(b)()
	for b.Loop() {
		r, err := bt.Handle(ctx, req)
		if err != nil || r.Card == nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender: rendering every page of the default glossary, paid
// once per glossary version (at start and after each reload).
func BenchmarkRender(b *testing.B) {
	g := defaultGlossary(b)
	defer bottest.ReportCPU(b)()
	for b.Loop() {
		if _, err := render(g, style{}, testTime); err != nil {
			b.Fatal(err)
		}
	}
}
