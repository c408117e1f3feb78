package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/bot/sqlite"
	"refbot/glossary"
	"refbot/glossary/data"
)

func TestWebConfigValidation(t *testing.T) {
	tests := []struct {
		content string
		want    []string // substrings of the error; none means valid
	}{
		{"web: {path: /glossary/}", nil},
		{"web: {path: /glossary}", nil},
		{"web: {enabled: false}", nil},
		{"web: {path: glossary}", []string{"web.path", `"glossary"`}},
		{"web: {path: /healthz/x}", []string{"web.path", "/healthz"}},
		{"web: {path: /slack/}", nil}, // Slack is off; with it on, serve refuses (TestServeWebPathOverlapsPlatform)
		{"web: {path: /metrics}", []string{"web.path", "/metrics"}},
		{"web: {public_url: refbot.example.org}", []string{"web.public_url"}},
		{"web: {public_url: 'https://refbot.example.org/glossary/'}", nil},
		{"autolink: {link_to: page}", []string{"autolink.link_to", "web.public_url"}},
		{"autolink: {link_to: page}\nweb: {public_url: 'https://x.example/'}", nil},
		{"autolink: {link_to: wiki}", []string{"autolink.link_to", `"wiki"`}},
	}
	for _, tt := range tests {
		_, err := load(writeConfig(t, tt.content), env(nil))
		if len(tt.want) == 0 {
			if err != nil {
				t.Errorf("%s: %v, want no error", tt.content, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error, want one naming %v", tt.content, tt.want)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tt.content, err, w)
			}
		}
	}
}

// refbot serve serves the site under web.path beside its other routes,
// and a reload of glossary.dir shows on the pages.
func TestServeWeb(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "entries", "widget-alignment.yaml"), widgetEntry)
	cfg := defaults(t)
	cfg.glossary.Dir = dir
	cfg.glossary.Reload = 10 * time.Millisecond
	cfg.web.path = "/glossary/"
	cfg.web.publicURL = "https://refbot.example.org/glossary/"
	addr, log, _ := startServe(t, cfg)
	base := "http://" + addr + "/glossary/"
	if !strings.Contains(log.String(), "web=http://"+addr+"/glossary/") {
		t.Errorf("the start-up log does not say where the site is:\n%s", log)
	}
	code, body := get(t, base)
	if code != 200 || !strings.Contains(body, `href="terms/widget-alignment"`) {
		t.Fatalf("GET %s: %d; the index lists widget-alignment: %v", base, code, strings.Contains(body, "widget-alignment"))
	}
	code, body = get(t, base+"terms/mesa-optimization")
	if code != 200 || !strings.Contains(body, `<link rel="canonical" href="https://refbot.example.org/glossary/terms/mesa-optimization">`) {
		t.Errorf("entry page: %d, canonical URL from web.public_url: %v", code, strings.Contains(body, "canonical"))
	}
	code, body = get(t, base+"api/v1/define?q=mesa+optimisation")
	var def struct {
		Match struct{ ID string } `json:"match"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &def) != nil || def.Match.ID != "mesa-optimization" {
		t.Errorf("API define: %d %s", code, body)
	}
	if code, _ := get(t, "http://"+addr+"/healthz"); code != 200 {
		t.Errorf("healthz beside the site: %d", code)
	}
	if code, _ := get(t, "http://"+addr+"/terms/mesa-optimization"); code != 404 {
		t.Errorf("outside web.path: %d, want 404", code)
	}
	resp, err := http.Post(base, "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST to the site: %d, want 405", resp.StatusCode)
	}

	writeFile(t, filepath.Join(dir, "entries", "gadget-alignment.yaml"), entry("gadget-alignment", "Gadget Alignment"))
	waitFor(t, "the new entry's page", func() bool { code, _ := get(t, base+"terms/gadget-alignment"); return code == 200 })
}

func TestServeWebDisabled(t *testing.T) {
	cfg := defaults(t)
	cfg.web.enabled = false
	addr, _, _ := startServe(t, cfg)
	if code, _ := get(t, "http://"+addr+"/"); code != 404 {
		t.Errorf("GET / with web.enabled false: %d, want 404", code)
	}
}

func TestGlossarySite(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"refbot", "glossary", "site", "-o", out, "--base-url", "https://example.org/g"}, env(nil), strings.NewReader(""), &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !regexp.MustCompile(`^wrote \d+ files \(\d+ entries\) to `).MatchString(stdout.String()) {
		t.Errorf("stdout %q", stdout.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "terms", "mesa-optimization.html"))
	if err != nil || !bytes.Contains(b, []byte(`href="https://example.org/g/terms/mesa-optimization.html"`)) {
		t.Errorf("the entry page: %v; canonical from --base-url: %v", err, bytes.Contains(b, []byte("example.org")))
	}
	// Again over the first export: fine. Into a directory of other files: refused, untouched.
	if err := run(context.Background(), []string{"refbot", "glossary", "site", "-o", out}, env(nil), strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Errorf("second export: %v", err)
	}
	other := t.TempDir()
	writeFile(t, filepath.Join(other, "notes.txt"), "mine")
	err = run(context.Background(), []string{"refbot", "glossary", "site", "-o", other}, env(nil), strings.NewReader(""), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("export into a full directory: %v", err)
	}
	for _, args := range [][]string{{"glossary", "site"}, {"glossary", "site", "-o", out, "--base-url", "example.org"}} {
		stderr.Reset()
		if err := run(context.Background(), append([]string{"refbot"}, args...), env(nil), strings.NewReader(""), &stdout, &stderr); err == nil {
			t.Errorf("refbot %v: no error", args)
		}
	}
}

func TestRunWeb(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr bottest.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"refbot", "web", "--addr", "127.0.0.1:0"}, env(nil), strings.NewReader(""), &stdout, &stderr)
	}()
	re := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+/)`)
	waitFor(t, "the address on stdout", func() bool { return re.MatchString(stdout.String()) })
	url := re.FindStringSubmatch(stdout.String())[1]
	if code, body := get(t, url+"terms/corrigibility"); code != 200 || !strings.Contains(body, "<h1>Corrigibility</h1>") {
		t.Errorf("GET %sterms/corrigibility: %d", url, code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("refbot web after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("refbot web did not stop")
	}
}

// web.path may not overlap a platform's routes; they are known once the
// platforms start, so serve refuses then, naming the route and its
// platform, with nothing served.
func TestServeWebPathOverlapsPlatform(t *testing.T) {
	file := fmt.Sprintf("http: {addr: \"127.0.0.1:0\"}\nstate: {dir: %q}\necho: {enabled: true}\nweb: {path: %s}\n", t.TempDir(), "%s")
	for _, tt := range []struct {
		path string
		want string // "" means no error
	}{
		{"/echo/", `web.path: "/echo/" overlaps POST /echo/ask, which echo serves`},
		{"/echo/ask/more", `web.path: "/echo/ask/more/" overlaps POST /echo/ask, which echo serves`},
		{"/echoes/", ""},
		{"/", ""},
	} {
		cfg, err := loadConfig(writeConfig(t, fmt.Sprintf(file, tt.path)), env(map[string]string{"ECHO_TOKEN": "t"}), append(platforms(), newEcho()))
		if err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan string, 1)
		done := make(chan error, 1)
		go func() { done <- serve(ctx, cfg, slog.New(slog.DiscardHandler), ready) }()
		select {
		case err := <-done:
			if tt.want == "" || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("web.path %s: serve returned %v, want %q", tt.path, err, tt.want)
			}
		case <-ready:
			if tt.want != "" {
				t.Errorf("web.path %s: serve started, want %q", tt.path, tt.want)
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("web.path %s: %v", tt.path, err)
			}
		}
		cancel()
	}
}

