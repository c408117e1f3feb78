package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"refbot/bot/postgres/pgtest"
)

// PostgreSQL stops under load: /define keeps answering from memory,
// /readyz reports the outage, the log says so once; when the server is
// back the queued statistics are written exactly once and the schedule
// carries on from the step it was at, nothing posted twice.
func TestServeOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("stops and starts a PostgreSQL server")
	}
	ctx := context.Background()
	srv := pgtest.NewServerT(t)
	dbURL, err := pgtest.CreateDatabase(ctx, srv.URL("postgres"), "refbot")
	if err != nil {
		t.Fatal(err)
	}
	slackAPI := &slackFake{held: make(chan struct{}, 1)}
	api := httptest.NewServer(slackAPI)
	defer api.Close()
	const secret = "outage-signing-secret"
	path := writeConfig(t, fmt.Sprintf(`state:
  url: %q
slack:
  enabled: true
  api_url: %q
reading:
  schedules:
    - {platform: slack, channel: C0123ABCD, cron: "* * * * *"}
`, dbURL, api.URL))
	cfg, err := load(path, env(map[string]string{"SLACK_BOT_TOKEN": "xoxb-outage", "SLACK_SIGNING_SECRET": secret}))
	if err != nil {
		t.Fatal(err)
	}
	cfg.clock = fastClock{origin: time.Date(2026, 3, 2, 9, 0, 30, 0, time.UTC), anchor: time.Now(), rate: 60}
	addr, log, stop := startServe(t, cfg)

	var answered, failed atomic.Int64
	define := func(n int) {
		body := url.Values{"command": {"/define"}, "text": {[]string{"goodhart", "mesa optimisation", "qqzx wibble"}[n%3]}, "user_id": {"U1"}, "channel_id": {"C0123ABCD"}, "response_url": {api.URL + "/hook"}}.Encode()
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/slack/events", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		signSlack(req, secret, []byte(body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			failed.Add(1)
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), `"blocks"`) {
			t.Errorf("/define: %d %s", res.StatusCode, b)
			failed.Add(1)
			return
		}
		answered.Add(1)
	}
	// Load runs throughout: two workers, one request after another.
	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for n := w; loadCtx.Err() == nil; n += 2 {
				define(n)
			}
		})
	}
	defer func() { stopLoad(); wg.Wait() }()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within a minute; log:\n%s", what, log)
			}
		}
	}
	ready := func() int {
		code, _ := get(t, "http://"+addr+"/readyz")
		return code
	}
	waitFor("posts before the outage", func() bool { return len(slackAPI.scheduled()) >= 3 })
	if code := ready(); code != http.StatusOK {
		t.Errorf("/readyz before the outage = %d", code)
	}

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	down := answered.Load()
	waitFor("/readyz reports the outage", func() bool { return ready() == http.StatusServiceUnavailable })
	_, body := get(t, "http://"+addr+"/readyz")
	if !strings.Contains(body, "unreachable") || !strings.Contains(body, "answering from memory") {
		t.Errorf("/readyz during the outage: %q", body)
	}
	postsBefore := len(slackAPI.scheduled())
	waitFor("/define answering during the outage", func() bool { return answered.Load() >= down+100 })
	time.Sleep(3 * time.Second) // three slots fall due while the server is down
	during := answered.Load() - down

	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor("/readyz after the outage", func() bool { return ready() == http.StatusOK })
	waitFor("posts after the outage", func() bool { return len(slackAPI.scheduled()) >= postsBefore+3 })
	stopLoad()
	wg.Wait()
	if err := stop(); err != nil { // writes what is queued
		t.Fatal(err)
	}

	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	var counted int64
	if err := db.QueryRow(ctx, `SELECT (SELECT coalesce(sum(count), 0) FROM lookups) + (SELECT coalesce(sum(count), 0) FROM missing_terms)`).Scan(&counted); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d lookups answered (%d while PostgreSQL was down), %d counted, %d failed", answered.Load(), during, counted, failed.Load())
	if counted != answered.Load() || failed.Load() != 0 {
		t.Errorf("%d lookups answered, %d counted, %d failed: want every one counted once (3 terms: the queue never fills)", answered.Load(), counted, failed.Load())
	}
	if n := strings.Count(log.String(), "PostgreSQL unreachable"); n != 1 {
		t.Errorf("the outage was logged %d times, want once (once per 30s):\n%s", n, log)
	}
	if !strings.Contains(log.String(), "PostgreSQL reachable again") {
		t.Errorf("no line for the recovery:\n%s", log)
	}
	if strings.Contains(log.String(), "level=ERROR") {
		t.Errorf("errors logged during a PostgreSQL outage; want the one warning:\n%s", log)
	}

	// The schedule: every post once, steps in order, none skipped.
	stepRE := regexp.MustCompile(`Step (\d+) of (\d+)`)
	rows, err := db.Query(ctx, `SELECT slot, step FROM reading_posts WHERE scheduled AND confirmed_at IS NOT NULL ORDER BY slot`)
	if err != nil {
		t.Fatal(err)
	}
	type claim struct {
		Slot int64
		Step int
	}
	claims, err := pgx.CollectRows(rows, pgx.RowToStructByPos[claim])
	if err != nil {
		t.Fatal(err)
	}
	posted := slackAPI.scheduled()
	if len(posted) != len(claims) {
		t.Errorf("%d slots posted, %d confirmed", len(posted), len(claims))
	}
	prev := 0
	for _, c := range claims {
		ps := posted[fmt.Sprintf("refbot/reading/slack/C0123ABCD/ai-safety-fundamentals/cron/%d", c.Slot)]
		if len(ps) != 1 {
			t.Errorf("slot %d posted %d times", c.Slot, len(ps))
			continue
		}
		m := stepRE.FindStringSubmatch(ps[0])
		n, _ := strconv.Atoi(m[1])
		of, _ := strconv.Atoi(m[2])
		if prev != 0 && n != prev%of+1 {
			t.Errorf("step %d after step %d: skipped or repeated", n, prev)
		}
		prev = n
	}
	t.Logf("%d slots posted once each around the outage", len(claims))
}
