package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"refbot/bot/bottest"
)

// The browser tests drive Debian's chromium, headless, through chromedp:
// the pages as a newcomer meets them, the Content-Security-Policy as the
// browser enforces it, and the static export opened from file://. They
// save full-page screenshots in a directory they name in their output
// (REFBOT_TEST_ARTIFACTS, or a new temporary directory).
//
// Without chromium they skip, and go test says so in one line; with
// REFBOT_TEST_BROWSER=1 (as .ci/run sets) a missing browser fails them.

var browserNeeds = &bottest.Needs{What: "browser", Require: "REFBOT_TEST_BROWSER",
	How: "install chromium (Debian: apt-get install chromium); REFBOT_TEST_BROWSER=1 makes this a failure"}

func TestMain(m *testing.M) {
	code := m.Run()
	browserNeeds.Report()
	os.Exit(code)
}

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	browserNeeds.Skip(t, "chromium is not on PATH")
	return ""
}

// browser is one headless chromium tab, with what the page reported:
// console errors, uncaught exceptions and CSP violations.
type browser struct {
	t         *testing.T
	ctx       context.Context
	artifacts string
	mu        sync.Mutex
	problems  []string
}

// cspWatch runs in every document before the page's own scripts (it is
// injected over the DevTools protocol, which the page's CSP does not
// govern) and keeps each securitypolicyviolation the page raises.
const cspWatch = `window.__csp = []; document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});`

func newBrowser(t *testing.T) *browser {
	exe := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // root in CI
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		// File pages may load the site's own scripts and styles beside them.
		chromedp.Flag("allow-file-access-from-files", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })

	b := &browser{t: t, ctx: ctx, artifacts: artifactDir(t)}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspWatch}); err != nil {
		t.Fatal(err)
	}
	msgs := chromedp.Console(ctx)
	done := make(chan struct{})
	t.Cleanup(func() { cancelTime(); <-done })
	go func() { // ends when the tab's context does
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || strings.Contains(m.Text, "Content Security Policy") {
				b.mu.Lock()
				b.problems = append(b.problems, fmt.Sprintf("console %s: %s", m.Type, m.Text))
				b.mu.Unlock()
			}
		}
	}()
	return b
}

var artifactsOnce sync.Map // test name -> directory

