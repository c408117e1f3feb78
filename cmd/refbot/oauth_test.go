package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/sqlite"
)

// A REFBOT_SECRET_KEY for the tests: 32 bytes in base64.
const testSecretKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// oauthConfig is a Slack section in OAuth mode, HTTP transport.
func oauthConfig(stateDir string) string {
	return "http:\n  addr: \"127.0.0.1:0\"\nstate:\n  dir: " + stateDir + "\nslack:\n  enabled: true\n  signing_secret: s\n  oauth:\n    enabled: true\n    public_url: https://refbot.example.org\n"
}

var oauthEnv = map[string]string{
	"SLACK_CLIENT_ID": "1234.5678", "SLACK_CLIENT_SECRET": "abc", "REFBOT_SECRET_KEY": testSecretKey,
}

// OAuth mode's configuration errors name their key and say what to do;
// without REFBOT_SECRET_KEY refbot does not start and says how to make
// one.
func TestOAuthConfigErrors(t *testing.T) {
	dir := t.TempDir()
	with := func(kv map[string]string, drop ...string) map[string]string {
		out := map[string]string{}
		for k, v := range oauthEnv {
			out[k] = v
		}
		for k, v := range kv {
			out[k] = v
		}
		for _, k := range drop {
			delete(out, k)
		}
		return out
	}
	tests := []struct {
		name   string
		config string
		env    map[string]string
		want   []string
	}{
		{"good", oauthConfig(dir), oauthEnv, nil},
		{"no key", oauthConfig(dir), with(nil, "REFBOT_SECRET_KEY"),
			[]string{"slack.oauth: REFBOT_SECRET_KEY is not set", "refbot slack secret-key", "openssl rand -base64 32"}},
		{"short key", oauthConfig(dir), with(map[string]string{"REFBOT_SECRET_KEY": "c2hvcnQ="}), []string{"decodes to 5 bytes, want 32"}},
		{"no client", oauthConfig(dir), with(nil, "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"),
			[]string{"slack.oauth.client_id: missing; set SLACK_CLIENT_ID", "slack.oauth.client_secret: missing; set SLACK_CLIENT_SECRET"}},
		{"bad client id", oauthConfig(dir), with(map[string]string{"SLACK_CLIENT_ID": "xoxb-oops"}), []string{"slack.oauth.client_id:", "not a Slack client id"}},
		{"bot token too", oauthConfig(dir), with(map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}), []string{"slack.bot_token: set, but slack.oauth.enabled is true"}},
		{"http public URL", strings.Replace(oauthConfig(dir), "https://refbot.example.org", "http://refbot.example.org", 1), oauthEnv,
			[]string{"slack.oauth.public_url:", "must start with https://"}},
		{"localhost over http", strings.Replace(oauthConfig(dir), "https://refbot.example.org", "http://localhost:8080", 1), oauthEnv, nil},
		{"no public URL", strings.Replace(oauthConfig(dir), "    public_url: https://refbot.example.org\n", "", 1), oauthEnv,
			[]string{"slack.oauth.public_url: missing", "/slack/install"}},
		{"public URL with a query", strings.Replace(oauthConfig(dir), "https://refbot.example.org", "https://refbot.example.org/?x=1", 1), oauthEnv,
			[]string{"slack.oauth.public_url:", "is not an address"}},
		{"unknown key", oauthConfig(dir) + "    redirect_url: x\n", oauthEnv, []string{`slack.oauth.redirect_url: unknown field`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(writeConfig(t, tc.config), env(tc.env))
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// reading.schedules' team: required and checked in OAuth mode, refused
// where the platform serves every workspace with one token.
func TestScheduleTeam(t *testing.T) {
	dir := t.TempDir()
	sched := func(s string) string { return "reading:\n  schedules:\n    - " + s + "\n" }
	single := "slack:\n  enabled: true\n  bot_token: xoxb-1\n  signing_secret: s\n"
	discord := "discord:\n  enabled: true\n  token: t\n  application_id: \"1000000000000000001\"\n"
	tests := []struct {
		name, config string
		want         string
	}{
		{"oauth with a team", oauthConfig(dir) + sched(`{platform: slack, team: T0123ABCD, channel: C0123ABCD, cron: "0 18 * * 2"}`), ""},
		{"oauth without one", oauthConfig(dir) + sched(`{platform: slack, channel: C0123ABCD, cron: "0 18 * * 2"}`),
			"reading.schedules[0].team: missing"},
		{"oauth with a channel for a team", oauthConfig(dir) + sched(`{platform: slack, team: C0123ABCD, channel: C0123ABCD, cron: "0 18 * * 2"}`),
			`reading.schedules[0].team: "C0123ABCD" is not a Slack workspace id`},
		{"one token with a team", single + sched(`{platform: slack, team: T0123ABCD, channel: C0123ABCD, cron: "0 18 * * 2"}`),
			"reading.schedules[0].team: only used with slack.oauth.enabled"},
		{"discord with a team", discord + sched(`{platform: discord, team: T1, channel: "123456789012345678", cron: "0 18 * * 2"}`),
			"reading.schedules[0].team: discord serves every workspace with one set of credentials"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := load(writeConfig(t, tc.config), env(oauthEnv))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(cfg.schedules) != 1 || cfg.schedules[0].team != "T0123ABCD" {
					t.Errorf("schedules = %+v", cfg.schedules)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// A schedule for a platform whose own section is wrong is not blamed
// for it: the section's error is the one to fix.
func TestScheduleOnBrokenPlatform(t *testing.T) {
	config := oauthConfig(t.TempDir()) + "reading:\n  schedules:\n    - {platform: slack, channel: C0123ABCD, cron: \"0 18 * * 2\"}\n"
	_, err := load(writeConfig(t, config), env(map[string]string{"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"}))
	if err == nil || !strings.Contains(err.Error(), "REFBOT_SECRET_KEY is not set") || strings.Contains(err.Error(), "not enabled") || strings.Contains(err.Error(), "team") {
		t.Errorf("error %v; want only the missing key", err)
	}
}

// refbot serve in OAuth mode serves the install page and its redirect on
// the one HTTP server; the redirect refuses a link it did not make.
func TestServeSlackOAuth(t *testing.T) {
	cfg, err := load(writeConfig(t, oauthConfig(t.TempDir())+"  api_url: http://127.0.0.1:1\n"), env(oauthEnv))
	if err != nil {
		t.Fatal(err)
	}
	addr, log, stop := startServe(t, cfg)
	status, body := get(t, "http://"+addr+"/slack/install")
	if status != 200 || !strings.Contains(body, "Add to Slack") || !strings.Contains(body, "redirect_uri=https%3A%2F%2Frefbot.example.org%2Fslack%2Foauth_redirect") {
		t.Errorf("install page: %d\n%s", status, body)
	}
	status, body = get(t, "http://"+addr+"/slack/oauth_redirect?code=1.2.3&state=AAAA")
	if status != 400 || !strings.Contains(body, "cannot be used") {
		t.Errorf("forged redirect: %d\n%s", status, body)
	}
	// The platform starts beside the HTTP server: stopping before it has
	// read the installations would cancel that read.
	waitFor(t, "slack's OAuth start", func() bool { return strings.Contains(log.String(), "slack: OAuth mode") })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "slack: OAuth mode") || !strings.Contains(log.String(), "installations=0") {
		t.Errorf("log:\n%s", log)
	}
}

// refbot slack installations lists what is installed, never a token;
// refbot slack secret-key makes keys the configuration accepts.
func TestSlackInstallationsCommand(t *testing.T) {
	dir := t.TempDir()
	path := writeConfig(t, oauthConfig(dir))
	r := runArgs(t, "", nil, "slack", "installations", "--config", path)
	wantCode(t, r, 1)
	if msg := r.err.Error(); !strings.Contains(msg, "no state database") || !strings.Contains(msg, "refbot serve creates it") {
		t.Errorf("with no database: %s", msg)
	}

	store, err := sqlite.OpenDir(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	r = runArgs(t, "", nil, "slack", "installations", "--config", path)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "No workspace has installed refbot yet. With slack.oauth on, install it from https://refbot.example.org/slack/install") {
		t.Errorf("empty: %s", r.stdout)
	}
	at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	for _, in := range []bot.Installation{
		{Platform: "slack", Team: "T0AAA", TeamName: "Alignment\tReaders\n", BotUser: "UB1", Scopes: []string{"commands", "chat:write"}, Installer: "UALICE", InstalledAt: at, Secret: "v1.k.SEALEDSECRET1"},
		{Platform: "slack", Team: "T0BBB", TeamName: "Interp Club", BotUser: "UB2", Installer: "UBOB", InstalledAt: at, ExpiresAt: at.Add(12 * time.Hour), Secret: "v1.k.SEALEDSECRET2"},
		{Platform: "other", Team: "T0CCC", TeamName: "Elsewhere", Secret: "x"},
	} {
		if err := store.SaveInstallation(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()

	r = runArgs(t, "", map[string]string{"REFBOT_CONFIG": path}, "slack", "installations")
	wantCode(t, r, 0)
	for _, want := range []string{"T0AAA", "Alignment Readers", "2026-12-01 09:30", "UALICE", "commands,chat:write", "never", "T0BBB", "2026-12-01 21:30"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "SEALED") || strings.Contains(r.stdout, "Elsewhere") {
		t.Errorf("table shows a secret or another platform's installation:\n%s", r.stdout)
	}
	if lines := strings.Count(r.stdout, "\n"); lines != 3 {
		t.Errorf("%d lines, want a header and two rows:\n%s", lines, r.stdout)
	}

	r = runArgs(t, "", nil, "slack", "installations", "--config", path, "--json")
	wantCode(t, r, 0)
	var out []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out) != 2 || out[0]["team"] != "T0AAA" || out[1]["token_expires_at"] == nil || out[0]["token_expires_at"] != nil {
		t.Errorf("--json: %v\n%s", err, r.stdout)
	}
	if strings.Contains(r.stdout, "SEALED") {
		t.Errorf("--json shows a secret:\n%s", r.stdout)
	}
	wantCode(t, runArgs(t, "", nil, "slack", "installations", "extra"), 2)

	r = runArgs(t, "", nil, "slack", "secret-key")
	wantCode(t, r, 0)
	key := strings.TrimSpace(r.stdout)
	kv := map[string]string{}
	for k, v := range oauthEnv {
		kv[k] = v
	}
	kv["REFBOT_SECRET_KEY"] = key
	if _, err := load(writeConfig(t, oauthConfig(filepath.Join(dir, "x"))), env(kv)); err != nil {
		t.Errorf("a key from refbot slack secret-key is refused: %v", err)
	}
}
