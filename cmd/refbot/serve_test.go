package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"refbot/bot/bottest"
)

// startServe runs serve on a free loopback port and returns its address,
// its log and a stop function that cancels it and returns serve's result.
func startServe(t *testing.T, cfg settings) (addr string, log *bottest.Buffer, stop func() error) {
	t.Helper()
	cfg.addr = "127.0.0.1:0"
	if cfg.stateDir == defaultConfig(nil).State.Dir {
		cfg.stateDir = t.TempDir() // not the package directory
	}
	log = &bottest.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(log, nil)), ready) }()
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve returned before it was ready: %v\n%s", err, log)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("serve was not ready in time")
	}
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			t.Fatal("serve did not return after cancel")
			return nil
		}
	}
	t.Cleanup(func() { _ = stop() })
	return addr, log, stop
}

// defaults is the default configuration, compiled: no platform enabled.
func defaults(t *testing.T) settings {
	t.Helper()
	s, err := defaultConfig(platforms()).compile(env(nil), platforms())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func embeddedLen(t *testing.T) int {
	t.Helper()
	g, err := loadGlossary("", "extend")
	if err != nil {
		t.Fatal(err)
	}
	return g.Len()
}

func TestServeHealthAndMetrics(t *testing.T) {
	addr, log, stop := startServe(t, defaults(t))
	base := "http://" + addr

	code, body := get(t, base+"/healthz")
	if want := fmt.Sprintf("ok %d entries\n", embeddedLen(t)); code != http.StatusOK || body != want {
		t.Errorf("GET /healthz = %d %q, want 200 %q", code, body, want)
	}
	if code, body := get(t, base+"/readyz"); code != http.StatusOK || !strings.HasPrefix(body, "ready: glossary version ") {
		t.Errorf("GET /readyz = %d %q, want 200 ready (SQLite is never unreachable)", code, body)
	}
	code, body = get(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", code)
	}
	for _, want := range []string{
		"# TYPE refbot_lookups_total counter",
		`refbot_lookups_total{outcome="match"} 0`,
		`refbot_lookups_total{outcome="suggest"} 0`,
		`refbot_lookups_total{outcome="none"} 0`,
		"# TYPE refbot_lookup_duration_seconds histogram",
		"refbot_lookup_duration_seconds_count 0",
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if code, _ := get(t, base+"/nope"); code != http.StatusNotFound {
		t.Errorf("GET /nope = %d, want 404", code)
	}
	resp, err := http.Post(base+"/healthz", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz = %d, want 405", resp.StatusCode)
	}

	if err := stop(); err != nil {
		t.Errorf("serve after cancel = %v, want nil", err)
	}
	if !strings.Contains(log.String(), "shutting down") {
		t.Errorf("log lacks the shutdown:\n%s", log)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Errorf("the server still answers after serve returned")
	}
}

func TestServeAddressInUse(t *testing.T) {
	addr, _, _ := startServe(t, defaults(t))
	cfg := defaults(t)
	cfg.addr = addr
	cfg.stateDir = t.TempDir()
	err := serve(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
	if err == nil || !strings.Contains(err.Error(), "http.addr") {
		t.Errorf("serve on a busy address = %v, want an http.addr error", err)
	}
}

func TestServeBadGlossaryDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "entries", "broken.yaml"), "id: [\n")
	cfg := defaults(t)
	cfg.addr = "127.0.0.1:0"
	cfg.glossary.Dir = dir
	err := serve(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
	if err == nil || !strings.Contains(err.Error(), "broken.yaml") {
		t.Errorf("serve with a broken glossary = %v, want the problem", err)
	}
}

// SIGHUP reloads glossary.dir; a broken glossary is logged and the last
// good one stays in service.
func TestServeReloadOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "entries", "widget-alignment.yaml")
	writeFile(t, file, widgetEntry)
	cfg := defaults(t)
	cfg.glossary.Dir = dir
	addr, log, stop := startServe(t, cfg)
	n := embeddedLen(t)
	health := func() string { _, body := get(t, "http://"+addr+"/healthz"); return body }
	if got, want := health(), fmt.Sprintf("ok %d entries\n", n+1); got != want {
		t.Fatalf("healthz = %q, want %q", got, want)
	}

	writeFile(t, file, "id: widget-alignment\ntitle: [broken\n")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failed reload in the log", func() bool {
		return strings.Contains(log.String(), "glossary reload failed; keeping the last good glossary")
	})
	if !strings.Contains(log.String(), "widget-alignment.yaml") {
		t.Errorf("the log does not name the broken file:\n%s", log)
	}
	if got, want := health(), fmt.Sprintf("ok %d entries; glossary stale: ", n+1); !strings.HasPrefix(got, want) {
		t.Errorf("after a failed reload, healthz = %q, want the old glossary's %q...", got, want)
	}

	writeFile(t, file, widgetEntry)
	writeFile(t, filepath.Join(dir, "entries", "gadget-alignment.yaml"), entry("gadget-alignment", "Gadget Alignment"))
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("ok %d entries\n", n+2)
	waitFor(t, "the reloaded glossary", func() bool { return health() == want })
	if !regexp.MustCompile(`msg="glossary reloaded" entries=` + fmt.Sprint(n+2)).MatchString(log.String()) {
		t.Errorf("the log does not report the reload:\n%s", log)
	}
	if err := stop(); err != nil {
		t.Errorf("serve after cancel = %v, want nil", err)
	}
}

