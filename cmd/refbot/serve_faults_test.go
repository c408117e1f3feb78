package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/sqlite"
)

// metric returns the value of the sample named (with its labels) in a
// /metrics page, or "" when there is none.
func metric(page, sample string) string {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

// While the files in glossary.dir fail to load, /healthz still answers 200
// (refbot serves the last good glossary) but says the glossary is stale,
// /readyz answers 503 and why, and the metrics show the failures and the
// version in service. A good reload clears all three.
func TestServeReportsAStaleGlossary(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "entries", "widget-alignment.yaml")
	writeFile(t, file, widgetEntry)
	cfg := defaults(t)
	cfg.glossary.Dir = dir
	cfg.glossary.Reload = 10 * time.Millisecond
	addr, log, stop := startServe(t, cfg)
	base := "http://" + addr
	n := embeddedLen(t)
	g, err := loadGlossary(dir, "extend")
	if err != nil {
		t.Fatal(err)
	}
	good := g.Version()

	code, body := get(t, base+"/readyz")
	if code != http.StatusOK || !strings.HasPrefix(body, fmt.Sprintf("ready: glossary version %s, %d entries, loaded ", good, n+1)) {
		t.Errorf("GET /readyz = %d %q, want 200 and the version in service", code, body)
	}
	_, page := get(t, base+"/metrics")
	for sample, want := range map[string]string{
		`refbot_glossary_info{version="` + good + `"}`: "1",
		"refbot_glossary_entries":                      fmt.Sprint(n + 1),
		"refbot_glossary_reload_consecutive_failures":  "0",
		"refbot_glossary_reload_failures_total":        "0",
	} {
		if got := metric(page, sample); got != want {
			t.Errorf("/metrics: %s = %q, want %q", sample, got, want)
		}
	}
	if metric(page, "refbot_glossary_last_reload_success_timestamp_seconds") == "" {
		t.Error("/metrics lacks refbot_glossary_last_reload_success_timestamp_seconds")
	}

	writeFile(t, file, "id: widget-alignment\ntitle: [broken\n")
	waitFor(t, "the failed reload in the log", func() bool {
		return strings.Contains(log.String(), "glossary reload failed; keeping the last good glossary")
	})
	code, body = get(t, base+"/healthz")
	if code != http.StatusOK || !strings.HasPrefix(body, fmt.Sprintf("ok %d entries; glossary stale: ", n+1)) || !strings.Contains(body, "version "+good) {
		t.Errorf("GET /healthz with broken files = %d %q, want 200, stale and the version in service", code, body)
	}
	code, body = get(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.HasPrefix(body, "not ready: glossary stale: the files in glossary.dir have failed to load 1 time(s) in a row since ") {
		t.Errorf("GET /readyz with broken files = %d %q, want 503 and why", code, body)
	}
	_, page = get(t, base+"/metrics")
	if got := metric(page, "refbot_glossary_reload_consecutive_failures"); got != "1" {
		t.Errorf("consecutive failures = %q, want 1", got)
	}
	if got := metric(page, `refbot_glossary_info{version="`+good+`"}`); got != "1" {
		t.Errorf("the version in service changed with a failed reload:\n%s", page)
	}

	writeFile(t, file, strings.Replace(widgetEntry, "title: Widget Alignment", "title: Widget Alignment Problem", 1))
	waitFor(t, "the good reload", func() bool { code, _ := get(t, base+"/readyz"); return code == http.StatusOK })
	if _, body := get(t, base+"/healthz"); body != fmt.Sprintf("ok %d entries\n", n+1) {
		t.Errorf("GET /healthz after the fix = %q", body)
	}
	_, page = get(t, base+"/metrics")
	if metric(page, "refbot_glossary_reload_consecutive_failures") != "0" || metric(page, "refbot_glossary_reload_failures_total") != "1" ||
		metric(page, `refbot_glossary_info{version="`+good+`"}`) != "" {
		t.Errorf("after the fix, metrics still show the failure or the old version:\n%s", page)
	}
	if err := stop(); err != nil {
		t.Errorf("serve = %v", err)
	}
}

// Lookups counted while serving are in the state database after refbot
// stops, the log says the last write happened, and the queue's metrics
// are exported from the start.
func TestServeWritesStatisticsAtShutdown(t *testing.T) {
	e := newEcho()
	ps := append(platforms(), e)
	state := t.TempDir()
	path := writeConfig(t, fmt.Sprintf(echoConfigFile, state))
	cfg, err := loadConfig(path, env(map[string]string{"ECHO_TOKEN": "secret"}), ps)
	if err != nil {
		t.Fatal(err)
	}
	addr, log, stop := startServe(t, cfg)
	_, page := get(t, "http://"+addr+"/metrics")
	for _, sample := range []string{"refbot_stats_dropped_total", "refbot_stats_write_failures_total", "refbot_stats_pending"} {
		if metric(page, sample) != "0" {
			t.Errorf("/metrics: %s = %q, want 0", sample, metric(page, sample))
		}
	}
	for range 3 {
		res, err := http.PostForm("http://"+addr+"/echo/ask", url.Values{"q": {"grokking"}, "channel": {"E-1"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	if err := stop(); err != nil {
		t.Fatalf("serve = %v", err)
	}
	if !strings.Contains(log.String(), "lookup statistics written at shutdown") {
		t.Errorf("the log lacks the last write:\n%s", log)
	}
	store, err := sqlite.Open(context.Background(), filepath.Join(state, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	top, err := store.TopLookups(context.Background(), "echo", 10)
	found := top.Found
	if err != nil || len(found) != 1 || found[0] != (bot.Count{Name: "grokking", Count: 3}) {
		t.Errorf("stored after shutdown: %v, %v; want grokking 3", found, err)
	}
}
