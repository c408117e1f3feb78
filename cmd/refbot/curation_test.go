package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/postgres/pgtest"
	"refbot/bot/sqlite"
	"refbot/glossary"
	"refbot/glossary/data"
)

func TestCurationConfigErrors(t *testing.T) {
	for _, c := range []struct {
		yaml, want string
	}{
		{"curation: {suggest: everyone}", `curation.suggest: "everyone" must be anyone, moderators or off`},
		{"curation: {reviewers: {irc: [x]}}", `curation.reviewers.irc: "irc" is not a platform; use slack or discord`},
		{"curation: {reviewers: {slack: [\"U1 U2\", U3, U3]}}", `curation.reviewers.slack[0]: "U1 U2" is not a user id`},
		{"curation: {reviewers: {slack: [U3, U3]}}", `curation.reviewers.slack[1]: U3 is listed twice`},
		{"curation: {review_channel: {slack: C0123ABCD}}", `curation.review_channel.slack: slack is not enabled`},
		{"slack: {enabled: true, bot_token: x, signing_secret: y}\ncuration: {review_channel: {slack: general}}", `curation.review_channel.slack: "general" is not a Slack channel id`},
		{"curation: {max_pending: 0}", `curation.max_pending: 0 must be from 1 to 100`},
		{"curation: {max_length: {summary: 701}}", `curation.max_length.summary: 701 must be from 1 to 700`},
		{"curation: {max_length: {notes: 10}}", `curation.max_length.notes: not a field; the fields are aliases, key_points, reason, sources, summary, title`},
		{"curation: {poll: 0s}", `curation.poll: 0s must be a duration from 100ms to 1h, such as 2s`},
		{"curation: {colour: red}", `:1: curation.colour: unknown field`},
	} {
		path := filepath.Join(t.TempDir(), "config.yaml")
		writeFile(t, path, c.yaml+"\n")
		_, err := load(path, env(nil))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %s", c.yaml, err, c.want)
		}
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	writeFile(t, path, "curation: {suggest: moderators, reviewers: {discord: [\"123456789012345678\"]}, max_length: {summary: 400}, poll: 500ms}\n")
	s, err := load(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.curation.Suggest != bot.SuggestModerators || len(s.curation.Reviewers) != 1 || s.curation.MaxLength["summary"] != 400 || s.curationPoll != 500*time.Millisecond {
		t.Errorf("compiled %+v, poll %v", s.curation, s.curationPoll)
	}
}

// dates masks the times a transcript prints.
var dates = regexp.MustCompile(`\d{1,2}\s+[A-Z][a-z]{2}\s+\d{4}\s+\d{2}:\d{2}\s+UTC`)

// The console, as a newcomer runs it: a missing term, its button, the
// form answered line by line with a mistake, review, approval, /define.
func TestConsoleCurationEndToEnd(t *testing.T) {
	in := strings.Join([]string{
		"/define lottery ticket hypothesis",
		"/1",
		"Lottery Ticket Hypothesis",
		"winning tickets",
		"A large trained network holds a small subnetwork that, trained alone from the same start, does as well.",
		"",
		"",
		"arxiv.org/abs/1803.03635",
		"",
		"The Lottery Ticket Hypothesis — https://arxiv.org/abs/1803.03635",
		"See also: grokking",
		"",
		"/review",
		"/1",
		"/define winning tickets",
	}, "\n") + "\n"
	r := runArgs(t, in, nil)
	wantCode(t, r, 0)
	golden(t, "console-curation.golden", dates.ReplaceAll([]byte(r.stdout), []byte("DATE")))
	for _, want := range []string{"line 1, url: is missing", "Thanks! Your suggestion (number 1, a new term)", "Approved: Lottery Ticket Hypothesis", "\nLottery Ticket Hypothesis\nAlso called: winning tickets"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
}

// approveInStore suggests and approves entries through a core on the state
// store in dir, as refbot serve would, and rejects one edit.
func approveInStore(t *testing.T, stateDir string) {
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
	do := func(user string, kind bot.Kind, command, text string, fields map[string]string) bot.Reply {
		r, err := b.Handle(ctx, bot.Request{Platform: "slack", User: user, Kind: kind, Command: command, Text: text, Fields: fields})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	fields := map[string]string{
		bot.FieldTitle: "Lottery Ticket Hypothesis", bot.FieldAliases: "winning tickets",
		bot.FieldSummary:   "A large trained network holds a small subnetwork that, trained alone from the same start, does as well.",
		bot.FieldKeyPoints: "Found by pruning and rewinding weights\nNamed by Frankle and Carbin",
		bot.FieldSources:   "The Lottery Ticket Hypothesis — https://arxiv.org/abs/1803.03635\nSee also: grokking",
	}
	if r := do("UANN", bot.Submit, bot.ActionSuggest, "", fields); r.Card == nil {
		t.Fatalf("suggest: %q", r.Notice)
	}
	if r := do("UMOD", bot.Action, bot.ActionApprove, "1", nil); r.Card == nil {
		t.Fatalf("approve: %q", r.Notice)
	}
	fields[bot.FieldSummary] = "Too short."
	do("UBOB", bot.Submit, bot.ActionSuggest, "lottery-ticket-hypothesis", fields)
	do("UMOD", bot.Submit, bot.ActionReject, "2", map[string]string{bot.FieldReason: "The summary\nsays less than before."})
}

// The curated layer from the command line: refbot define --config serves
// it, refbot glossary history tells who did what, and refbot glossary
// export writes files that glossary lint passes.
func TestHistoryExportDefine(t *testing.T) {
	dir := t.TempDir()
	stateDir := filepath.Join(dir, "state")
	cfg := filepath.Join(dir, "config.yaml")
	writeFile(t, cfg, fmt.Sprintf("state:\n  dir: %q\n", stateDir))

	r := runArgs(t, "", nil, "glossary", "history", "--config", cfg, "x")
	wantCode(t, r, 1)
	if !strings.Contains(r.err.Error(), "no state database at") {
		t.Errorf("history without a database: %v", r.err)
	}
	approveInStore(t, stateDir)

	r = runArgs(t, "", nil, "define", "--config", cfg, "winning tickets")
	wantCode(t, r, 0)
	if !strings.HasPrefix(r.stdout, "Lottery Ticket Hypothesis\n") {
		t.Errorf("define --config:\n%s", r.stdout)
	}
	r = runArgs(t, "", map[string]string{"REFBOT_CONFIG": cfg}, "define", "--json", "lottery ticket hypothesis")
	wantCode(t, r, 0)
	r = runArgs(t, "", nil, "define", "winning tickets")
	wantCode(t, r, 1) // the embedded glossary alone does not have it
	r = runArgs(t, "", nil, "define", "--config", cfg, "--glossary", dir, "x")
	wantCode(t, r, 2)

	r = runArgs(t, "", nil, "glossary", "history", "--config", cfg, "lottery-ticket-hypothesis")
	wantCode(t, r, 0)
	got := dates.ReplaceAllString(regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC`).ReplaceAllString(r.stdout, "DATE"), "DATE")
	got = strings.ReplaceAll(got, stateDir, "STATE")
	want := `lottery-ticket-hypothesis: 2 suggestion(s) in STATE/refbot.db

1. new, "Lottery Ticket Hypothesis"
   proposed by slack:UANN on DATE
   approved by slack:UMOD on DATE (curated version 1)

2. edit, "Lottery Ticket Hypothesis"
   proposed by slack:UBOB on DATE
   rejected by slack:UMOD on DATE: The summary says less than before.
`
	if got != want {
		t.Errorf("history:\n%s\nwant:\n%s", got, want)
	}
	r = runArgs(t, "", nil, "glossary", "history", "--config", cfg, "--json", "lottery-ticket-hypothesis")
	wantCode(t, r, 0)
	var hist []historyJSON
	if err := json.Unmarshal([]byte(r.stdout), &hist); err != nil || len(hist) != 2 || hist[0].Decider != "slack:UMOD" || hist[1].Status != "rejected" {
		t.Errorf("history --json: %v\n%s", err, r.stdout)
	}
	wantCode(t, runArgs(t, "", nil, "glossary", "history", "--config", cfg, "mesa-optimization"), 1)

	out := filepath.Join(dir, "exported")
	r = runArgs(t, "", nil, "glossary", "export", "--config", cfg, out)
	wantCode(t, r, 0)
	file := filepath.Join(out, "entries", "lottery-ticket-hypothesis.yaml")
	body, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(body), exportHeader+"# Suggestion 1: proposed by slack:UANN, approved by slack:UMOD on ") {
		t.Errorf("exported file:\n%s", body)
	}
	wantCode(t, runArgs(t, "", nil, "glossary", "lint", out), 0)
	r = runArgs(t, "", nil, "glossary", "export", "--config", cfg, out)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "0 written, 1 unchanged") {
		t.Errorf("a second export: %s", r.stdout)
	}
	writeFile(t, file, "id: lottery-ticket-hypothesis\n# written by hand\n")
	r = runArgs(t, "", nil, "glossary", "export", "--config", cfg, out)
	wantCode(t, r, 1)
	r = runArgs(t, "", nil, "glossary", "export", "--config", cfg, "--force", out)
	wantCode(t, r, 0)
	wantCode(t, runArgs(t, "", nil, "glossary", "lint", out), 0)
}

// serveHelperEnv names the configuration a re-executed test binary serves.
const serveHelperEnv = "REFBOT_SERVE_HELPER"

// TestServeHelperProcess is a child of TestTwoServesShareCuration: refbot
// serve on the configuration named in its environment, until SIGTERM.
func TestServeHelperProcess(t *testing.T) {
	path := os.Getenv(serveHelperEnv)
	if path == "" {
		t.Skip("run by TestTwoServesShareCuration as a child process")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	err := run(ctx, []string{"refbot", "serve", "--config", path}, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(3)
	}
	os.Exit(0)
}

// child is a refbot serve process.
type child struct {
	cmd  *exec.Cmd
	addr string
	logs *bytes.Buffer
}

// startChild starts refbot serve on config in a process of its own and
// waits for its address.
func startChild(t *testing.T, config string, environ []string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeHelperProcess$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), environ...), serveHelperEnv+"="+config)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, logs: &bytes.Buffer{}}
	addr := make(chan string, 1)
	logs := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if m := regexp.MustCompile(`msg="refbot listening" addr=(\S+)`).FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
			select {
			case logs <- line:
			default:
			}
		}
		close(logs)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		for l := range logs {
			c.logs.WriteString(l + "\n")
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", config, c.logs)
		}
	})
	select {
	case c.addr = <-addr:
	case <-time.After(30 * time.Second):
		t.Fatalf("refbot serve on %s did not start", config)
	}
	return c
}

// Two refbot serve processes on one state store: a suggestion made and
// approved through one is answered by /define on the other — and shown on
// its website. On one SQLite file the other notices the curated layer's
// new version on its own poll (curation.poll); on PostgreSQL the poll is
// an hour, so only the approval's NOTIFY (bot.FollowGlossary) can tell it
// in time.
func TestTwoServesShareCuration(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two refbot processes")
	}
	t.Run("sqlite", func(t *testing.T) {
		testTwoServesShareCuration(t, fmt.Sprintf("state:\n  dir: %q\n", filepath.Join(t.TempDir(), "state")), "200ms")
	})
	t.Run("postgres", func(t *testing.T) {
		testTwoServesShareCuration(t, fmt.Sprintf("state:\n  url: %q\n", pgtest.URL(t)), "1h")
	})
}

func testTwoServesShareCuration(t *testing.T, state, poll string) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	fake := &fakeDiscord{}
	api := httptest.NewServer(fake)
	defer api.Close()
	dir := t.TempDir()
	config := func(name string) string {
		path := filepath.Join(dir, name+".yaml")
		writeFile(t, path, fmt.Sprintf(`http:
  addr: "127.0.0.1:0"
%sdiscord:
  enabled: true
  mode: http
  api_url: %q
  application_id: "1000000000000000001"
  register_commands: false
curation:
  reviewers:
    discord: ["5100000000000000051"]
  poll: %s
`, state, api.URL, poll))
		return path
	}
	environ := []string{"DISCORD_BOT_TOKEN=test-token", "DISCORD_PUBLIC_KEY=" + hex.EncodeToString(pub)}
	a := startChild(t, config("a"), environ)
	b := startChild(t, config("b"), environ)

	post := func(c *child, user string, typ int, data any) map[string]any {
		t.Helper()
		body, _ := json.Marshal(map[string]any{
			"id": "2", "application_id": "1000000000000000001", "type": typ, "token": "tok", "version": 1,
			"guild_id": "3000000000000000003", "channel_id": "4000000000000000004",
			"member": map[string]any{"user": map[string]any{"id": user}, "permissions": "0"},
			"data":   data,
		})
		stamp := strconv.FormatInt(time.Now().Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, "http://"+c.addr+"/discord/interactions", bytes.NewReader(body))
		req.Header.Set("X-Signature-Timestamp", stamp)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, append([]byte(stamp), body...))))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var m map[string]any
		if resp.StatusCode != 200 || json.Unmarshal(raw, &m) != nil {
			t.Fatalf("status %d: %s", resp.StatusCode, raw)
		}
		return m
	}
	define := func(c *child) string {
		m := post(c, "5000000000000000005", 2, map[string]any{"id": "6", "name": "define", "type": 1,
			"options": []any{map[string]any{"name": "term", "type": 3, "value": "winning tickets"}}})
		raw, _ := json.Marshal(m)
		return string(raw)
	}
	if s := define(b); strings.Contains(s, `"title":"Lottery Ticket Hypothesis"`) {
		t.Fatalf("served before it was suggested: %s", s)
	}

	input := func(name, value string) any {
		return map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": name, "value": value}}}
	}
	m := post(a, "5000000000000000005", 5, map[string]any{"custom_id": "suggest:", "components": []any{
		input(bot.FieldTitle, "Lottery Ticket Hypothesis"),
		input(bot.FieldAliases, "winning tickets"),
		input(bot.FieldSummary, "A large trained network holds a small subnetwork that, trained alone from the same start, does as well."),
		input(bot.FieldSources, "The Lottery Ticket Hypothesis — https://arxiv.org/abs/1803.03635"),
	}})
	if c, _ := m["data"].(map[string]any)["content"].(string); !strings.HasPrefix(c, "Thanks!") {
		t.Fatalf("suggestion through a: %v", m)
	}
	approved := time.Now()
	m = post(a, "5100000000000000051", 3, map[string]any{"custom_id": "approve:1", "component_type": 2})
	if c, _ := m["data"].(map[string]any)["content"].(string); !strings.HasPrefix(c, "Approved:") {
		t.Fatalf("approval through a: %v", m)
	}

	// Wait for b (a guard against a hang, not a timing assertion).
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(define(b), `"title":"Lottery Ticket Hypothesis"`) {
		if time.Now().After(deadline) {
			t.Fatalf("b never served the entry approved through a")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("b answered /define with the entry approved through a %v after the approval was sent (curation.poll %s)", time.Since(approved).Round(time.Millisecond), poll)
	if _, body := get(t, "http://"+b.addr+"/healthz"); !strings.Contains(body, fmt.Sprintf("ok %d entries", embeddedLen(t)+1)) {
		t.Errorf("b's healthz: %q", body)
	}
	// The website reads the glossary in service: the curated entry has its
	// page and its API entry on b too.
	if code, body := get(t, "http://"+b.addr+"/terms/lottery-ticket-hypothesis"); code != 200 || !strings.Contains(body, "Lottery Ticket Hypothesis") {
		t.Errorf("b's page for the curated entry: %d", code)
	}
	if code, body := get(t, "http://"+b.addr+"/api/v1/entries/lottery-ticket-hypothesis"); code != 200 || !strings.Contains(body, `"winning tickets"`) {
		t.Errorf("b's API entry for the curated entry: %d %.200s", code, body)
	}
}
