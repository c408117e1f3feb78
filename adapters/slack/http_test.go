package slack

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestVerification(t *testing.T) {
	e := newEnv(t, ModeHTTP, false)
	body := slash("/define", "mesa optimisation", e.hooks.url())
	now := time.Now()
	withSig := func(body string, secret string, at time.Time) *http.Request {
		r := signed(secret, formType, body)
		stamp, sig := sign(secret, at, body)
		r.Header.Set("X-Slack-Request-Timestamp", stamp)
		r.Header.Set("X-Slack-Signature", sig)
		return r
	}
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"valid", func() *http.Request { return signed(testSecret, formType, body) }, 200},
		{"tampered body", func() *http.Request {
			// Signed for one body, sent with another.
			r := signed(testSecret, formType, strings.Replace(body, "mesa", "masa", 1))
			stamp, sig := sign(testSecret, now, body)
			r.Header.Set("X-Slack-Request-Timestamp", stamp)
			r.Header.Set("X-Slack-Signature", sig)
			return r
		}, 401},
		{"wrong secret", func() *http.Request { return signed("not-the-secret", formType, body) }, 401},
		{"stale (6 minutes old)", func() *http.Request { return withSig(body, testSecret, now.Add(-6*time.Minute)) }, 401},
		{"future (6 minutes ahead)", func() *http.Request { return withSig(body, testSecret, now.Add(6*time.Minute)) }, 401},
		{"4 minutes old is fine", func() *http.Request { return withSig(body, testSecret, now.Add(-4*time.Minute)) }, 200},
		{"missing signature", func() *http.Request {
			r := signed(testSecret, formType, body)
			r.Header.Del("X-Slack-Signature")
			return r
		}, 401},
		{"missing timestamp", func() *http.Request {
			r := signed(testSecret, formType, body)
			r.Header.Del("X-Slack-Request-Timestamp")
			return r
		}, 401},
		{"no headers at all", func() *http.Request {
			r := signed(testSecret, formType, body)
			r.Header = http.Header{"Content-Type": {formType}}
			return r
		}, 401},
		{"signature not hex", func() *http.Request {
			r := signed(testSecret, formType, body)
			r.Header.Set("X-Slack-Signature", "v0=zz")
			return r
		}, 401},
		{"signature without v0=", func() *http.Request {
			r := signed(testSecret, formType, body)
			r.Header.Set("X-Slack-Signature", strings.TrimPrefix(r.Header.Get("X-Slack-Signature"), "v0="))
			return r
		}, 401},
		{"timestamp not a number", func() *http.Request {
			r := signed(testSecret, formType, body)
			r.Header.Set("X-Slack-Request-Timestamp", "yesterday")
			return r
		}, 401},
		{"oversized body, correctly signed", func() *http.Request {
			big := slash("/define", strings.Repeat("a", maxBody), e.hooks.url())
			return signed(testSecret, formType, big)
		}, 401},
		{"unsigned ssl_check with a payload", func() *http.Request {
			r := signed(testSecret, formType, "ssl_check=1&token=x&"+body)
			r.Header.Del("X-Slack-Signature")
			r.Header.Del("X-Slack-Request-Timestamp")
			return r
		}, 401},
		{"signed ssl_check", func() *http.Request { return signed(testSecret, formType, "ssl_check=1&token=x") }, 200},
		{"unsigned url_verification", func() *http.Request {
			r := signed(testSecret, jsonType, `{"type":"url_verification","challenge":"abc"}`)
			r.Header.Del("X-Slack-Signature")
			return r
		}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.a.rejections.Total()
			w := e.serve(tt.req())
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d (body %q)", w.Code, tt.status, w.Body)
			}
			counted := e.a.rejections.Total() - before
			if tt.status == 401 {
				if counted != 1 {
					t.Errorf("want the rejection counted once, got %d", counted)
				}
				if strings.Contains(w.Body.String(), "blocks") || strings.Contains(w.Body.String(), "Mesa") {
					t.Errorf("a rejected request got a reply: %q", w.Body)
				}
			} else if counted != 0 {
				t.Errorf("a good request was counted as rejected")
			}
		})
	}
	// The rejections above came within a minute: the first is logged,
	// the rest counted for the next line.
	if n := strings.Count(e.logs.String(), "rejected an unauthenticated request"); n != 1 {
		t.Errorf("%d lines for the rejections; want 1:\n%s", n, e.logs.String())
	}
	if n := len(e.a.outbox); n != 0 {
		t.Errorf("%d posts queued by verification tests", n)
	}
	if strings.Contains(e.logs.String(), testSecret) || strings.Contains(e.logs.String(), testBotToken) {
		t.Error("a secret reached the log")
	}
}

