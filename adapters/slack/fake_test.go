package slack

import (
	"cmp"
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
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/glossary"
)

// Local fakes of Slack for the tests: a Web API (auth.test,
// chat.postMessage, reactions, users.info, conversation history,
// oauth.v2.access, apps.connections.open and the Socket Mode websocket)
// that accepts only the bot tokens it issued and records which token each
// call carried, and a response_url host. Nothing here touches the network beyond
// loopback.

const (
	testSecret   = "8f742231b10e8888abcd99yyyzzz85a5"
	testBotToken = "xoxb-test-token"
	testAppToken = "xapp-test-token"
	testBotUser  = "UREFBOT"
)

// wait guards against a hang; it is not a timing assertion.
const wait = 10 * time.Second

func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// fakeAPI is Slack's Web API and Socket Mode endpoint.
type fakeAPI struct {
	srv   *httptest.Server
	posts chan url.Values // chat.postMessage and chat.postEphemeral calls, as posted
	// limitNext makes the next chat.postMessage answer 429 with Retry-After: 1.
	limitNext atomic.Bool
	limited   atomic.Int32

	// history is what conversations.history returns: the posts that
	// carried metadata (refbot's reading prompts). noHistory answers it
	// with missing_scope instead.
	mu        sync.Mutex
	history   []map[string]any
	noHistory atomic.Bool
	// thread is what conversations.replies answers: messages as JSON.
	thread atomic.Value // []map[string]any

	// views are the views.open and views.update calls, as JSON.
	views chan map[string]any

	// Socket Mode: envelopes to send after hello, and the acks read back.
	envelopes chan string
	acks      chan map[string]any
	conns     atomic.Int32

	// Socket Mode faults: how each socket (from 1) behaves, an error for
	// apps.connections.open to answer with, and what happened, in order.
	socketPlan func(n int) socketPlan
	openError  atomic.Value // string, e.g. "missing_scope"
	opens      atomic.Int32 // apps.connections.open calls
	ackCount   atomic.Int32
	up         chan int // the socket numbers that said hello
	timeline   []string // "hello 2", "client closed 1", under mu

	// OAuth: the workspaces and the tokens the fake accepts, install codes
	// waiting for oauth.v2.access, and every Web API call with its token.
	auth fakeAuth
}

// socketPlan is how one Socket Mode socket misbehaves.
type socketPlan struct {
	noHello bool // upgrade, then say nothing and answer no ping
	// badHello sends an envelope where hello should come first.
	badHello bool
	silent   bool // hello, then say nothing and answer no ping
	drop     bool // close the connection right after hello
	warning  bool // a "warning" disconnect right after hello
	// refresh: right after hello a refresh_requested disconnect, then
	// these envelopes on this socket.
	refresh []string
	// helloAfterAcks holds hello until this many acks have come in, on
	// any socket.
	helloAfterAcks int32
	// dropAfterEnvelope drops the connection right after the first
	// envelope, before its ack can arrive.
	dropAfterEnvelope bool
}

// record notes what happened on the fake, in order.
func (f *fakeAPI) record(what string) {
	f.mu.Lock()
	f.timeline = append(f.timeline, what)
	f.mu.Unlock()
}

// happened returns what happened on the fake, in order.
func (f *fakeAPI) happened() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.timeline...)
}

// fakeTeam is a workspace of the fake, as Slack would describe it.
type fakeTeam struct {
	ID, Name, BotUser, BotID string
}

// testTeam is the workspace testBotToken belongs to.
var testTeam = fakeTeam{ID: "T1", Name: "Study Group", BotUser: testBotUser, BotID: "BREFBOT"}

// fakeCall is one Web API call: the method and the token it carried.
type fakeCall struct{ Method, Token string }

// fakeGrant is what oauth.v2.access hands out for an install code.
type fakeGrant struct {
	team      fakeTeam
	installer string
	expiresIn int // token rotation: seconds; 0: a token that never expires
	scopes    string
	response  func(map[string]any) // edits the response (hostile tests)
}

const (
	fakeClientID     = "1234567890.9876543210"
	fakeClientSecret = "0123456789abcdef0123456789abcdef"
	fakeAppID        = "AREFBOT"
)

type fakeAuth struct {
	mu       sync.Mutex
	tokens   map[string]fakeTeam // bot tokens in force
	refresh  map[string]fakeGrant
	codes    map[string]fakeGrant
	calls    []fakeCall
	exchange int // oauth.v2.access calls that traded a code
	issued   []string
	n        int
	redirect string // the redirect_uri oauth.v2.access expects; "": any
}

