package discord

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"refbot/adapters/platform"
)

func TestInteractionsEndpoint(t *testing.T) {
	a := newAdapter(t, nil, nil)
	now := time.Now()
	tests := []struct {
		name      string
		body      []byte
		wantType  int
		wantFlags int
		check     func(t *testing.T, r response)
	}{
		{"ping", interaction(1, nil), 1, 0, nil},
		{"define finds a card", interaction(2, commandData("define", stringOpt("term", "mesa optimisation", false))), 4, 64,
			func(t *testing.T, r response) {
				if len(r.Data.Embeds) != 1 || r.Data.Embeds[0].Title != "Mesa\\-Optimization" && r.Data.Embeds[0].Title != "Mesa-Optimization" {
					t.Errorf("embeds = %+v, want the Mesa-Optimization card", r.Data.Embeds)
				}
				if r.Data.Components[0].Components[0].CustomID != "share:mesa-optimization" {
					t.Errorf("first button = %+v, want Share", r.Data.Components[0].Components[0])
				}
			}},
		{"define misspelt offers did you mean", interaction(2, commandData("define", stringOpt("term", "alignment", false))), 4, 64,
			func(t *testing.T, r response) {
				if !strings.Contains(r.Data.Content, "Did you mean") || len(r.Data.Components) == 0 {
					t.Errorf("content %q with %d rows, want Did you mean buttons", r.Data.Content, len(r.Data.Components))
				}
			}},
		{"search", interaction(2, commandData("search", stringOpt("query", "interpretability", false))), 4, 64, nil},
		{"related", interaction(2, commandData("related", stringOpt("term", "inner alignment", false))), 4, 64, nil},
		{"help", interaction(2, commandData("help")), 4, 64,
			func(t *testing.T, r response) {
				if n := len(newBot(t).Commands()); len(r.Data.Embeds) != 1 || len(r.Data.Embeds[0].Fields) != n {
					t.Errorf("help embeds = %+v, want %d commands", r.Data.Embeds, n)
				}
			}},
		{"define without a term", interaction(2, commandData("define")), 4, 64,
			func(t *testing.T, r response) {
				if !strings.Contains(r.Data.Content, "Usage") {
					t.Errorf("content = %q, want usage", r.Data.Content)
				}
			}},
		{"autocomplete", interaction(4, commandData("define", stringOpt("term", "mesa", true))), 8, 0,
			func(t *testing.T, r response) {
				if len(r.Data.Choices) == 0 || r.Data.Choices[0].Value != "mesa-optimization" && r.Data.Choices[0].Value != "mesa-objective" {
					t.Errorf("choices = %+v, want mesa entries", r.Data.Choices)
				}
			}},
		{"autocomplete empty", interaction(4, commandData("define", stringOpt("term", "", true))), 8, 0, nil},
		{"autocomplete matching nothing", interaction(4, commandData("define", stringOpt("term", "zzzzqqqq", true))), 8, 0, nil},
		// Issue 11.13: an autocomplete interaction without data is still
		// answered with a (empty) result, never a message.
		{"autocomplete without data", []byte(`{"id":"1","type":4,"token":"t"}`), 8, 0, nil},
		{"autocomplete with null data", []byte(`{"id":"1","type":4,"data":null}`), 8, 0, nil},
		{"autocomplete with broken data", []byte(`{"id":"1","type":4,"data":7}`), 8, 0, nil},
		{"define button on own ephemeral card updates it", buttonInteraction("define:inner-alignment", true), 7, 64, nil},
		{"define button on a shared card answers privately", buttonInteraction("define:inner-alignment", false), 4, 64, nil},
		{"share button posts publicly", buttonInteraction("share:inner-alignment", true), 4, 0,
			func(t *testing.T, r response) {
				if len(r.Data.Embeds) != 1 {
					t.Fatalf("share sent %d embeds", len(r.Data.Embeds))
				}
				for _, row := range r.Data.Components {
					for _, b := range row.Components {
						if strings.HasPrefix(b.CustomID, "share:") {
							t.Errorf("a shared card still has a Share button")
						}
					}
				}
			}},
		{"button for a removed entry", buttonInteraction("define:no-such-entry", true), 7, 64, nil},
		{"unknown button", buttonInteraction("explode:now", true), 4, 64, nil},
		{"button without an id", buttonInteraction("define", true), 4, 64,
			func(t *testing.T, r response) {
				if r.Data.Content != "That button no longer does anything. Try /help." {
					t.Errorf("content = %q, want the stale-button hint", r.Data.Content)
				}
			}},
		{"modal submit is unexpected", interaction(5, map[string]any{"custom_id": "x", "components": []any{}}), 4, 64,
			func(t *testing.T, r response) {
				if r.Data.Content != somethingWrong {
					t.Errorf("content = %q, want something went wrong", r.Data.Content)
				}
			}},
		{"unknown type", interaction(99, nil), 4, 64, nil},
		{"command with null data", []byte(`{"id":"1","type":2,"data":null}`), 4, 64, nil},
		{"signed garbage", []byte(`{"type":`), 4, 64, nil},
		{"unknown command", interaction(2, commandData("launch")), 4, 64, nil},
		{"number option", interaction(2, commandData("define", map[string]any{"name": "term", "type": 10, "value": 3.5})), 4, 64, nil},
		{"dm (user, no member)", []byte(`{"id":"1","type":2,"user":{"id":"5"},"channel_id":"4","data":{"name":"help","type":1}}`), 4, 64, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := serve(t, a, signed(tt.body, now))
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			r := checkPayload(t, body)
			if r.Type != tt.wantType {
				t.Fatalf("type %d, want %d: %s", r.Type, tt.wantType, body)
			}
			if r.Type != 8 && r.Data != nil && r.Data.Flags != tt.wantFlags {
				t.Errorf("flags %d, want %d", r.Data.Flags, tt.wantFlags)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestInteractionsEndpointRefuses(t *testing.T) {
	var logs bytes.Buffer
	a := newAdapter(t, nil, nil)
	a.log = slog.New(slog.NewTextHandler(&logs, nil))
	body := interaction(2, commandData("help"))
	fresh := func() { // a quiet spell: the next rejection is logged at once
		logs.Reset()
		a.rejections = platform.NewRejections(a.log, time.Minute)
	}
	now := time.Now()
	tests := []struct {
		name string
		req  func() *http.Request
		want int
	}{
		{"no signature", func() *http.Request {
			r := signed(body, now)
			r.Header.Del("X-Signature-Ed25519")
			return r
		}, 401},
		{"bad signature", func() *http.Request {
			r := signed(body, now)
			r.Header.Set("X-Signature-Ed25519", strings.Repeat("ab", 64))
			return r
		}, 401},
		{"signature not hex", func() *http.Request {
			r := signed(body, now)
			r.Header.Set("X-Signature-Ed25519", "zz")
			return r
		}, 401},
		{"tampered body", func() *http.Request {
			r := signed(body, now)
			r.Body = readCloser(bytes.Replace(body, []byte("help"), []byte("hulp"), 1))
			return r
		}, 401},
		{"timestamp changed after signing", func() *http.Request {
			r := signed(body, now)
			r.Header.Set("X-Signature-Timestamp", strconv.FormatInt(now.Unix()+1, 10))
			return r
		}, 401},
		{"stale timestamp", func() *http.Request { return signed(body, now.Add(-6*time.Minute)) }, 401},
		{"future timestamp", func() *http.Request { return signed(body, now.Add(6*time.Minute)) }, 401},
		{"no timestamp", func() *http.Request {
			r := signed(body, now)
			r.Header.Del("X-Signature-Timestamp")
			return r
		}, 401},
		{"oversized body", func() *http.Request {
			big := interaction(2, commandData("define", stringOpt("term", strings.Repeat("a", MaxBody), false)))
			return signed(big, now)
		}, 413},
		{"GET", func() *http.Request {
			r := signed(body, now)
			r.Method = http.MethodGet
			return r
		}, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fresh()
			code, resp := serve(t, a, tt.req())
			if code != tt.want {
				t.Fatalf("status %d, want %d: %s", code, tt.want, resp)
			}
			if counted := a.rejections.Total(); tt.want != 405 && (counted != 1 || !strings.Contains(logs.String(), "rejected an unauthenticated request")) {
				t.Errorf("a refused request counted %d times, log: %q; want once and a line", counted, logs.String())
			}
			if strings.Contains(logs.String(), "interaction-token-secret") || strings.Contains(logs.String(), "test-token") {
				t.Errorf("a token reached the log: %s", logs.String())
			}
		})
	}
	// Within the window either way is fine.
	for _, skew := range []time.Duration{-4 * time.Minute, 4 * time.Minute} {
		if code, _ := serve(t, a, signed(body, now.Add(skew))); code != 200 {
			t.Errorf("skew %v: status %d, want 200", skew, code)
		}
	}
}

func TestNoPublicKeyRefusesEverything(t *testing.T) {
	a := newAdapter(t, nil, func(c *Config) { c.PublicKey = nil })
	if code, _ := serve(t, a, signed(interaction(1, nil), time.Now())); code != 401 {
		t.Errorf("status %d, want 401", code)
	}
}

func TestMalformedInteractionIsLoggedNotPanicked(t *testing.T) {
	var logs bytes.Buffer
	a := newAdapter(t, nil, nil)
	a.log = slog.New(slog.NewTextHandler(&logs, nil))
	code, body := serve(t, a, signed([]byte(`{"id":"1","type":2,"token":"interaction-token-secret","data":null}`), time.Now()))
	if code != 200 || !bytes.Contains(body, []byte("Something went wrong")) {
		t.Fatalf("status %d: %s", code, body)
	}
	if !strings.Contains(logs.String(), "level=ERROR") || strings.Contains(logs.String(), "interaction-token-secret") {
		t.Errorf("log = %q, want an error without the token", logs.String())
	}
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func readCloser(b []byte) nopCloser { return nopCloser{bytes.NewReader(b)} }

var _ = json.Marshal

func TestPanicBecomesSomethingWentWrong(t *testing.T) {
	var logs bytes.Buffer
	a := newAdapter(t, nil, nil)
	a.log = slog.New(slog.NewTextHandler(&logs, nil))
	a.bot = nil // any call into the core now panics
	code, body := serve(t, a, signed(interaction(2, commandData("help")), time.Now()))
	if code != 200 || !bytes.Contains(body, []byte("Something went wrong")) || !bytes.Contains(body, []byte(`"flags":64`)) {
		t.Fatalf("status %d: %s", code, body)
	}
	if !strings.Contains(logs.String(), "panic") {
		t.Errorf("the panic was not logged: %q", logs.String())
	}
}

// A flood of forged interactions is answered 401 each, counted each, and
// logged once.
func TestForgedFloodLogsOnce(t *testing.T) {
	var logs bytes.Buffer
	a := newAdapter(t, nil, nil)
	a.log = slog.New(slog.NewTextHandler(&logs, nil))
	a.rejections = platform.NewRejections(a.log, time.Minute)
	body := interaction(2, commandData("help"))
	for range 500 {
		r := signed(body, time.Now())
		r.Header.Set("X-Signature-Ed25519", strings.Repeat("ab", 64))
		if code, _ := serve(t, a, r); code != http.StatusUnauthorized {
			t.Fatalf("status = %d, want 401", code)
		}
	}
	if got := a.rejections.Total(); got != 500 {
		t.Errorf("counted %d rejections, want 500", got)
	}
	if n := strings.Count(logs.String(), "unauthenticated"); n != 1 {
		t.Errorf("%d log lines for 500 forged interactions, want 1:\n%s", n, logs.String())
	}
}