func TestSlashCommands(t *testing.T) {
	e := newEnv(t, ModeHTTP, false)
	tests := []struct {
		command, text string
		want          []string // in the body
		share         bool
	}{
		{"/define", "mesa optimisation", []string{`"header"`, "Mesa-Optimization"}, true},
		{"/define", "MESA-OPTIMISER", []string{"Mesa-Optimization"}, true},
		{"/define", "alignment", []string{"Did you mean", "Show card"}, false},
		{"/define", "", []string{"Usage: /define TERM"}, false},
		{"/define", "zzqxv", []string{"No glossary entry", "Try /refbot search with"}, false},
		{"/refbot", "search", []string{"Usage: /refbot search QUERY"}, false},
		{"/refbot", "", []string{"refbot explains AI-safety terms", "/refbot search QUERY"}, false},
		{"/refbot", "help", []string{"/define TERM", "/refbot related TERM"}, false},
		{"/refbot", "search alignment", []string{"Entries about", "Inner Alignment"}, false},
		{"/refbot", "related mesa optimisation", []string{"Related to Mesa-Optimization", "Deceptive Alignment"}, false},
		{"/refbot", "define inner alignment", []string{"Inner Alignment"}, true},
		{"/refbot", "frobnicate x", []string{"There is no command", "frobnicate"}, false},
		{"/define", "&lt;!channel&gt;", []string{`\u0026lt;!channel\u0026gt;`}, false},
	}
	for _, tt := range tests {
		t.Run(tt.command+" "+tt.text, func(t *testing.T) {
			w := e.serve(signed(testSecret, formType, slash(tt.command, tt.text, e.hooks.url())))
			if w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q", ct)
			}
			m := decode(t, w.Body.Bytes())
			if m["response_type"] != "ephemeral" {
				t.Errorf("response_type = %v, want ephemeral", m["response_type"])
			}
			for _, s := range tt.want {
				if !strings.Contains(w.Body.String(), s) {
					t.Errorf("reply lacks %q:\n%s", s, w.Body)
				}
			}
			if got := strings.Contains(w.Body.String(), `"action_id":"share"`); got != tt.share {
				t.Errorf("share button = %v, want %v", got, tt.share)
			}
			if p := checkMessage(m); len(p) > 0 {
				t.Error(strings.Join(p, "\n"))
			}
		})
	}
	if n := len(e.a.outbox); n != 0 {
		t.Errorf("slash commands queued %d posts; they answer in the response body", n)
	}
}

