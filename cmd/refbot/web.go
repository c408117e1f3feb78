package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"refbot/adapters/web"
	"refbot/bot"
)

// WebConfig is the web: section: the glossary as a website and JSON API
// on the HTTP server (see docs/web.md). The site is not a chat platform
// (it has no channels and posts nothing): it is a reader of the glossary
// in service, so its section is one of the core's, compiled here once
// like autolink: and reading:.
type WebConfig struct {
	Enabled   bool   `yaml:"enabled"`
	Path      string `yaml:"path"`       // where the site is mounted: "/" or "/glossary/"
	PublicURL string `yaml:"public_url"` // the address people reach web.path at; cards link there
}

func defaultWeb() WebConfig { return WebConfig{Enabled: true, Path: "/"} }

// webSettings is the web: section compiled.
type webSettings struct {
	enabled   bool
	path      string // where the site is mounted, ending in "/"
	publicURL string // "" or an absolute http(s) URL
}

// ownPaths are the routes serve lists itself; the platforms' routes are
// checked against web.path when they are known (checkRoutes).
var ownPaths = []string{"/healthz", "/metrics"}

// compile checks the section, every problem naming its key.
func (c WebConfig) compile() (webSettings, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	p := c.Path
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, " ?#{}") || strings.Contains(p, "//") {
		bad("web.path: %q must be a path such as / or /glossary/", p)
	} else {
		for _, r := range ownPaths {
			if overlaps(p, r) {
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
	if err := errors.Join(errs...); err != nil {
		return webSettings{}, err
	}
	return webSettings{enabled: c.Enabled, path: withSlash(c.Path), publicURL: c.PublicURL}, nil
}

// overlaps reports whether the site at path would share addresses with a
// route at routePath: one is under the other. The site at "/" overlaps
// nothing: every other route is more specific and wins.
func overlaps(path, routePath string) bool {
	return path != "/" &&
		(strings.HasPrefix(withSlash(path), withSlash(routePath)) || strings.HasPrefix(routePath, withSlash(path)))
}

// checkRoutes says which of the platforms' routes (patterns by platform
// name) web.path overlaps, if any. They are known only once the
// platforms are started, so serve asks then, before mounting the site.
func (w webSettings) checkRoutes(routes map[string][]string) error {
	if !w.enabled {
		return nil
	}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(routes)) {
		for _, pattern := range routes[name] {
			// A pattern is [METHOD ][HOST]/PATH: the path starts at the first slash.
			if i := strings.IndexByte(pattern, '/'); i >= 0 && overlaps(w.path, pattern[i:]) {
				errs = append(errs, fmt.Errorf("web.path: %q overlaps %s, which %s serves; choose another path such as /glossary/", w.path, pattern, name))
			}
		}
	}
	return errors.Join(errs...)
}

// pageURL returns the address of an entry's page under public_url, for
// "Glossary page" links in cards; nil when public_url is not set.
func (w webSettings) pageURL() func(id string) string {
	if !w.enabled || w.publicURL == "" {
		return nil
	}
	return func(id string) string { return web.PageURL(w.publicURL, id) }
}

func withSlash(p string) string {
	if !strings.HasSuffix(p, "/") {
		return p + "/"
	}
	return p
}

// at says where the site is, for the start-up log line.
func (w webSettings) at(addr string) string {
	if !w.enabled {
		return "off"
	}
	return "http://" + addr + w.path
}

// runWeb is refbot web: the site on the embedded glossary (or --glossary
// DIR), with no configuration, to look at in a browser; or, with --config
// FILE, on the glossary that configuration serves, following the entries
// approved in chat as refbot serve does.
func runWeb(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("web", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	dir := fs.String("glossary", "", "a glossary directory to extend the embedded one with")
	path := fs.String("config", "", "the glossary a refbot serve configuration serves: its files and the entries curated in chat (default: $REFBOT_CONFIG)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: refbot web [--addr HOST:PORT] [--glossary DIR | --config FILE]")
		return exitError{code: 2}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	chosen, err := chooseGlossary(ctx, *dir, *path, getenv, bot.Config{Logger: log})
	if err != nil {
		return err
	}
	defer chosen.done()
	b := chosen.b
	mux := http.NewServeMux()
	site := web.New(b, web.Options{Logger: log})
	for pattern, h := range site.Routes("/") {
		mux.Handle(pattern, h)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	fmt.Fprintf(stdout, "refbot web: the glossary (%s) at http://%s/ — Ctrl-C stops\n", describeGlossary(chosen), ln.Addr())
	site.Prepare() // the pages, before the first visitor (who waits in the listen queue meanwhile)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	polled := make(chan error, 1)
	if chosen.store {
		// Entries approved in chat show on the next request after the
		// poll sees them, as on refbot serve's own site. No notices are
		// made here: this process decides nothing.
		go func() { polled <- b.RunCuration(ctx, nil, chosen.conf.Curation.Poll) }()
	} else {
		polled <- nil
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }() // ends when Shutdown closes the listener
	select {
	case err := <-errc:
		cancel()
		<-polled
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancelShutdown := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelShutdown()
	err = srv.Shutdown(shutdownCtx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return errors.Join(err, <-polled)
}

// describeGlossary says what the glossary a command shows holds, for its
// first line of output: "137 entries", and with --config how many were
// curated in chat.
func describeGlossary(c chosenGlossary) string {
	n := c.b.Glossary().Len()
	switch {
	case c.conf == nil:
		return fmt.Sprintf("%d entries", n)
	case !c.store:
		return fmt.Sprintf("%d entries; no state database yet, so none curated in chat", n)
	default:
		return fmt.Sprintf("%d entries, %d of them curated in chat", n, c.b.CuratedServed())
	}
}

// runSite is refbot glossary site: the static export, of the embedded
// glossary (or --glossary DIR), or with --config FILE of the glossary that
// configuration serves, curated entries included, published at
// web.public_url unless --base-url says otherwise.
func runSite(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("glossary site", stderr)
	out := fs.String("o", "", "the directory to write the site into (new, empty, or an earlier export)")
	dir := fs.String("glossary", "", "a glossary directory to extend the embedded one with")
	path := fs.String("config", "", "the glossary a refbot serve configuration serves: its files and the entries curated in chat (default: $REFBOT_CONFIG)")
	base := fs.String("base-url", "", "where the site will be published, for canonical and link-preview URLs (optional; with --config, web.public_url)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: refbot glossary site -o DIR [--glossary DIR | --config FILE] [--base-url URL]")
		return exitError{code: 2}
	}
	if *base != "" {
		if _, err := (WebConfig{Path: "/", PublicURL: *base}).compile(); err != nil {
			return exitError{code: 2, msg: strings.Replace(err.Error(), "web.public_url", "--base-url", 1)}
		}
	}
	chosen, err := chooseGlossary(ctx, *dir, *path, getenv, bot.Config{Logger: stderrLogger(stderr)})
	if err != nil {
		return err
	}
	defer chosen.done()
	if *base == "" && chosen.conf != nil {
		*base = chosen.conf.Web.PublicURL
	}
	g := chosen.b.Glossary()
	files, err := web.Export(*out, g, *base, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d files (%s) to %s; open %s in a browser, or publish the directory as it is\n",
		len(files), describeGlossary(chosen), *out, filepath.Join(*out, "index.html"))
	return nil
}
