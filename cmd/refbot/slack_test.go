package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestServeSlackHTTP starts refbot serve with Slack in HTTP mode against a
// fake Web API and sends a signed /define to the served URL.
func TestServeSlackHTTP(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/auth.test" {
			fmt.Fprint(w, `{"ok":true,"team":"Study","user_id":"UREFBOT","bot_id":"B1"}`)
			return
		}
		http.NotFound(w, r)
	}))
	defer api.Close()

	const secret = "test-signing-secret"
	// api_url as a scheme and host: refbot adds /api/.
	path := writeConfig(t, "http:\n  addr: \"127.0.0.1:0\"\nslack:\n  enabled: true\n  api_url: "+api.URL+"\nstate:\n  dir: "+t.TempDir()+"\n")
	cfg, err := load(path, env(map[string]string{"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": secret}))
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	logs := &syncWriter{w: &bytes.Buffer{}}
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)), ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	post := func(body string, sign bool) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/slack/events", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sign {
			signSlack(req, secret, []byte(body))
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	body := url.Values{"command": {"/define"}, "text": {"mesa optimisation"}, "user_id": {"U1"}, "channel_id": {"C1"}, "response_url": {"https://hooks.invalid/x"}}.Encode()

	res := post(body, true)
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("signed /define: status %d: %s", res.StatusCode, raw)
	}
	var reply struct {
		ResponseType string            `json:"response_type"`
		Blocks       []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &reply); err != nil {
		t.Fatal(err)
	}
	if reply.ResponseType != "ephemeral" || len(reply.Blocks) == 0 || !strings.Contains(string(reply.Blocks[0]), "Mesa-Optimization") {
		t.Errorf("reply = %s", raw)
	}

	// Unsigned requests: 401 each, counted each, one log line for them all.
	for range 50 {
		res = post(body, false)
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("unsigned /define: status %d, want 401", res.StatusCode)
		}
	}
	if n := strings.Count(logs.String(), "rejected an unauthenticated request"); n != 1 {
		t.Errorf("%d log lines for 50 rejected requests, want 1:\n%s", n, logs)
	}
	if _, page := get(t, "http://"+addr+"/metrics"); metric(page, `refbot_unauthenticated_requests_total{platform="slack"}`) != "50" {
		t.Errorf("/metrics: refbot_unauthenticated_requests_total{platform=\"slack\"} = %q, want 50", metric(page, `refbot_unauthenticated_requests_total{platform="slack"}`))
	}
	if strings.Contains(logs.String(), secret) || strings.Contains(logs.String(), "xoxb-test") {
		t.Error("a secret reached the log")
	}
}

// syncWriter lets the test read logs the server writes concurrently.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprint(s.w)
}

func TestSlackManifestCommand(t *testing.T) {
	tests := []struct {
		args    []string
		code    int // 0 for success
		want    string
		wantErr string
	}{
		{[]string{"manifest", "--url", "https://refbot.example.org"}, 0, `"url": "https://refbot.example.org/slack/events"`, ""},
		{[]string{"manifest", "--socket"}, 0, `"socket_mode_enabled": true`, ""},
		{[]string{"manifest"}, 2, "", "--url is required"},
		{[]string{"manifest", "--url", "http://insecure.example"}, 2, "", "https://"},
		{[]string{"manifest", "extra"}, 2, "", "unexpected argument"},
		{[]string{}, 2, "", ""},
		{[]string{"invite"}, 2, "", "unknown slack command"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"refbot", "slack"}, tt.args...), func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
			code := 0
			if err != nil {
				ex, ok := err.(exitError)
				if !ok {
					t.Fatalf("err = %v", err)
				}
				code = ex.code
				if !strings.Contains(ex.msg, tt.wantErr) {
					t.Errorf("message %q, want %q", ex.msg, tt.wantErr)
				}
			}
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %s)", code, tt.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.want) {
				t.Errorf("stdout lacks %q:\n%s", tt.want, stdout.String())
			}
			if code == 0 && !json.Valid(stdout.Bytes()) {
				t.Error("manifest is not valid JSON")
			}
		})
	}
}

// signSlack signs req as Slack does: HMAC-SHA256 over "v0:timestamp:body".
func signSlack(req *http.Request, secret string, body []byte) {
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	req.Header.Set("X-Slack-Request-Timestamp", stamp)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}
