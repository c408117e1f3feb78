// Package web serves the glossary as a small website and a read-only JSON
// API: an index with a concept map, a page per entry and per curriculum
// step, search that works without JavaScript, and a static export of the
// same pages. It is one more consumer of the core: it reads the glossary
// in service, renders every page once per glossary version, and serves
// them from memory until the glossary is swapped.
package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"refbot/glossary"
)

// Source is where the site gets the glossary in service; *bot.Bot is
// one. It is asked on every request, so a reload shows on the next one.
type Source interface {
	Glossary() *glossary.Glossary
}

// Options configure a Server. Zero values work.
type Options struct {
	// PublicURL is the absolute address people reach the site at (the
	// served site's root, web.public_url). It makes canonical and
	// OpenGraph URLs absolute; without it they are left out.
	PublicURL string
	Logger    *slog.Logger
	// Now is the clock for Last-Modified; nil means time.Now.
	Now func() time.Time
}

// ContentSecurityPolicy is sent with every page: nothing inline, nothing
// from elsewhere. Pages need no script at all; the static export's
// search page loads two scripts of its own.
const ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Server is the web site and API as an http.Handler. It is safe for
// concurrent use.
type Server struct {
	src  Source
	opt  Options
	log  *slog.Logger
	mux  *http.ServeMux
	site atomic.Pointer[site]
	mu   sync.Mutex // held while a new glossary version is rendered
}

// New returns a Server for the glossary src has in service.
func New(src Source, opt Options) *Server {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opt.PublicURL = withSlash(opt.PublicURL)
	s := &Server{src: src, opt: opt, log: log}
	s.mux = s.routes()
	return s
}

// PageURL is the address of an entry's page on the site published at
// publicURL (web.public_url), for "Glossary page" links in chat cards.
func PageURL(publicURL, id string) string {
	return withSlash(publicURL) + termPath(url.PathEscape(id))
}

// Routes are the patterns and handlers that serve the site mounted at
// path ("/" or "/glossary/", ending in "/") on a server's mux: GET (and
// HEAD) for the pages and the API, and OPTIONS for the API's CORS
// preflight, so another method under path still gets the mux's 405.
func (s *Server) Routes(path string) map[string]http.Handler {
	path = withSlash(path)
	h := http.StripPrefix(strings.TrimSuffix(path, "/"), s)
	return map[string]http.Handler{
		"GET " + path:              h,
		"OPTIONS " + path + "api/": h,
	}
}

// withSlash ends a non-empty URL or path with "/", so relative
// references resolve beneath it.
func withSlash(u string) string {
	if u != "" && !strings.HasSuffix(u, "/") {
		return u + "/"
	}
	return u
}

// ServeHTTP serves the site. Paths are relative to where the Server is
// mounted: mount it with http.StripPrefix under web.path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	s.mux.ServeHTTP(w, r)
}

// Every route the site serves; paths are relative to web.path.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.page)
	mux.HandleFunc("GET /terms/{id}", s.page)
	mux.HandleFunc("GET /curricula/{id}", s.page)
	mux.HandleFunc("GET /curricula/{id}/{step}", s.page)
	mux.HandleFunc("GET /search", s.search)
	for _, a := range assetNames {
		mux.HandleFunc("GET /"+a, s.page)
	}
	mux.HandleFunc("GET /api/v1/define", s.apiDefine)
	mux.HandleFunc("GET /api/v1/search", s.apiSearch)
	mux.HandleFunc("GET /api/v1/entries", s.page)
	mux.HandleFunc("GET /api/v1/entries/{id}", s.page)
	mux.HandleFunc("GET /api/v1/curricula", s.page)
	mux.HandleFunc("OPTIONS /api/v1/", preflight)
	mux.HandleFunc("/api/", s.apiNotFound)
	mux.HandleFunc("/", s.notFound)
	return mux
}