func TestButtons(t *testing.T) {
	e := newEnv(t, ModeHTTP, true)
	tests := []struct {
		name      string
		actionID  string
		value     string
		ephemeral bool
		wantType  string
		replace   bool
		wantText  string
		deletes   bool
	}{
		{"did you mean, on an ephemeral reply", "define:0", "inner-alignment", true, "ephemeral", true, "Inner Alignment", false},
		{"related term, on a public card", "define:3", "deceptive-alignment", false, "ephemeral", false, "Deceptive Alignment", false},
		{"share from an ephemeral card", "share", "inner-alignment", true, "in_channel", false, "Inner Alignment", true},
		{"entry removed since: looked up instead", "define:0", "mesa optimisation", true, "ephemeral", true, "Mesa-Optimization", false},
		{"share from a public message: nothing to delete", "share:2", "inner-alignment", false, "in_channel", false, "Inner Alignment", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hook := e.hooks.url()
			w := e.serve(signed(testSecret, formType, interactionForm(buttonPayload(tt.actionID, tt.value, hook, tt.ephemeral))))
			if w.Code != 200 || w.Body.Len() != 0 {
				t.Fatalf("ack = %d %q, want an empty 200", w.Code, w.Body)
			}
			got := recv(t, e.hooks.got, "the response_url post")
			if got.Path != strings.TrimPrefix(hook, e.hooks.srv.URL) {
				t.Errorf("posted to %s, want %s", got.Path, hook)
			}
			if got.Body["response_type"] != tt.wantType || got.Body["replace_original"] != tt.replace {
				t.Errorf("response_type %v replace_original %v, want %v %v", got.Body["response_type"], got.Body["replace_original"], tt.wantType, tt.replace)
			}
			if !strings.Contains(string(got.Raw), tt.wantText) {
				t.Errorf("post lacks %q", tt.wantText)
			}
			if strings.Contains(string(got.Raw), `"share"`) == (tt.wantType == "in_channel") {
				t.Errorf("a public card must have no Share button and an ephemeral one must: %s", got.Raw)
			}
			if p := checkMessage(got.Body); len(p) > 0 {
				t.Error(strings.Join(p, "\n"))
			}
			if tt.deletes {
				del := recv(t, e.hooks.got, "delete_original")
				if del.Body["delete_original"] != true {
					t.Errorf("second post %s, want delete_original", del.Raw)
				}
			}
		})
	}
}

// A button without a value, or without a response_url to answer on, is
// acknowledged and otherwise ignored (and logged).
func TestButtonsThatCannotBeAnswered(t *testing.T) {
	e := newEnv(t, ModeHTTP, false)
	for _, payload := range []string{buttonPayload("define:0", "", e.hooks.url(), true), buttonPayload("define:0", "inner-alignment", "", true)} {
		if w := e.serve(signed(testSecret, formType, interactionForm(payload))); w.Code != 200 || w.Body.Len() != 0 {
			t.Errorf("ack = %d %q, want an empty 200", w.Code, w.Body)
		}
	}
	if n := len(e.a.outbox); n != 0 {
		t.Errorf("%d posts queued, want none", n)
	}
	if !strings.Contains(e.logs.String(), "without a response_url") {
		t.Errorf("the missing response_url is not logged:\n%s", e.logs)
	}
}

func TestLookupMenu(t *testing.T) {
	e := newEnv(t, ModeHTTP, false)
	tests := []struct {
		query string
		want  string
	}{
		{"mesa", "Mesa-Optimization"},
		{"inner opt", "inner optimizer → Mesa-Optimization"},
		{"zzzz", ""},
		{strings.Repeat("x", 500), ""},
	}
	for _, tt := range tests {
		w := e.serve(signed(testSecret, formType, interactionForm(suggestionPayload(tt.query))))
		if w.Code != 200 {
			t.Fatalf("%q: status %d", tt.query, w.Code)
		}
		m := decode(t, w.Body.Bytes())
		opts, ok := m["options"].([]any)
		if !ok {
			t.Fatalf("%q: no options array: %s", tt.query, w.Body)
		}
		if tt.want == "" && len(opts) != 0 || tt.want != "" && !strings.Contains(w.Body.String(), tt.want) {
			t.Errorf("%.20q: options %s, want %q", tt.query, w.Body, tt.want)
		}
		if p := checkMessage(m); len(p) > 0 {
			t.Error(strings.Join(p, "\n"))
		}
	}

	// Choosing from the menu opens the card, replacing the ephemeral reply.
	e2 := newEnv(t, ModeHTTP, true)
	b, _ := json.Marshal(map[string]any{
		"type": "block_actions", "response_url": e2.hooks.url(),
		"user":      map[string]any{"id": "U1"},
		"container": map[string]any{"type": "message", "is_ephemeral": true},
		"actions": []any{map[string]any{"type": "external_select", "action_id": actionLookup, "block_id": "b9",
			"selected_option": map[string]any{"value": "outer-alignment", "text": map[string]any{"type": "plain_text", "text": "Outer Alignment"}}}},
	})
	e2.serve(signed(testSecret, formType, interactionForm(string(b))))
	got := recv(t, e2.hooks.got, "the chosen card")
	if !strings.Contains(string(got.Raw), "Outer Alignment") || got.Body["replace_original"] != true {
		t.Errorf("menu choice posted %s", got.Raw)
	}
}