// team reports the workspace token belongs to, recording the call.
func (f *fakeAPI) team(method, token string) (fakeTeam, bool) {
	f.auth.mu.Lock()
	defer f.auth.mu.Unlock()
	f.auth.calls = append(f.auth.calls, fakeCall{method, token})
	t, ok := f.auth.tokens[token]
	return t, ok
}

// grant registers an install code for g and returns it.
func (f *fakeAPI) grant(g fakeGrant) string {
	f.auth.mu.Lock()
	defer f.auth.mu.Unlock()
	f.auth.n++
	code := fmt.Sprintf("%d.%d.code%d", 1000+f.auth.n, 2000+f.auth.n, f.auth.n)
	f.auth.codes[code] = g
	return code
}

// tokenOf is the bot token in force for team, or "".
func (f *fakeAPI) tokenOf(team string) string {
	f.auth.mu.Lock()
	defer f.auth.mu.Unlock()
	for tok, t := range f.auth.tokens {
		if t.ID == team {
			return tok
		}
	}
	return ""
}

// callsWith lists the Web API calls made with token.
func (f *fakeAPI) callsWith(token string) []string {
	f.auth.mu.Lock()
	defer f.auth.mu.Unlock()
	var out []string
	for _, c := range f.auth.calls {
		if c.Token == token {
			out = append(out, c.Method)
		}
	}
	return out
}

// issuedSecrets are every token and refresh token the fake handed out.
func (f *fakeAPI) issuedSecrets() []string {
	f.auth.mu.Lock()
	defer f.auth.mu.Unlock()
	return slices.Clone(f.auth.issued)
}

func (f *fakeAPI) exchanges() int {
	f.auth.mu.Lock()
	defer f.auth.mu.Unlock()
	return f.auth.exchange
}

// oauthAccess is oauth.v2.access: a code (once) or a refresh token for a
// bot token, to the fake's own client only.
func (f *fakeAPI) oauthAccess(w http.ResponseWriter, form url.Values) {
	f.auth.mu.Lock()
	defer f.auth.mu.Unlock()
	if form.Get("client_id") != fakeClientID || form.Get("client_secret") != fakeClientSecret {
		fmt.Fprint(w, `{"ok":false,"error":"invalid_client"}`)
		return
	}
	var g fakeGrant
	if form.Get("grant_type") == "refresh_token" {
		var ok bool
		if g, ok = f.auth.refresh[form.Get("refresh_token")]; !ok {
			fmt.Fprint(w, `{"ok":false,"error":"invalid_refresh_token"}`)
			return
		}
		delete(f.auth.refresh, form.Get("refresh_token"))
	} else {
		var ok bool
		if g, ok = f.auth.codes[form.Get("code")]; !ok {
			fmt.Fprint(w, `{"ok":false,"error":"invalid_code"}`)
			return
		}
		delete(f.auth.codes, form.Get("code"))
		if f.auth.redirect != "" && form.Get("redirect_uri") != f.auth.redirect {
			fmt.Fprint(w, `{"ok":false,"error":"bad_redirect_uri"}`)
			return
		}
		f.auth.exchange++
	}
	for tok, t := range f.auth.tokens { // a new token replaces the old one
		if t.ID == g.team.ID {
			delete(f.auth.tokens, tok)
		}
	}
	f.auth.n++
	token := fmt.Sprintf("xoxb-%s-%d-s3cr3t%04x", g.team.ID, f.auth.n, f.auth.n*7919)
	res := map[string]any{
		"ok": true, "access_token": token, "token_type": "bot", "scope": cmp.Or(g.scopes, strings.Join(scopesFor(true), ",")),
		"bot_user_id": g.team.BotUser, "app_id": fakeAppID,
		"team":       map[string]any{"id": g.team.ID, "name": g.team.Name},
		"enterprise": nil, "is_enterprise_install": false,
		"authed_user": map[string]any{"id": cmp.Or(g.installer, "UINSTALLER")},
	}
	if g.expiresIn > 0 {
		token = "xoxe." + token
		refresh := fmt.Sprintf("xoxe-1-%s-%d-r3fr3sh%04x", g.team.ID, f.auth.n, f.auth.n*104729)
		res["access_token"], res["refresh_token"], res["expires_in"] = token, refresh, g.expiresIn
		f.auth.refresh[refresh] = g
		f.auth.issued = append(f.auth.issued, refresh)
	}
	if g.response != nil {
		g.response(res)
	}
	f.auth.tokens[token] = g.team
	f.auth.issued = append(f.auth.issued, token)
	json.NewEncoder(w).Encode(res)
}