// artifactDir is where screenshots go, named in the test's output.
func artifactDir(t *testing.T) string {
	root := os.Getenv("REFBOT_TEST_ARTIFACTS")
	if root == "" {
		root = filepath.Join(os.TempDir(), "refbot-browser-artifacts")
	}
	dir := filepath.Join(root, strings.ReplaceAll(t.Name(), "/", "-"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, seen := artifactsOnce.LoadOrStore(dir, true); !seen {
		t.Logf("screenshots: %s", dir)
	}
	return dir
}

func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func run[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// open loads url and waits for the page's main element.
func (b *browser) open(url string) {
	b.t.Helper()
	b.do("open "+url, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("main h1")))
	b.checkClean(url)
	b.checkMaps(url)
}

// follow clicks the link sel and waits until the browser is on a page
// whose address ends with want, or, when want is "", on the page the
// link points to.
func (b *browser) follow(sel, want string) {
	b.t.Helper()
	if want == "" {
		js := fmt.Sprintf(`new URL(document.querySelector(%q).getAttribute("href"), location.href).href`, sel)
		want = run(b, "href of "+sel, chromedp.Evaluate[string](js))
	}
	b.do("click "+sel, chromedp.ScrollIntoView(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	b.waitFor(want)
}

func (b *browser) waitFor(want string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		// The page may be between documents: reading the location then
		// fails ("Inspected target navigated or closed"); ask again.
		loc, err := chromedp.Run(b.ctx, chromedp.Location())
		if err == nil && strings.HasSuffix(strings.FieldsFunc(loc, func(r rune) bool { return r == '#' || r == '?' })[0], want) {
			b.do("wait for "+want, chromedp.WaitVisible(chromedp.CSS("main h1")))
			b.checkClean(loc)
			b.checkMaps(loc)
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("still at %s (%v); want …%s", loc, err, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *browser) h1() string {
	return strings.TrimSpace(run(b, "h1", chromedp.Text(chromedp.CSS("main h1"))))
}

// checkClean fails the test on any console error or CSP violation so far.
func (b *browser) checkClean(where string) {
	b.t.Helper()
	csp := run(b, "read CSP violations", chromedp.Evaluate[[]string]("window.__csp || []"))
	b.mu.Lock()
	problems := append(b.problems, csp...)
	b.problems = nil
	b.mu.Unlock()
	for _, p := range problems {
		b.t.Errorf("%s: %s", where, p)
	}
}

// shot saves a full-page screenshot as name.png.
func (b *browser) shot(name string) {
	b.t.Helper()
	png := run(b, "screenshot", chromedp.FullScreenshot(100))
	p := filepath.Join(b.artifacts, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// mapShot saves a screenshot of the first element sel (a concept map) as
// name.png, at twice the size, to read its labels.
func (b *browser) mapShot(sel, name string) {
	b.t.Helper()
	png := run(b, "screenshot of "+sel, chromedp.ScreenshotScale(chromedp.CSS(sel), 2))
	if err := os.WriteFile(filepath.Join(b.artifacts, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// measureMaps is run in the page: it measures, in each concept map's own
// units, every label as the browser set it (its font, its weight) and
// every dot, and lists any that leave the picture (the SVG clips them)
// or lie over another node's label or dot.
const measureMaps = `(function () {
  const out = [];
  const over = (a, b) => Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) > 0.01 &&
    Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) > 0.01;
  const fmt = (r) => "(" + [r.x, r.y, r.x + r.width, r.y + r.height].map((v) => v.toFixed(1)).join(", ") + ")";
  for (const svg of document.querySelectorAll("svg.map")) {
    const vb = svg.viewBox.baseVal, items = [];
    svg.querySelectorAll("a.node").forEach((a, i) => {
      const text = a.querySelector("text"), bold = a.classList.contains("current") ? "bold " : "";
      items.push({node: i, what: bold + "label " + JSON.stringify(text.textContent), r: text.getBBox()});
      items.push({node: i, what: "dot of " + JSON.stringify(text.textContent), r: a.querySelector("circle").getBBox()});
    });
    for (const it of items) {
      const r = it.r;
      if (r.x < vb.x || r.y < vb.y || r.x + r.width > vb.x + vb.width || r.y + r.height > vb.y + vb.height) {
        out.push(it.what + " " + fmt(r) + " leaves the " + vb.width + "x" + vb.height + " picture");
      }
    }
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        if (items[i].node !== items[j].node && over(items[i].r, items[j].r)) {
          out.push(items[i].what + " " + fmt(items[i].r) + " overlaps " + items[j].what + " " + fmt(items[j].r));
        }
      }
    }
  }
  return out;
})()`

// checkMaps fails the test for every label or dot of the page's concept
// maps that the browser draws outside the picture or over another node.
func (b *browser) checkMaps(where string) {
	b.t.Helper()
	for _, p := range run(b, "measure maps", chromedp.Evaluate[[]string](measureMaps)) {
		b.t.Errorf("%s: %s", where, p)
	}
}

// mapOf returns the concept map on the page at url, as served: the
// svg element's markup, or "" when the page has none.
func mapOf(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	i := bytes.Index(page, []byte(`<svg class="map"`))
	if i < 0 {
		return ""
	}
	n := bytes.Index(page[i:], []byte("</svg>"))
	if n < 0 {
		t.Fatalf("%s: the map has no </svg>", url)
	}
	return string(page[i : i+n+len("</svg>")])
}

func (b *browser) viewport(w, h int64, mobile bool, scheme string) {
	b.t.Helper()
	vp := chromedp.EmulateViewport(w, h)
	if mobile {
		vp = chromedp.EmulateViewport(w, h, chromedp.EmulateScale(2), chromedp.EmulateMobile)
	}
	b.do("viewport", vp)
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	}); err != nil {
		b.t.Fatal(err)
	}
}

func TestBrowser(t *testing.T) {
	chromiumPath(t)
	g := defaultGlossary(t)
	site := New(hold(g), Options{})
	mux := http.NewServeMux()
	for pattern, h := range site.Routes("/glossary/") { // as refbot serve mounts it
		mux.Handle(pattern, h)
	}
	// A page that breaks the policy on purpose, to show the watch works.
	mux.HandleFunc("/csp-probe", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", ContentSecurityPolicy)
		fmt.Fprint(w, `<!DOCTYPE html><html lang="en"><title>probe</title><main><h1 style="color:red">probe</h1><script>document.title="ran"</script></main></html>`)
	})
	// The probe has no icon of its own: keep chromium's request for one from
	// logging a 404 into the next page's console.
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	base := srv.URL + "/glossary/"

	t.Run("served", func(t *testing.T) {
		b := newBrowser(t)
		b.viewport(1280, 900, false, "light")

		// The watch sees a violation where there is one.
		b.do("probe", chromedp.Navigate(srv.URL+"/csp-probe"), chromedp.WaitVisible(chromedp.CSS("h1")))
		if csp := run(b, "probe", chromedp.Evaluate[[]string]("window.__csp || []")); len(csp) < 2 {
			t.Fatalf("the CSP watch saw %d violations on a page with an inline script and a style attribute; want 2", len(csp))
		}
		if title := run(b, "probe title", chromedp.Title()); title == "ran" {
			t.Fatal("the inline script ran: the policy is not enforced")
		}
		b.mu.Lock()
		b.problems = nil // the probe's own console errors
		b.mu.Unlock()

		// The index: every entry on the map, the styles applied.
		b.open(base)
		if got := b.h1(); got != "AI-safety glossary" {
			t.Errorf("index h1 %q", got)
		}
		nodes := run(b, "map nodes", chromedp.Evaluate[int](`document.querySelectorAll("svg.map a.node").length`))
		if nodes != g.Len() {
			t.Errorf("the concept map has %d nodes, want %d", nodes, g.Len())
		}
		bg := run(b, "background", chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
		if bg != "rgb(251, 250, 247)" {
			t.Errorf("body background %s: style.css did not load", bg)
		}
		b.shot("01-index")
		b.mapShot("svg.map", "map-index")
		// Keyboard: the first Tab reaches the skip link.
		b.do("tab", chromedp.KeyEvent("\t"))
		if got := run(b, "focus", chromedp.Evaluate[string](`document.activeElement.className`)); got != "skip" {
			t.Errorf("first Tab focuses %q, want the skip link", got)
		}

		// Search as a newcomer would, misspelt and British.
		b.do("search", chromedp.SendKeys(chromedp.CSS("#q"), "mesa optimisation"), chromedp.Submit(chromedp.CSS("form.search")))
		b.waitFor("/glossary/terms/mesa-optimization")
		if got := b.h1(); got != "Mesa-Optimization" {
			t.Errorf("search landed on %q", got)
		}
		b.shot("02-entry-mesa-optimization")
		b.mapShot("figure.hood", "map-mesa-optimization")

		// A related term.
		want := run(b, "related", chromedp.Text(chromedp.CSS("article.term ul.entries li a")))
		b.follow("article.term ul.entries li a", "/glossary/terms/inner-alignment")
		if got := b.h1(); got != strings.TrimSpace(want) {
			t.Errorf("related link %q led to %q", want, got)
		}
		b.shot("03-related-inner-alignment")
		b.mapShot("figure.hood", "map-inner-alignment")
		b.open(base + "terms/deceptive-alignment")
		b.mapShot("figure.hood", "map-deceptive-alignment")

		// A node of the concept map, on the index.
		b.open(base)
		b.follow(`svg.map a[href="terms/corrigibility"]`, "/glossary/terms/corrigibility")
		if got := b.h1(); got != "Corrigibility" {
			t.Errorf("map node led to %q", got)
		}
		b.shot("04-map-node-corrigibility")
		b.mapShot("figure.hood", "map-corrigibility")
		// And a node of the entry's neighbourhood map.
		b.follow(`figure.hood svg.map a.node:not(.current)`, "")

		// Every entry's neighbourhood map, measured as this browser sets its
		// labels: each map in turn takes the place of the one on an entry
		// page. (Opening every page would take a minute; this takes seconds.)
		b.open(base + "terms/mesa-optimization")
		// labelWidth, which the layout trusts, is at least as wide as this
		// browser sets every title, regular and bold.
		titles := []string{"Jailbreaking Jailbreaking Jailbreaking", "WWWWWWWWWWWWWWWWWWWWWWWWW", strings.Repeat("ill ", 20)}
		for _, e := range g.Entries() {
			titles = append(titles, e.Title)
		}
		arg, err := json.Marshal(titles)
		if err != nil {
			t.Fatal(err)
		}
		widths := run(b, "measure titles", chromedp.Evaluate[[][2]float64](`(function (titles) {
  const regular = document.querySelector("figure.hood a.node:not(.current) text"), bold = document.querySelector("figure.hood a.node.current text");
  return titles.map((s) => { regular.textContent = s; bold.textContent = s; return [regular.getBBox().width, bold.getBBox().width]; });
})(`+string(arg)+`)`))
		for i, s := range titles {
			if reg, bold := labelWidth(s, 14, false), labelWidth(s, 14, true); reg < widths[i][0] || bold < widths[i][1] {
				t.Errorf("%q is drawn %.1f wide (bold %.1f); labelWidth says %.1f (bold %.1f)", s, widths[i][0], widths[i][1], reg, bold)
			}
		}
		var hoods [][2]string
		for _, e := range g.Entries() {
			if svg := mapOf(t, base+"terms/"+e.ID); svg != "" {
				hoods = append(hoods, [2]string{e.ID, svg})
			}
		}
		if len(hoods) < g.Len()/2 {
			t.Errorf("only %d of %d entry pages have a map", len(hoods), g.Len())
		}
		arg, err = json.Marshal(hoods)
		if err != nil {
			t.Fatal(err)
		}
		js := `(function (hoods) {
  const frame = document.querySelector("figure.hood .map-scroll"), out = [];
  for (const [id, svg] of hoods) {
    frame.innerHTML = svg;
    for (const p of ` + measureMaps + `) out.push("terms/" + id + ": " + p);
  }
  return out;
})(` + string(arg) + `)`
		for _, p := range run(b, "measure every map", chromedp.Evaluate[[]string](js)) {
			t.Error(p)
		}
		b.open(base)

		// A curriculum and one of its steps.
		b.follow(`ul.cards a`, "/glossary/curricula/ai-safety-fundamentals")
		b.shot("05-curriculum")
		b.follow(`ol.stepcards li:nth-child(3) h2 a`, "/glossary/curricula/ai-safety-fundamentals/3")
		if n := run(b, "questions", chromedp.Evaluate[int](`document.querySelectorAll("ol.questions li").length`)); n == 0 {
			t.Error("the step page has no discussion questions")
		}
		b.shot("06-curriculum-step-3")

		// Search without a confident match: did you mean.
		b.open(base + "search?q=mesa")
		if n := run(b, "suggestions", chromedp.Evaluate[int](`document.querySelectorAll("main ul.entries li").length`)); n < 2 {
			t.Errorf("search for mesa shows %d suggestions", n)
		}
		b.shot("07-search-did-you-mean")

		// A phone, in dark mode.
		b.viewport(390, 844, true, "dark")
		b.open(base + "terms/deceptive-alignment")
		if w := run(b, "width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
			t.Errorf("the entry page is %d px wide on a 390 px phone: it scrolls sideways", w)
		}
		bg = run(b, "background", chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
		if bg != "rgb(21, 23, 28)" {
			t.Errorf("dark mode background %s", bg)
		}
		b.shot("08-phone-dark-entry")
		b.open(base)
		b.shot("09-phone-dark-index")
	})

	t.Run("static from file", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "site")
		if _, err := Export(dir, g, "", time.Now()); err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t)
		b.viewport(1280, 900, false, "light")
		b.open("file://" + dir + "/index.html")
		bg := run(b, "background", chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
		if bg != "rgb(251, 250, 247)" {
			t.Errorf("body background %s: style.css did not load from file://", bg)
		}
		b.do("search", chromedp.SendKeys(chromedp.CSS("#q"), "mesa optimisation"), chromedp.Submit(chromedp.CSS("form.search")))
		b.waitFor("/search.html")
		b.do("results", chromedp.WaitVisible(chromedp.CSS("#results li a")))
		first := run(b, "first result", chromedp.Text(chromedp.CSS("#results li a")))
		if first != "Mesa-Optimization" {
			t.Errorf("the static search's first result is %q", first)
		}
		b.checkClean("static search")
		b.shot("10-static-search")
		b.follow("#results li a", "/terms/mesa-optimization.html")
		b.follow(`figure.hood svg.map a.node:not(.current)`, ".html")
		b.follow(`a.brand`, "/index.html")
		b.follow(`ul.cards a`, "/curricula/ai-safety-fundamentals.html")
		b.shot("11-static-curriculum")
	})
}
