package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"refbot/bot"
)

func TestAutolinkConfig(t *testing.T) {
	cfg, err := load(writeConfig(t, `autolink:
  enabled: true
  style: reaction
  max_links: 5
  cooldown: 2h
  explicit_cooldown: 30s
  channels:
    - {platform: slack, channel: C0123ABCD}
    - {platform: discord, channel: "123456789012345678", style: digest}
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.autolink
	want := bot.AutolinkConfig{
		Enabled: true, MaxLinks: 5, Cooldown: 2 * time.Hour, ExplicitCooldown: 30 * time.Second, Style: bot.AutolinkReaction,
		Channels: []bot.AutolinkChannel{
			{Platform: "slack", Channel: "C0123ABCD"},
			{Platform: "discord", Channel: "123456789012345678", Mode: bot.AutolinkDigest},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("core config\n%+v\nwant\n%+v", got, want)
	}
	if d := defaultConfig(nil).Autolink; d.Enabled || d.MaxLinks != 3 || d.Cooldown != "30m" || d.Style != "digest" {
		t.Errorf("defaults %+v: want off, 3 links, 30m, digest", d)
	}
}

func TestAutolinkConfigErrors(t *testing.T) {
	tests := []struct{ content, want string }{
		{"autolink:\n  style: loud\n", `autolink.style: "loud" must be digest or reaction`},
		{"autolink:\n  max_links: 0\n", "autolink.max_links: 0 must be from 1 to 10"},
		{"autolink:\n  max_links: 11\n", "autolink.max_links: 11"},
		{"autolink:\n  cooldown: -5m\n", `autolink.cooldown: "-5m" must be a positive duration such as 30m`},
		{"autolink:\n  cooldown: 0s\n", "autolink.cooldown"},
		{"autolink:\n  explicit_cooldown: 0s\n", "autolink.explicit_cooldown"},
		{"autolink:\n  cooldown: soon\n", `autolink.cooldown: "soon" must be a positive duration`},
		{"autolink:\n  cooldown: 30\n", `autolink.cooldown: "30" must be`},
		{"autolink:\n  channels:\n    - {platform: slack, channel: C0123ABCD}\n", "autolink.channels: lists channels but autolink.enabled is false"},
		{"autolink:\n  enabled: true\n  channels:\n    - {platform: teams, channel: C0123ABCD}\n", `autolink.channels[0].platform: "teams" must be ` + platformSet{ps: platforms()}.choice()},
		{"autolink:\n  enabled: true\n  channels:\n    - {platform: slack}\n", "autolink.channels[0].channel: missing"},
		{"autolink:\n  enabled: true\n  channels:\n    - {platform: discord, channel: C0123ABCD}\n", `autolink.channels[0].channel: "C0123ABCD" is not a Discord channel id`},
		{"autolink:\n  enabled: true\n  channels:\n    - {platform: slack, channel: \"#general\"}\n", `autolink.channels[0].channel: "#general" is not a Slack channel id`},
		{"autolink:\n  enabled: true\n  channels:\n    - {platform: slack, channel: C0123ABCD, style: loud}\n", "autolink.channels[0].style"},
		{"autolink:\n  enabled: true\n  channels:\n    - {platform: slack, channel: C0123ABCD}\n    - {platform: slack, channel: C0123ABCD}\n", "autolink.channels[1]: slack channel C0123ABCD is already listed as autolink.channels[0]"},
		{"autolink:\n  enabled: true\n  channels:\n    - {platform: slack, chanel: C1}\n", `:4: autolink.channels[0].chanel: unknown field (did you mean "channel"?)`},
	}
	for _, tt := range tests {
		_, err := load(writeConfig(t, tt.content), env(nil))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.content, err, tt.want)
		}
	}
	// Every problem at once.
	_, err := load(writeConfig(t, "autolink:\n  style: loud\n  max_links: 99\n"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "autolink.style") || !strings.Contains(err.Error(), "autolink.max_links") {
		t.Errorf("err = %v, want both problems", err)
	}
}

func TestSlackManifestAutolink(t *testing.T) {
	r := runArgs(t, "", nil, "slack", "manifest", "--socket")
	wantCode(t, r, 0)
	if strings.Contains(r.stdout, "message.channels") {
		t.Errorf("a manifest without auto-linking subscribes to messages")
	}
	r = runArgs(t, "", nil, "slack", "manifest", "--socket", "--autolink")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, `"message.channels"`) || !strings.Contains(r.stdout, `"channels:history"`) {
		t.Errorf("--autolink: manifest lacks the message events:\n%s", r.stdout)
	}
	path := writeConfig(t, "autolink:\n  enabled: true\n")
	r = runArgs(t, "", nil, "slack", "manifest", "--socket", "--config", path)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, `"message.groups"`) {
		t.Errorf("--config with autolink.enabled: manifest lacks the message events")
	}
	r = runArgs(t, "", nil, "slack", "manifest", "--socket", "--config", writeConfig(t, "autolink:\n  enabld: true\n"))
	if r.err == nil || !strings.Contains(r.err.Error(), `autolink.enabld: unknown field (did you mean "enabled"?)`) {
		t.Errorf("bad config: %v", r.err)
	}
}

func TestDiscordInviteAutolink(t *testing.T) {
	r := runArgs(t, "", nil, "discord", "invite", "--application-id", "1000000000000000123")
	wantCode(t, r, 0)
	plain := r.stdout
	r = runArgs(t, "", nil, "discord", "invite", "--application-id", "1000000000000000123", "--config", writeConfig(t, "autolink:\n  enabled: true\n"))
	wantCode(t, r, 0)
	if r.stdout == plain || !strings.Contains(r.stderr, "Add Reactions") {
		t.Errorf("with auto-linking the invite should ask for more: %q / %q", r.stdout, r.stderr)
	}
}

// TestServeSlackAutolink runs refbot serve with auto-linking configured
// for one Slack channel: a signed message event there gets a digest in
// its thread through the fake Web API; the same message elsewhere does not.
func TestServeSlackAutolink(t *testing.T) {
	posts := make(chan url.Values, 8)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/auth.test": // api_url is a scheme and host; refbot adds /api/
			fmt.Fprint(w, `{"ok":true,"team":"Study","user_id":"UREFBOT","bot_id":"B1"}`)
		case "/api/chat.postMessage":
			r.ParseForm()
			posts <- r.PostForm
			fmt.Fprint(w, `{"ok":true,"channel":"C1","ts":"1700000000.000900"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer api.Close()
	const secret = "test-signing-secret"
	path := writeConfig(t, "http:\n  addr: \"127.0.0.1:0\"\nslack:\n  enabled: true\n  api_url: "+api.URL+"\n"+
		"autolink:\n  enabled: true\n  channels:\n    - {platform: slack, channel: C0123ABCD}\nstate:\n  dir: "+t.TempDir()+"\n")
	cfg, err := load(path, env(map[string]string{"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": secret}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	logs := &syncWriter{w: &bytes.Buffer{}}
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)), ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	send := func(id, channel string) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": "T1", "event_id": id, "event": map[string]any{
			"type": "message", "channel": channel, "user": "U1", "text": "isn't this just deceptive alignment?", "ts": "1700000000.000100",
		}})
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/slack/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		signSlack(req, secret, body)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("event: status %d", res.StatusCode)
		}
	}
	send("Ev2", "C0123ABCE") // not configured: quiet
	send("Ev1", "C0123ABCD")
	select {
	case p := <-posts:
		if p.Get("channel") != "C0123ABCD" || p.Get("thread_ts") != "1700000000.000100" || !strings.Contains(p.Get("blocks"), "Deceptive Alignment") {
			t.Errorf("posted %v", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no digest posted; log:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "auto-linking enabled") {
		t.Errorf("serve did not log the auto-link settings:\n%s", logs)
	}
}