func TestMentions(t *testing.T) {
	e := newEnv(t, ModeHTTP, true)
	tests := []struct {
		name       string
		text       string
		ts, thread string
		wantThread string
		want       string
		ephemeral  bool
	}{
		{"in a channel: reply starts a thread", "<@UREFBOT> define mesa optimisation", "1700000000.000100", "", "1700000000.000100", "Mesa-Optimization", false},
		{"in a thread: reply in that thread", "<@UREFBOT|refbot> define inner alignment", "1700000000.000300", "1700000000.000001", "1700000000.000001", "Inner Alignment", false},
		{"no command: short help", "<@UREFBOT>", "1700000000.000400", "", "1700000000.000400", "Mention me with a command", true},
		{"not a command: short help", "<@UREFBOT> what is this?", "1700000000.000500", "", "1700000000.000500", "Mention me with a command", true},
		{"umbrella form", "<@UREFBOT> refbot search alignment", "1700000000.000600", "", "1700000000.000600", "Entries about", false},
		{"echo is inert", "<@UREFBOT> define &lt;!here&gt; <@U999>", "1700000000.000700", "", "1700000000.000700", "&lt;!here&gt;", true},
		// Issue 12: the mention anywhere, natural questions, other mentions ignored.
		{"mention after a greeting", "hey <@UREFBOT> define mesa optimisation", "1700000000.000800", "", "1700000000.000800", "Mesa-Optimization", false},
		{"a question", "<@UREFBOT> what is mesa optimisation?", "1700000000.000900", "", "1700000000.000900", "Mesa-Optimization", false},
		{"another mention ignored", "<@UREFBOT> <@U999> define inner alignment", "1700000000.001000", "", "1700000000.001000", "Inner Alignment", false},
		{"mention at the end", "what's deceptive alignment, <@UREFBOT|refbot>?", "1700000000.001100", "", "1700000000.001100", "Deceptive Alignment", false},
		{"can you", "<@UREFBOT> can you define outer alignment please", "1700000000.001200", "", "1700000000.001200", "Outer Alignment", false},
		{"what does it mean", "<@UREFBOT> what does mesa optimizer mean?", "1700000000.001300", "", "1700000000.001300", "Mesa-Optimization", false},
		{"a group mention ignored", "<!subteam^S1|@readers> <@UREFBOT> tell me about inner alignment", "1700000000.001400", "", "1700000000.001400", "Inner Alignment", false},
		{"chatter is not a lookup", "thanks <@UREFBOT>!", "1700000000.001500", "", "1700000000.001500", "Mention me with a command", true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := eventBody("Ev"+strconv.Itoa(i), mentionEvent(tt.text, tt.ts, tt.thread))
			w := e.serve(signed(testSecret, jsonType, body))
			if w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
			got := recv(t, e.api.posts, "the thread reply")
			wantMethod, wantUser := "chat.postMessage", ""
			if tt.ephemeral {
				wantMethod, wantUser = "chat.postEphemeral", "U1"
			}
			if got.Get("_method") != wantMethod || got.Get("user") != wantUser {
				t.Errorf("posted with %s to user %q, want %s to %q", got.Get("_method"), got.Get("user"), wantMethod, wantUser)
			}
			if got.Get("channel") != "C1" || got.Get("thread_ts") != tt.wantThread {
				t.Errorf("posted to %s thread %q, want C1 thread %q", got.Get("channel"), got.Get("thread_ts"), tt.wantThread)
			}
			if !strings.Contains(got.Get("blocks")+got.Get("text"), tt.want) {
				t.Errorf("reply lacks %q: %s", tt.want, got.Get("blocks"))
			}
			if got.Has("link_names") || got.Has("parse") {
				t.Errorf("link_names or parse set: %v", got)
			}
			var blocks []any
			_ = json.Unmarshal([]byte(got.Get("blocks")), &blocks)
			if p := checkMessage(map[string]any{"text": got.Get("text"), "blocks": blocks}); len(p) > 0 {
				t.Error(strings.Join(p, "\n"))
			}
		})
	}
}