// Editing a file under glossary.dir reloads the glossary with no signal,
// and a broken edit keeps the last good one.
func TestServeReloadOnChange(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "entries", "widget-alignment.yaml"), widgetEntry)
	cfg := defaults(t)
	cfg.glossary.Dir = dir
	cfg.glossary.Reload = 10 * time.Millisecond
	addr, log, stop := startServe(t, cfg)
	n := embeddedLen(t)
	health := func() string { _, body := get(t, "http://"+addr+"/healthz"); return body }

	writeFile(t, filepath.Join(dir, "entries", "gadget-alignment.yaml"), entry("gadget-alignment", "Gadget Alignment"))
	want := fmt.Sprintf("ok %d entries\n", n+2)
	waitFor(t, "the glossary with the new file", func() bool { return health() == want })

	writeFile(t, filepath.Join(dir, "entries", "gadget-alignment.yaml"), "id: gadget-alignment\ntitle: [broken\n")
	waitFor(t, "the failed reload in the log", func() bool {
		return strings.Contains(log.String(), "glossary reload failed; keeping the last good glossary")
	})
	if got := health(); !strings.HasPrefix(got, strings.TrimSuffix(want, "\n")+"; glossary stale: ") {
		t.Errorf("after a broken edit, healthz = %q, want the last good %q and stale", got, want)
	}
	if err := stop(); err != nil {
		t.Errorf("serve after cancel = %v, want nil", err)
	}
}

// refbot serve end to end through run: config file, log on stderr,
// graceful stop on cancel (SIGINT/SIGTERM in main).
func TestRunServe(t *testing.T) {
	path := writeConfig(t, "http:\n  addr: \"127.0.0.1:0\"\nlog:\n  level: debug\n  format: json\nstate:\n  dir: "+t.TempDir()+"\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr bottest.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"refbot", "serve", "--config", path}, env(nil), strings.NewReader(""), &stdout, &stderr)
	}()
	addrRE := regexp.MustCompile(`"msg":"refbot listening","addr":"([^"]+)"`)
	var addr string
	waitFor(t, "the serving log line", func() bool {
		m := addrRE.FindStringSubmatch(stderr.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	if code, _ := get(t, "http://"+addr+"/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz = %d", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run serve after cancel = %v, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run serve did not return after cancel")
	}
	if stdout.String() != "" {
		t.Errorf("stdout = %q; logs belong on stderr", stdout.String())
	}
	// Issue 12.13: a configuration that enables no platform serves
	// nothing, and says so; "serving" is not claimed before the
	// platforms have checked their credentials.
	if !strings.Contains(stderr.String(), `"level":"WARN","msg":"no platform is enabled: refbot answers nobody in chat and serves only the web site, /healthz, /readyz and /metrics; set enabled: true under slack or discord`) {
		t.Errorf("no warning that nothing is served:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), "refbot serving") {
		t.Errorf("serving claimed before any platform connected:\n%s", stderr.String())
	}
}