// current returns the rendered site for the glossary in service,
// rendering it first when the glossary has changed since.
func (s *Server) current() *site {
	g := s.src.Glossary()
	if st := s.site.Load(); st != nil && st.g == g {
		return st
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.site.Load(); st != nil && st.g == g {
		return st // another request rendered it while this one waited
	}
	start := time.Now()
	st, err := render(g, style{base: s.opt.PublicURL}, s.opt.Now())
	if err != nil {
		// Our templates failed on this glossary: a bug, not bad input.
		// Keep serving the last version that rendered, if any.
		s.log.Error("render web pages", "err", err)
		if old := s.site.Load(); old != nil {
			return old
		}
		return &site{g: g, files: map[string]file{}, err: err}
	}
	s.site.Store(st)
	s.log.Info("web pages rendered", "pages", len(st.files), "entries", g.Len(), "took", time.Since(start).Round(time.Millisecond))
	return st
}

// Prepare renders the pages of the glossary in service now, so the first
// visitor does not wait for them.
func (s *Server) Prepare() { s.current() }

// page serves a pre-rendered page or asset, with ETag and Last-Modified
// so a browser's second visit costs a 304.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	st := s.current()
	if st.err != nil {
		http.Error(w, "The glossary's pages could not be rendered; the log says why.", http.StatusInternalServerError)
		return
	}
	p, ok := st.files[strings.TrimPrefix(r.URL.Path, "/")]
	if !ok && strings.HasPrefix(r.URL.Path, "/api/") {
		s.apiNotFound(w, r)
		return
	}
	if !ok {
		s.notFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", p.ctype)
	h.Set("ETag", p.etag)
	h.Set("Cache-Control", "no-cache") // revalidate: a reload may change it
	if strings.HasPrefix(r.URL.Path, "/api/") {
		h.Set("Access-Control-Allow-Origin", "*")
	}
	h.Set("Last-Modified", st.modified)
	if notModified(r, p.etag, st.mod) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	// Not http.ServeContent: it copies the body through a buffer it
	// allocates per request (half the cost of a hit), for Range support
	// that pages of a few kilobytes do not need.
	h.Set("Content-Length", strconv.Itoa(len(p.body)))
	if r.Method != http.MethodHead {
		w.Write(p.body)
	}
}

// notModified applies RFC 9110's conditional GET: If-None-Match when
// present (weak comparison), else If-Modified-Since.
func notModified(r *http.Request, etag string, mod time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || t == etag {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !mod.After(t)
	}
	return false
}

// etag is a strong validator: the content's hash.
func etag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
}

// search answers the search box: a confident match goes straight to its
// entry, anything else gets a page of "did you mean" and results.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	st := s.current()
	if st.err != nil {
		http.Error(w, "The glossary's pages could not be rendered; the log says why.", http.StatusInternalServerError)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if id, ok := st.confident(q); ok {
		// A relative Location (RFC 9110 allows it) resolves against the
		// address the browser asked for, whatever prefix web.path strips.
		w.Header().Set("Location", "terms/"+url.PathEscape(id))
		w.WriteHeader(http.StatusSeeOther)
		return
	}
	var buf bytes.Buffer
	if err := st.searchPage(&buf, q); err != nil {
		s.log.Error("render search page", "err", err)
		http.Error(w, "The search page could not be shown; try again, or browse the index.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(buf.Bytes())
}

// notFound answers 404 with a page whose relative links work from the
// depth of the address asked for.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	st := s.current()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	if r.Method == http.MethodHead || st.err != nil {
		return
	}
	depth := strings.Count(strings.TrimPrefix(r.URL.Path, "/"), "/")
	var buf bytes.Buffer
	if err := st.r.execute(&buf, strings.Repeat("x/", depth)+notFoundFile, st.r.notFoundPage()); err != nil {
		s.log.Error("render 404 page", "err", err)
		return
	}
	w.Write(buf.Bytes())
}