func newFakeAPI(t testing.TB) *fakeAPI {
	f := &fakeAPI{
		posts:     make(chan url.Values, 64),
		views:     make(chan map[string]any, 64),
		envelopes: make(chan string, 256),
		acks:      make(chan map[string]any, 256),
		up:        make(chan int, 64),
		auth: fakeAuth{
			tokens:  map[string]fakeTeam{testBotToken: testTeam},
			refresh: map[string]fakeGrant{},
			codes:   map[string]fakeGrant{},
		},
	}
	mux := http.NewServeMux()
	// Every Web API method: the token (header or form) must be one the
	// fake issued; posts record the method in "_method" and the token in
	// "_token".
	mux.HandleFunc("POST /{method}", func(w http.ResponseWriter, r *http.Request) {
		method := r.PathValue("method")
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if method == "oauth.v2.access" {
			f.oauthAccess(w, r.PostForm)
			return
		}
		token := cmp.Or(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), r.PostForm.Get("token"))
		team, ok := f.team(method, token)
		if !ok {
			fmt.Fprint(w, `{"ok":false,"error":"invalid_auth"}`)
			return
		}
		switch method {
		case "auth.test":
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "team": team.Name, "team_id": team.ID, "user": "refbot", "user_id": team.BotUser, "bot_id": team.BotID})
			return
		case "conversations.history":
			f.conversationsHistory(w)
			return
		case "chat.postMessage", "chat.postEphemeral", "reactions.add":
		case "users.info":
			f.usersInfo(w, r.PostForm.Get("user"))
			return
		case "conversations.replies":
			f.replies(w, r.PostForm)
			return
		default:
			http.NotFound(w, r)
			return
		}
		if f.limitNext.CompareAndSwap(true, false) {
			f.limited.Add(1)
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"ok":false,"error":"ratelimited"}`)
			return
		}
		r.PostForm.Set("_method", method)
		r.PostForm.Set("_token", token)
		f.posts <- r.PostForm
		if md := r.PostForm.Get("metadata"); md != "" {
			var meta map[string]any
			if err := json.Unmarshal([]byte(md), &meta); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			f.mu.Lock()
			f.history = append([]map[string]any{{"type": "message", "ts": "1700000000.000200", "bot_id": team.BotID, "metadata": meta}}, f.history...)
			f.mu.Unlock()
		}
		fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000000.000200"}`, r.PostForm.Get("channel"))
	})
	// views.open and views.update take JSON and the token in the
	// Authorization header, which must be one the fake issued; the call
	// records the method in "_method" and the token in "_token".
	for _, method := range []string{"views.open", "views.update"} {
		mux.HandleFunc("POST /"+method, func(w http.ResponseWriter, r *http.Request) {
			var body map[string]any
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			if _, ok := f.team(method, token); !ok {
				fmt.Fprint(w, `{"ok":false,"error":"invalid_auth"}`)
				return
			}
			body["_method"], body["_token"] = method, token
			f.views <- body
			fmt.Fprint(w, `{"ok":true,"view":{"id":"V1","hash":"h2"}}`)
		})
	}
	mux.HandleFunc("POST /apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
		f.opens.Add(1)
		if e, _ := f.openError.Load().(string); e != "" {
			fmt.Fprintf(w, `{"ok":false,"error":%q,"needed":"connections:write","provided":"authorizations:read"}`, e)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+testAppToken {
			fmt.Fprint(w, `{"ok":false,"error":"invalid_auth"}`)
			return
		}
		fmt.Fprintf(w, `{"ok":true,"url":"ws://%s/link"}`, r.Host)
	})
	mux.HandleFunc("GET /link", f.socket)
	// The Web API lives under /api/ as Slack's does (a compiled
	// slack.api_url of "http://host/" becomes http://host/api/); tests
	// that build a Config by hand reach the same methods at the root.
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, "/api/"); ok {
			r.URL.Path = "/" + rest
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// conversationsHistory answers conversations.history, newest first.
func (f *fakeAPI) conversationsHistory(w http.ResponseWriter) {
	if f.noHistory.Load() {
		fmt.Fprint(w, `{"ok":false,"error":"missing_scope","needed":"channels:history"}`)
		return
	}
	f.mu.Lock()
	msgs := append([]map[string]any{{"type": "message", "ts": "1699999999.000100", "user": "U1", "text": "hello"}}, f.history...)
	f.mu.Unlock()
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "messages": msgs, "has_more": false})
}