// TestEventsIgnoredAndDeduplicated checks what must never post: retries of
// a handled event, bots, refbot itself, edits, deletions, unknown types.
func TestEventsIgnoredAndDeduplicated(t *testing.T) {
	e := newEnv(t, ModeHTTP, false)
	mention := mentionEvent("<@UREFBOT> define mesa", "1700000000.000100", "")
	fromBot := mentionEvent("<@UREFBOT> define mesa", "1700000000.000101", "")
	fromBot["bot_id"] = "B999"
	fromSelf := mentionEvent("<@UREFBOT> define mesa", "1700000000.000102", "")
	fromSelf["user"] = testBotUser
	edited := mentionEvent("<@UREFBOT> define mesa", "1700000000.000103", "")
	edited["edited"] = map[string]any{"user": "U1", "ts": "1700000001.000000"}
	message := func(sub string, extra map[string]any) map[string]any {
		m := map[string]any{"type": "message", "channel": "C1", "user": "U1", "text": "mesa optimization", "ts": "1700000000.000200"}
		if sub != "" {
			m["subtype"] = sub
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name   string
		id     string
		inner  map[string]any
		retry  bool
		queued int
	}{
		{"first delivery", "Ev1", mention, false, 1},
		{"retry of the same event", "Ev1", mention, true, 0},
		{"second retry", "Ev1", mention, true, 0},
		{"mention from a bot", "Ev2", fromBot, false, 0},
		{"mention from refbot itself", "Ev3", fromSelf, false, 0},
		{"edited mention", "Ev4", edited, false, 0},
		{"bot message", "Ev5", message("bot_message", map[string]any{"bot_id": "B1"}), false, 0},
		{"edit", "Ev6", message("message_changed", nil), false, 0},
		{"deletion", "Ev7", message("message_deleted", nil), false, 0},
		{"own message", "Ev8", message("", map[string]any{"user": testBotUser, "bot_id": "BREFBOT"}), false, 0},
		{"plain message (core auto-links nothing yet)", "Ev9", message("", nil), false, 0},
		{"unknown event type", "Ev10", map[string]any{"type": "brand_new_event", "x": 1}, false, 0},
		{"reaction", "Ev11", map[string]any{"type": "reaction_added", "user": "U1", "reaction": "eyes", "item": map[string]any{"type": "message", "channel": "C1", "ts": "1.2"}}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := signed(testSecret, jsonType, eventBody(tt.id, tt.inner))
			if tt.retry {
				r.Header.Set("X-Slack-Retry-Num", "1")
				r.Header.Set("X-Slack-Retry-Reason", "http_timeout")
			}
			w := e.serve(r)
			if w.Code != 200 {
				t.Fatalf("status = %d, want 200", w.Code)
			}
			if n := len(e.a.outbox); n != tt.queued {
				t.Errorf("queued %d posts, want %d", n, tt.queued)
			}
			for len(e.a.outbox) > 0 {
				<-e.a.outbox
			}
		})
	}
}

