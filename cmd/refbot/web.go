package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"refbot/adapters/web"
	"refbot/glossary"
)

// WebConfig is the web: section: the glossary as a website and JSON API
// on the HTTP server (see docs/web.md).
type WebConfig struct {
	Enabled   bool   `yaml:"enabled"`
	Path      string `yaml:"path"`       // where the site is mounted: "/" or "/glossary/"
	PublicURL string `yaml:"public_url"` // the address people reach web.path at; cards link there
}

func defaultWeb() WebConfig { return WebConfig{Enabled: true, Path: "/"} }

// reservedPaths belong to the HTTP server's other routes.
var reservedPaths = []string{"/slack/", "/discord/", "/healthz", "/metrics"}

func (c WebConfig) validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	p := c.Path
	switch {
	case !strings.HasPrefix(p, "/") || strings.ContainsAny(p, " ?#{}") || strings.Contains(p, "//"):
		bad("web.path: %q must be a path such as / or /glossary/", p)
	default:
		for _, r := range reservedPaths {
			if p != "/" && (strings.HasPrefix(withSlash(p), withSlash(r)) || strings.HasPrefix(r, withSlash(p))) {
				bad("web.path: %q overlaps %s, which refbot serves itself; choose another path such as /glossary/", p, r)
				break
			}
		}
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			bad("web.public_url: %q must be an absolute http(s) address such as https://refbot.example.org/glossary/", c.PublicURL)
		}
	}
	return errs
}

// pageURL returns the address of an entry's page under public_url, for
// "Glossary page" links in cards; nil when public_url is not set.
func (c WebConfig) pageURL() func(id string) string {
	if !c.Enabled || c.PublicURL == "" {
		return nil
	}
	return func(id string) string { return web.PageURL(c.PublicURL, id) }
}

func withSlash(p string) string {
	if !strings.HasSuffix(p, "/") {
		return p + "/"
	}
	return p
}

// webAt says where the site is, for the start-up log line.
func webAt(c WebConfig, addr string) string {
	if !c.Enabled {
		return "off"
	}
	return "http://" + addr + withSlash(c.Path)
}

// mountWeb adds the site to mux under cfg.Path.
func mountWeb(mux *http.ServeMux, cfg WebConfig, src web.Source, log *slog.Logger) *web.Server {
	site := web.New(src, web.Options{PublicURL: cfg.PublicURL, Logger: log})
	path := withSlash(cfg.Path)
	h := http.StripPrefix(strings.TrimSuffix(path, "/"), site)
	// GET (and HEAD) only, so a POST to another route still gets its 405;
	// OPTIONS for the API's CORS preflight.
	mux.Handle("GET "+path, h)
	mux.Handle("OPTIONS "+path+"api/", h)
	return site
}

// runWeb is refbot web: the site on the embedded glossary (or --glossary
// DIR), with no configuration, to look at in a browser.
func runWeb(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("web", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	dir := fs.String("glossary", "", "a glossary directory to extend the embedded one with")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	g, err := loadGlossary(*dir, "extend")
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	mux := http.NewServeMux()
	site := mountWeb(mux, WebConfig{Enabled: true, Path: "/"}, fixedGlossary{g}, log)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	fmt.Fprintf(stdout, "refbot web: the glossary (%d entries) at http://%s/ — Ctrl-C stops\n", g.Len(), ln.Addr())
	site.Prepare() // the pages, before the first visitor (who waits in the listen queue meanwhile)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }() // ends when Shutdown closes the listener
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

// fixedGlossary is a web.Source for a glossary that never reloads.
type fixedGlossary struct{ g *glossary.Glossary }

func (f fixedGlossary) Glossary() *glossary.Glossary { return f.g }

// runSite is refbot glossary site: the static export.
func runSite(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("glossary site", stderr)
	out := fs.String("o", "", "the directory to write the site into (new, empty, or an earlier export)")
	dir := fs.String("glossary", "", "a glossary directory to extend the embedded one with")
	base := fs.String("base-url", "", "where the site will be published, for canonical and link-preview URLs (optional)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: refbot glossary site -o DIR [--glossary DIR] [--base-url URL]")
		return exitError{code: 2}
	}
	if *base != "" {
		if errs := (WebConfig{Path: "/", PublicURL: *base}).validate(); len(errs) > 0 {
			return exitError{code: 2, msg: strings.Replace(errs[0].Error(), "web.public_url", "--base-url", 1)}
		}
	}
	g, err := loadGlossary(*dir, "extend")
	if err != nil {
		return err
	}
	files, err := web.Export(*out, g, *base, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d files (%d entries) to %s; open %s in a browser, or publish the directory as it is\n",
		len(files), g.Len(), *out, filepath.Join(*out, "index.html"))
	return nil
}