// socket is a Socket Mode server: pings more often than the client's
// default ping timeout, hello, then the queued envelopes; acks are read
// back into f.acks — unless the socket's plan says otherwise.
func (f *fakeAPI) socket(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }} // the client sends Origin: https://api.slack.com
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	n := int(f.conns.Add(1))
	var plan socketPlan
	if f.socketPlan != nil {
		plan = f.socketPlan(n)
	}
	quiet := plan.noHello || plan.silent
	if quiet {
		conn.SetPingHandler(func(string) error { return nil }) // a dead socket answers nothing
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	var wg sync.WaitGroup
	defer func() {
		conn.Close() // ends the reader
		wg.Wait()
	}()
	wg.Go(func() { // the reader: acks
		defer cancel()
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
					f.record(fmt.Sprintf("client closed %d", n))
				}
				return
			}
			var ack map[string]any
			if json.Unmarshal(data, &ack) == nil {
				f.ackCount.Add(1)
				f.acks <- ack
			}
		}
	})
	var mu sync.Mutex // one writer at a time
	write := func(s string) error {
		mu.Lock()
		defer mu.Unlock()
		return conn.WriteMessage(websocket.TextMessage, []byte(s))
	}
	if plan.noHello {
		<-ctx.Done()
		return
	}
	for f.ackCount.Load() < plan.helloAfterAcks {
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
	if !quiet && conn.WriteControl(websocket.PingMessage, []byte("p"), time.Now().Add(time.Second)) != nil {
		return
	}
	if plan.badHello {
		write(envelope("events_api", "before-hello", `{}`))
		<-ctx.Done()
		return
	}
	// Recorded before it is sent: the client may act on it (close the
	// old socket) before a record made after the write.
	f.record(fmt.Sprintf("hello %d", n))
	if write(`{"type":"hello","num_connections":1}`) != nil {
		return
	}
	select {
	case f.up <- n:
	default:
	}
	switch {
	case plan.silent:
		<-ctx.Done()
		return
	case plan.drop:
		return
	case plan.warning:
		write(`{"type":"disconnect","reason":"warning","debug_info":{"host":"fake"}}`)
	case plan.refresh != nil:
		write(`{"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"fake"}}`)
		for _, env := range plan.refresh {
			if write(env) != nil {
				return
			}
		}
	}
	ping := time.NewTicker(time.Second)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ping.C:
			if conn.WriteControl(websocket.PingMessage, []byte("p"), time.Now().Add(time.Second)) != nil {
				return
			}
		case env := <-f.envelopes:
			if write(env) != nil {
				return
			}
			if plan.dropAfterEnvelope {
				return
			}
		}
	}
}

// hookPost is one call to a response_url.
type hookPost struct {
	Path string
	Body map[string]any
	Raw  []byte
}

// fakeHooks is the response_url host (hooks.slack.com).
type fakeHooks struct {
	srv  *httptest.Server
	got  chan hookPost
	next atomic.Int32
}

