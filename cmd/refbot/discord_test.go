package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"refbot/bot/bottest"
)

// fakeDiscord records the REST calls refbot makes.
type fakeDiscord struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeDiscord) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bot test-token" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body) // a bulk overwrite answers with the commands
}

func (f *fakeDiscord) list() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeDiscord) has(call string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if c == call {
			return true
		}
	}
	return false
}

func TestServeDiscordHTTP(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	fake := &fakeDiscord{}
	api := httptest.NewServer(fake)
	defer api.Close()

	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	conf := fmt.Sprintf(`http:
  addr: "127.0.0.1:0"
discord:
  enabled: true
  mode: http
  api_url: %q
  application_id: "1000000000000000001"
  guild_ids: ["3000000000000000003"]
state:
  dir: %q
reading:
  schedules:
    - {platform: discord, channel: "4000000000000000004", cron: "0 18 * * 2", timezone: Europe/London}
`, api.URL, filepath.Join(dir, "state"))
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DISCORD_BOT_TOKEN": "test-token", "DISCORD_PUBLIC_KEY": hex.EncodeToString(pub)}
	cfg, err := load(path, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	var logs bottest.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil)), ready) }()
	addr := <-ready

	deadline := time.Now().Add(10 * time.Second)
	for !fake.has("PUT /api/v9/applications/1000000000000000001/guilds/3000000000000000003/commands") {
		if time.Now().After(deadline) {
			t.Fatalf("commands were not registered; calls %v", fake.list())
		}
		time.Sleep(10 * time.Millisecond)
	}

	body := []byte(`{"id":"2","application_id":"1000000000000000001","type":2,"token":"tok","channel_id":"4","guild_id":"3000000000000000003","member":{"user":{"id":"5"}},"data":{"id":"6","name":"define","type":1,"options":[{"name":"term","type":3,"value":"goodhart"}]}}`)
	post := func(sign ed25519.PrivateKey) (*http.Response, []byte) {
		stamp := strconv.FormatInt(time.Now().Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/discord/interactions", bytes.NewReader(body))
		req.Header.Set("X-Signature-Timestamp", stamp)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(sign, append([]byte(stamp), body...))))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, got := post(priv)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, got)
	}
	var r struct {
		Type int `json:"type"`
		Data struct {
			Embeds []struct {
				Title string `json:"title"`
			} `json:"embeds"`
			AllowedMentions json.RawMessage `json:"allowed_mentions"`
		} `json:"data"`
	}
	if err := json.Unmarshal(got, &r); err != nil {
		t.Fatal(err)
	}
	if r.Type != 4 || len(r.Data.Embeds) != 1 || !strings.Contains(r.Data.Embeds[0].Title, "Goodhart") {
		t.Errorf("response = %s, want the Goodhart's Law card", got)
	}
	if !bytes.Contains(got, []byte(`"allowed_mentions":{"parse":[]`)) {
		t.Errorf("response lacks the empty allowed_mentions: %s", got)
	}

	_, other, _ := ed25519.GenerateKey(rand.Reader)
	if resp, _ := post(other); resp.StatusCode != 401 {
		t.Errorf("forged request: status %d, want 401", resp.StatusCode)
	}
	if _, page := get(t, "http://"+addr+"/metrics"); metric(page, `refbot_unauthenticated_requests_total{platform="discord"}`) != "1" {
		t.Errorf("/metrics: refbot_unauthenticated_requests_total{platform=\"discord\"} = %q, want 1", metric(page, `refbot_unauthenticated_requests_total{platform="discord"}`))
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve = %v", err)
	}
	if strings.Contains(logs.String(), "test-token") {
		t.Errorf("the bot token reached the log")
	}
}

func TestDiscordInvite(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantOut  string
		wantCode int
	}{
		{"from env", []string{"refbot", "discord", "invite"}, map[string]string{"DISCORD_APPLICATION_ID": "1000000000000000042"},
			"https://discord.com/oauth2/authorize?client_id=1000000000000000042&permissions=274877926400&scope=bot+applications.commands\n", 0},
		{"from flag", []string{"refbot", "discord", "invite", "--application-id", "1000000000000000007"}, nil,
			"https://discord.com/oauth2/authorize?client_id=1000000000000000007&permissions=274877926400&scope=bot+applications.commands\n", 0},
		{"missing", []string{"refbot", "discord", "invite"}, nil, "", 2},
		{"not digits", []string{"refbot", "discord", "invite", "--application-id", "abc"}, nil, "", 2},
		{"too short for an id", []string{"refbot", "discord", "invite", "--application-id", "42"}, nil, "", 2},
		{"no subcommand", []string{"refbot", "discord"}, nil, "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, func(k string) string { return tt.env[k] }, strings.NewReader(""), &out, &errOut)
			code := 0
			if ex, ok := err.(exitError); ok {
				code = ex.code
			} else if err != nil {
				code = 1
			}
			if code != tt.wantCode || out.String() != tt.wantOut {
				t.Errorf("code %d out %q (err %v), want %d %q", code, out.String(), err, tt.wantCode, tt.wantOut)
			}
		})
	}
}