func TestURLVerificationAndOddRequests(t *testing.T) {
	e := newEnv(t, ModeHTTP, false)
	w := e.serve(signed(testSecret, jsonType, `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`))
	if w.Code != 200 || decode(t, w.Body.Bytes())["challenge"] != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("url_verification: %d %s", w.Code, w.Body)
	}
	tests := []struct {
		name, ctype, body string
		status            int
	}{
		{"app_rate_limited", jsonType, `{"type":"app_rate_limited","team_id":"T1","minute_rate_limited":1518467820,"api_app_id":"A1"}`, 200},
		{"signed garbage JSON", jsonType, `{"type":`, 200},
		{"signed unknown form", formType, "hello=world", 400},
		{"signed bad form", formType, "%zz", 400},
		{"interaction with bad JSON", formType, "payload=%7Bnot", 400},
		{"view submission (not used)", formType, interactionForm(`{"type":"view_submission"}`), 200},
		{"unknown block action", formType, interactionForm(buttonPayload("weird", "x", e.hooks.url(), true)), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w := e.serve(signed(testSecret, tt.ctype, tt.body)); w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
		})
	}
	// The unknown action is an old button of refbot's: the core answers
	// that it no longer does anything, through the response_url.
	if n := len(e.a.outbox); n != 1 {
		t.Errorf("%d posts queued, want the unknown button's answer", n)
	}
}

// TestBusyEventIsRetried: when the reply queue is full an event gets 503
// and is not remembered, so Slack's retry is processed.
func TestBusyEventIsRetried(t *testing.T) {
	e := newEnv(t, ModeHTTP, false)
	for range queueSize {
		e.a.outbox <- job{what: "filler"}
	}
	body := eventBody("EvBusy", mentionEvent("<@UREFBOT> define mesa", "1700000000.000100", ""))
	if w := e.serve(signed(testSecret, jsonType, body)); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503", w.Code)
	}
	<-e.a.outbox
	if w := e.serve(signed(testSecret, jsonType, body)); w.Code != 200 {
		t.Fatalf("retry: status = %d, want 200", w.Code)
	}
}

// TestRateLimitedPostIsRetried: a 429 from chat.postMessage waits for
// Retry-After and posts again; the reply is not lost or doubled.
func TestRateLimitedPostIsRetried(t *testing.T) {
	e := newEnv(t, ModeHTTP, true)
	e.api.limitNext.Store(true)
	body := eventBody("EvLimited", mentionEvent("<@UREFBOT> define mesa optimisation", "1700000000.000100", ""))
	if w := e.serve(signed(testSecret, jsonType, body)); w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	got := recv(t, e.api.posts, "the retried post")
	if !strings.Contains(got.Get("blocks"), "Mesa-Optimization") {
		t.Errorf("retried post: %v", got)
	}
	if n := e.api.limited.Load(); n != 1 {
		t.Errorf("rate-limited %d times, want 1", n)
	}
	if !strings.Contains(e.logs.String(), "rate limited") {
		t.Error("the 429 was not logged")
	}
	select {
	case extra := <-e.api.posts:
		t.Errorf("posted twice: %v", extra)
	default:
	}
}

func TestRejectedBotToken(t *testing.T) {
	api := newFakeAPI(t)
	a := New(nil, Config{APIURL: api.srv.URL, BotToken: "xoxb-wrong", SigningSecret: "s"}, nil)
	err := a.Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("Run = %v, want an error naming SLACK_BOT_TOKEN and invalid_auth", err)
	}
}

func postTo(path string) *http.Request {
	return &http.Request{Method: http.MethodPost, URL: &url.URL{Path: path}, Host: "x"}
}

// A flood of forged requests is answered 401 each, counted each, and
// logged once: anyone can send them, and a line each would fill the log.
func TestForgedFloodLogsOnce(t *testing.T) {
	e := newEnv(t, ModeHTTP, false)
	body := slash("/define", "mesa optimisation", e.hooks.url())
	for range 500 {
		if w := e.serve(signed("not-the-secret", formType, body)); w.Code != http.StatusUnauthorized {
			t.Fatalf("status = %d, want 401", w.Code)
		}
	}
	if got := e.a.rejections.Total(); got != 500 {
		t.Errorf("counted %d rejections, want 500", got)
	}
	if n := strings.Count(e.logs.String(), "unauthenticated"); n != 1 {
		t.Errorf("%d log lines for 500 forged requests, want 1:\n%s", n, e.logs.String())
	}
}