func newFakeHooks(t testing.TB) *fakeHooks {
	h := &fakeHooks{got: make(chan hookPost, 64)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			http.Error(w, "not JSON", http.StatusBadRequest)
			return
		}
		h.got <- hookPost{Path: r.URL.Path, Body: body, Raw: raw}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true}`)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// url returns a fresh response_url.
func (h *fakeHooks) url() string {
	return fmt.Sprintf("%s/actions/T1/%d/secret", h.srv.URL, h.next.Add(1))
}

// testGlossary is the small fixture glossary in testdata/glossary.
func testGlossary(t testing.TB) *glossary.Glossary {
	t.Helper()
	g, err := glossary.Load(glossary.Layer{Name: "testdata", FS: os.DirFS("testdata/glossary")})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// env is an adapter wired to the fakes.
type env struct {
	a     *Adapter
	api   *fakeAPI
	hooks *fakeHooks
	logs  *bottest.Buffer
}

// newEnv builds an adapter in mode against the fakes. With run, Run is
// started (workers post queued replies; Socket Mode connects) and stopped
// when the test ends; without it, queued posts stay in a.outbox for the
// test to inspect.
func newEnv(t testing.TB, mode string, run bool) *env {
	t.Helper()
	return newEnvWith(t, mode, run, bot.Config{})
}

// newEnvWith is newEnv with the core configured by cfg.
func newEnvWith(t testing.TB, mode string, run bool, botCfg bot.Config) *env {
	t.Helper()
	return newEnvConfig(t, mode, run, botCfg, nil, nil)
}

// newEnvConfig is newEnvWith with the adapter's configuration changed by
// mod and, before Run starts, the fakes by prepare.
func newEnvConfig(t testing.TB, mode string, run bool, botCfg bot.Config, mod func(*Config), prepare func(*env)) *env {
	t.Helper()
	e := &env{api: newFakeAPI(t), hooks: newFakeHooks(t), logs: &bottest.Buffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := Config{Mode: mode, APIURL: e.api.srv.URL + "/", BotToken: testBotToken, SigningSecret: testSecret}
	if mode == ModeSocket {
		cfg.AppToken = testAppToken
	}
	if mod != nil {
		mod(&cfg)
	}
	if prepare != nil {
		prepare(e)
	}
	a := New(bot.New(testGlossary(t), botCfg), cfg, log)
	e.a = a
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.whoami(ctx); err != nil {
		t.Fatal(err)
	}
	if run {
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := recv(t, done, "Run to return"); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	} else {
		t.Cleanup(cancel)
	}
	return e
}

// sign signs body as Slack does, at time ts.
func sign(secret string, ts time.Time, body string) (stamp, signature string) {
	stamp = strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	return stamp, "v0=" + hex.EncodeToString(mac.Sum(nil))
}

const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

// signed returns a POST /slack/events request signed with secret now.
func signed(secret, contentType, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, Path, strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	stamp, sig := sign(secret, time.Now(), body)
	r.Header.Set("X-Slack-Request-Timestamp", stamp)
	r.Header.Set("X-Slack-Signature", sig)
	return r
}

// slash is the form body of a slash command.
func slash(command, text, responseURL string) string {
	return slashFrom("T1", "C1", "U1", command, text, responseURL)
}

// slashFrom is the form body of a slash command from a user in a
// workspace's channel.
func slashFrom(team, channel, user, command, text, responseURL string) string {
	return url.Values{
		"token":        {"legacy-verification-token"},
		"team_id":      {team},
		"team_domain":  {"study"},
		"channel_id":   {channel},
		"channel_name": {"reading-group"},
		"user_id":      {user},
		"user_name":    {"ada"},
		"command":      {command},
		"text":         {text},
		"response_url": {responseURL},
		"trigger_id":   {"13345224609.738474920.8088930838d88f008e0"},
		"api_app_id":   {"A1"},
	}.Encode()
}

// interactionForm is the form body of an interaction payload.
func interactionForm(payload string) string {
	return url.Values{"payload": {payload}}.Encode()
}

// buttonPayload is a block_actions payload for one button.
func buttonPayload(actionID, value, responseURL string, ephemeral bool) string {
	p := map[string]any{
		"type":         "block_actions",
		"team":         map[string]any{"id": "T1", "domain": "study"},
		"user":         map[string]any{"id": "U1", "name": "ada"},
		"channel":      map[string]any{"id": "C1", "name": "reading-group"},
		"api_app_id":   "A1",
		"response_url": responseURL,
		"trigger_id":   "1.2.3",
		"container":    map[string]any{"type": "message", "message_ts": "1700000000.000100", "channel_id": "C1", "is_ephemeral": ephemeral},
		"actions": []any{map[string]any{
			"type": "button", "action_id": actionID, "block_id": "b1", "value": value,
			"text": map[string]any{"type": "plain_text", "text": "x"}, "action_ts": "1700000001.000000",
		}},
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// suggestionPayload is a block_suggestion payload for the lookup menu.
func suggestionPayload(value string) string {
	b, _ := json.Marshal(map[string]any{
		"type": "block_suggestion", "action_id": actionLookup, "block_id": "b1", "value": value,
		"team": map[string]any{"id": "T1"}, "user": map[string]any{"id": "U1"},
		"container": map[string]any{"type": "message", "is_ephemeral": true},
	})
	return string(b)
}

// eventBody is an Events API callback wrapping inner.
func eventBody(eventID string, inner map[string]any) string {
	return eventFrom(testTeam, eventID, inner)
}

// eventFrom is an Events API callback from team wrapping inner.
func eventFrom(team fakeTeam, eventID string, inner map[string]any) string {
	b, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": team.ID, "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": 1700000000, "event": inner,
		"authorizations": []any{map[string]any{"team_id": team.ID, "user_id": team.BotUser, "is_bot": true}},
	})
	return string(b)
}

func mentionEvent(text, ts, threadTS string) map[string]any {
	ev := map[string]any{
		"type": "app_mention", "user": "U1", "text": text, "ts": ts,
		"channel": "C1", "event_ts": ts,
	}
	if threadTS != "" {
		ev["thread_ts"] = threadTS
	}
	return ev
}

// ws is the one workspace of a single-token adapter.
func (e *env) ws() *workspace {
	ws, err := e.a.workspace(context.Background(), "T1")
	if err != nil {
		panic(err)
	}
	return ws
}

// serve runs one request through the adapter's handler.
func (e *env) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.a.ServeHTTP(w, r)
	return w
}

// decode parses a JSON response body.
func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return m
}