// The website of a configuration shows what it serves, the entries
// curated in chat included: refbot glossary site --config writes their
// pages (published at web.public_url), and refbot web --config serves
// them and, polling the state store, one approved while it runs.
func TestSiteAndWebShowCurated(t *testing.T) {
	dir := t.TempDir()
	stateDir := filepath.Join(dir, "state")
	cfg := filepath.Join(dir, "config.yaml")
	writeFile(t, cfg, fmt.Sprintf("state:\n  dir: %q\nweb:\n  public_url: https://g.example.org/\ncuration:\n  poll: 100ms\n", stateDir))

	r := runArgs(t, "", nil, "glossary", "site", "--config", cfg, "-o", filepath.Join(dir, "before"))
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "no state database yet, so none curated in chat") {
		t.Errorf("site before any curation: %s", r.stdout)
	}
	approveInStore(t, stateDir)

	out := filepath.Join(dir, "site")
	r = runArgs(t, "", map[string]string{"REFBOT_CONFIG": cfg}, "glossary", "site", "-o", out)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, fmt.Sprintf("(%d entries, 1 of them curated in chat)", embeddedLen(t)+1)) {
		t.Errorf("site: %s", r.stdout)
	}
	page, err := os.ReadFile(filepath.Join(out, "terms", "lottery-ticket-hypothesis.html"))
	if err != nil || !bytes.Contains(page, []byte("Lottery Ticket Hypothesis")) ||
		!bytes.Contains(page, []byte(`href="https://g.example.org/terms/lottery-ticket-hypothesis.html"`)) {
		t.Errorf("the curated entry's page: %v\n%.400s", err, page)
	}
	wantCode(t, runArgs(t, "", nil, "glossary", "site", "--config", cfg, "--glossary", dir, "-o", out), 2)
	// Without --config (and no REFBOT_CONFIG) the site is the embedded glossary's.
	r = runArgs(t, "", nil, "glossary", "site", "-o", filepath.Join(dir, "embedded"))
	wantCode(t, r, 0)
	if _, err := os.Stat(filepath.Join(dir, "embedded", "terms", "lottery-ticket-hypothesis.html")); err == nil {
		t.Error("the embedded glossary's site has the curated entry")
	}

	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr bottest.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"refbot", "web", "--addr", "127.0.0.1:0", "--config", cfg}, env(nil), strings.NewReader(""), &stdout, &stderr)
	}()
	re := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+/)`)
	waitFor(t, "the address on stdout", func() bool { return re.MatchString(stdout.String()) })
	base := re.FindStringSubmatch(stdout.String())[1]
	if !strings.Contains(stdout.String(), "1 of them curated in chat") {
		t.Errorf("refbot web --config says: %s", stdout.String())
	}
	if code, body := get(t, base+"terms/lottery-ticket-hypothesis"); code != 200 || !strings.Contains(body, "winning tickets") {
		t.Errorf("the curated entry's page: %d", code)
	}
	if code, _ := get(t, base+"terms/double-descent"); code != 404 {
		t.Fatalf("double-descent before its approval: %d", code)
	}
	approveMore(t, stateDir, map[string]string{
		bot.FieldTitle:   "Double Descent",
		bot.FieldSummary: "Test error that falls, rises near the point where a model can just fit its training data, then falls again as the model grows.",
		bot.FieldSources: "Deep Double Descent — https://arxiv.org/abs/1912.02292",
	}, "3")
	waitFor(t, "the entry approved meanwhile on refbot web's site", func() bool {
		code, _ := get(t, base+"api/v1/entries/double-descent")
		return code == 200
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("refbot web after cancel: %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("refbot web did not stop")
	}
}

// approveMore suggests an entry and approves it (as suggestion number n)
// through a core on the state store in stateDir.
func approveMore(t *testing.T, stateDir string, fields map[string]string, n string) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.OpenDir(ctx, stateDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(g, bot.Config{CurationStore: store, Curation: bot.CurationConfig{Reviewers: []bot.Who{{Platform: "slack", User: "UMOD"}}}})
	for _, req := range []bot.Request{
		{Platform: "slack", User: "UANN", Kind: bot.Submit, Command: bot.ActionSuggest, Fields: fields},
		{Platform: "slack", User: "UMOD", Kind: bot.Action, Command: bot.ActionApprove, Text: n},
	} {
		r, err := b.Handle(ctx, req)
		if err != nil || r.Card == nil {
			t.Fatalf("%s: %q, %v", req.Command, r.Notice, err)
		}
	}
}
