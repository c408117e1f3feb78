package discord

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"refbot/bot"
	"refbot/glossary"
	"refbot/glossary/data"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// testKey is a fixed signing key so golden files and fuzz seeds are stable.
var testKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

const testApp = "1000000000000000001"

func newBot(tb testing.TB) *bot.Bot {
	tb.Helper()
	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		tb.Fatal(err)
	}
	return bot.New(g, bot.Config{})
}

// newAdapter returns an adapter on the embedded glossary whose REST calls
// reach api (nil: a client that fails every call).
func newAdapter(tb testing.TB, api *fakeAPI, mod func(*Config)) *Adapter {
	tb.Helper()
	cfg := Config{Token: "test-token", ApplicationID: testApp, PublicKey: testKey.Public().(ed25519.PublicKey)}
	if api != nil {
		cfg.Client = api.client()
	} else {
		cfg.Client = &http.Client{Transport: failTransport{}}
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := New(newBot(tb), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

type failTransport struct{}

func (failTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, io.ErrUnexpectedEOF
}

// signed returns a request signed as Discord signs it, at time ts.
func signed(body []byte, ts time.Time) *http.Request {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	sig := ed25519.Sign(testKey, append([]byte(stamp), body...))
	r := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
	r.Header.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
	r.Header.Set("X-Signature-Timestamp", stamp)
	r.Header.Set("Content-Type", "application/json")
	return r
}

// interaction builds an interaction's JSON as Discord sends it.
func interaction(typ int, data any) []byte {
	m := map[string]any{
		"id": "2000000000000000002", "application_id": testApp, "type": typ,
		"token": "interaction-token-secret", "version": 1,
		"guild_id": "3000000000000000003", "channel_id": "4000000000000000004",
		"member": map[string]any{"user": map[string]any{"id": "5000000000000000005", "username": "ada"}},
	}
	if data != nil {
		m["data"] = data
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

func commandData(name string, opts ...map[string]any) map[string]any {
	if opts == nil {
		opts = []map[string]any{}
	}
	return map[string]any{"id": "6000000000000000006", "name": name, "type": 1, "options": opts}
}

func stringOpt(name, value string, focused bool) map[string]any {
	return map[string]any{"name": name, "type": 3, "value": value, "focused": focused}
}

func buttonData(customID string) map[string]any {
	return map[string]any{"custom_id": customID, "component_type": 2}
}

// buttonInteraction is a click on a button of an ephemeral message.
func buttonInteraction(customID string, ephemeral bool) []byte {
	var m map[string]any
	json.Unmarshal(interaction(3, buttonData(customID)), &m)
	flags := 0
	if ephemeral {
		flags = 64
	}
	m["message"] = map[string]any{"id": "7000000000000000007", "channel_id": "4000000000000000004", "flags": flags}
	b, _ := json.Marshal(m)
	return b
}

// serve sends body through the real HTTP handler and checks whatever it
// answers with 200 the way every outgoing payload is checked.
func serve(t testing.TB, a *Adapter, r *http.Request) (int, []byte) {
	t.Helper()
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	body := w.Body.Bytes()
	if w.Code == http.StatusOK {
		checkPayload(t, body)
	}
	return w.Code, body
}

// response is the part of an interaction response the checks read.
type response struct {
	Type int          `json:"type"`
	Data *messageData `json:"data"`
}

type messageData struct {
	Content         string          `json:"content"`
	Flags           int             `json:"flags"`
	Embeds          []embed         `json:"embeds"`
	Components      []row           `json:"components"`
	Choices         []choice        `json:"choices"`
	AllowedMentions json.RawMessage `json:"allowed_mentions"`
}

type embed struct {
	Title       string  `json:"title"`
	URL         string  `json:"url"`
	Description string  `json:"description"`
	Fields      []field `json:"fields"`
	Footer      *struct {
		Text string `json:"text"`
	} `json:"footer"`
}

type field struct{ Name, Value string }

type row struct {
	Type       int `json:"type"`
	Components []struct {
		Type     int    `json:"type"`
		Label    string `json:"label"`
		Style    int    `json:"style"`
		URL      string `json:"url"`
		CustomID string `json:"custom_id"`
	} `json:"components"`
}

type choice struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// checkPayload fails t unless raw is an interaction response that cannot
// ping anyone, is valid UTF-8 and keeps every Discord limit.
func checkPayload(t testing.TB, raw []byte) response {
	t.Helper()
	var r response
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("payload is not JSON: %v\n%s", err, raw)
	}
	if r.Type == 1 {
		if r.Data != nil {
			t.Errorf("PONG carries data: %s", raw)
		}
		return r
	}
	if r.Data == nil {
		t.Fatalf("response type %d without data: %s", r.Type, raw)
	}
	if r.Type == 9 {
		checkModal(t, raw)
		return r
	}
	checkMessage(t, r.Data, raw)
	return r
}

// checkModal fails t unless raw is a modal response within Discord's
// limits: a title, a custom_id, one to five rows of one text input each.
func checkModal(t testing.TB, raw []byte) {
	t.Helper()
	var m struct {
		Data struct {
			CustomID   string `json:"custom_id"`
			Title      string `json:"title"`
			Components []struct {
				Type       int `json:"type"`
				Components []struct {
					Type        int    `json:"type"`
					CustomID    string `json:"custom_id"`
					Label       string `json:"label"`
					Style       int    `json:"style"`
					Placeholder string `json:"placeholder"`
					Value       string `json:"value"`
					MaxLength   int    `json:"max_length"`
				} `json:"components"`
			} `json:"components"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("modal is not JSON: %v", err)
	}
	d := m.Data
	if !utf8.Valid(raw) {
		t.Errorf("modal is not valid UTF-8")
	}
	if d.CustomID == "" || len(d.CustomID) > maxCustomID {
		t.Errorf("modal custom_id %q", d.CustomID)
	}
	if l := textLen(d.Title); l < 1 || l > maxModalTitle {
		t.Errorf("modal title %q is %d long", d.Title, l)
	}
	if n := len(d.Components); n < 1 || n > maxInputs {
		t.Errorf("modal has %d rows", n)
	}
	for _, r := range d.Components {
		if r.Type != 1 || len(r.Components) != 1 {
			t.Errorf("modal row of type %d with %d components", r.Type, len(r.Components))
			continue
		}
		in := r.Components[0]
		if in.Type != 4 || in.CustomID == "" || (in.Style != 1 && in.Style != 2) {
			t.Errorf("modal input %+v", in)
		}
		if l := textLen(in.Label); l < 1 || l > maxInputLabel {
			t.Errorf("input label %q is %d long", in.Label, l)
		}
		if textLen(in.Placeholder) > maxPlaceholder {
			t.Errorf("placeholder %q too long", in.Placeholder)
		}
		if in.MaxLength < 1 || in.MaxLength > maxInputValue || textLen(in.Value) > in.MaxLength {
			t.Errorf("input %s: value of %d, max_length %d", in.CustomID, textLen(in.Value), in.MaxLength)
		}
		if strings.ContainsAny(in.Value+in.Label+in.Placeholder, "\u202e\u202d\u2066\u2067\u2068\x00\x1b") {
			t.Errorf("input %s has a control or bidi character", in.CustomID)
		}
	}
}

func checkMessage(t testing.TB, d *messageData, raw []byte) {
	t.Helper()
	if !utf8.Valid(raw) {
		t.Errorf("payload is not valid UTF-8")
	}
	var am struct {
		Parse       []string `json:"parse"`
		Roles       []string `json:"roles"`
		Users       []string `json:"users"`
		RepliedUser bool     `json:"replied_user"`
	}
	if err := json.Unmarshal(d.AllowedMentions, &am); err != nil || am.Parse == nil || len(am.Parse) != 0 || am.Roles != nil || am.Users != nil || am.RepliedUser {
		t.Errorf(`allowed_mentions = %s, want {"parse":[]}`, d.AllowedMentions)
	}
	if !bytes.Contains(raw, []byte(`"allowed_mentions":{"parse":[]`)) {
		t.Errorf(`payload lacks "allowed_mentions":{"parse":[]: %s`, raw)
	}
	within := func(what, s string, n int) {
		t.Helper()
		if l := textLen(s); l > n {
			t.Errorf("%s is %d long, limit %d: %.80q…", what, l, n, s)
		}
		if strings.ContainsAny(s, "\u202e\u202d\u2066\u2067\u2068\x00\x1b") {
			t.Errorf("%s contains a control or bidi character: %.200q", what, s)
		}
	}
	noPing := func(what, s string) {
		t.Helper()
		for _, p := range []string{"@everyone", "@here"} {
			if strings.Contains(s, p) {
				t.Errorf("%s contains a live %s: %.200q", what, p, s)
			}
		}
		if i := strings.Index(s, "<@"); i >= 0 && (i == 0 || s[i-1] != '\\') {
			t.Errorf("%s contains unescaped mention markup: %.200q", what, s)
		}
	}
	within("content", d.Content, maxContent)
	noPing("content", d.Content)
	if len(d.Embeds) > 10 {
		t.Errorf("%d embeds, limit 10", len(d.Embeds))
	}
	total := 0
	for _, e := range d.Embeds {
		within("embed title", e.Title, maxTitle)
		within("embed description", e.Description, maxDescription)
		noPing("embed title", e.Title)
		noPing("embed description", e.Description)
		total += textLen(e.Title) + textLen(e.Description)
		if len(e.Fields) > maxFields {
			t.Errorf("%d fields, limit %d", len(e.Fields), maxFields)
		}
		for _, f := range e.Fields {
			within("field name", f.Name, maxFieldName)
			within("field value", f.Value, maxFieldValue)
			if f.Name == "" || f.Value == "" {
				t.Errorf("empty field %q: %q", f.Name, f.Value)
			}
			noPing("field", f.Value)
			total += textLen(f.Name) + textLen(f.Value)
		}
		if e.Footer != nil {
			within("footer", e.Footer.Text, maxFooter)
			total += textLen(e.Footer.Text)
		}
		if e.URL != "" && safeURL(e.URL) != e.URL {
			t.Errorf("embed url %q is not a clean http(s) URL", e.URL)
		}
	}
	if total > maxEmbedTotal {
		t.Errorf("embed text totals %d, limit %d", total, maxEmbedTotal)
	}
	if len(d.Components) > maxRows {
		t.Errorf("%d rows, limit %d", len(d.Components), maxRows)
	}
	for _, r := range d.Components {
		if r.Type != 1 || len(r.Components) == 0 || len(r.Components) > maxButtons {
			t.Errorf("row of type %d with %d buttons", r.Type, len(r.Components))
		}
		for _, b := range r.Components {
			within("button label", b.Label, maxLabel)
			if b.Label == "" {
				t.Errorf("button without a label")
			}
			if len(b.CustomID) > maxCustomID {
				t.Errorf("custom_id %d long", len(b.CustomID))
			}
			if (b.URL == "") == (b.CustomID == "") || (b.Style == 5) != (b.URL != "") {
				t.Errorf("button style %d with url %q and custom_id %q", b.Style, b.URL, b.CustomID)
			}
		}
	}
	if len(d.Choices) > maxChoices {
		t.Errorf("%d choices, limit %d", len(d.Choices), maxChoices)
	}
	for _, c := range d.Choices {
		if l := textLen(c.Name); l < 1 || l > maxChoiceName {
			t.Errorf("choice name %d long: %q", l, c.Name)
		}
		if v, ok := c.Value.(string); !ok || textLen(v) > maxChoiceValue {
			t.Errorf("choice value %v", c.Value)
		}
	}
}

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\ngot:\n%s", path, buf.Bytes())
	}
}

// fakeAPI is Discord's REST API and gateway on loopback. The adapter's
// http.Client reaches it through rewriteTransport, since discordgo's
// Endpoint* URLs are fixed at init.
type fakeAPI struct {
	srv *httptest.Server

	mu       sync.Mutex
	calls    []apiCall
	limited  int // answer this many requests with 429 first
	identify chan identifyMsg
	closing  int    // gateway close code after Identify; 0: READY
	dispatch []byte // interaction dispatched after READY
	// events are dispatched as they come, after READY: a test sends the
	// next one once it has seen the answer to the last.
	events chan gatewayEvent

	// Channel messages refbot posted (newest first), for GET .../messages;
	// noThreads and noHistory answer thread creation and history with 403.
	messages  []map[string]any
	noThreads bool
	noHistory bool
	// gatewayMessages are MESSAGE_CREATE events dispatched after READY.
	gatewayMessages [][]byte
}

// gatewayEvent is one dispatch: its type ("INTERACTION_CREATE") and data.
type gatewayEvent struct {
	t string
	d []byte
}

type apiCall struct {
	Method, Path string
	Body         []byte
}

type identifyMsg struct {
	Op int `json:"op"`
	D  struct {
		Token   string `json:"token"`
		Intents int    `json:"intents"`
		Shard   *[2]int
	} `json:"d"`
}

func newFakeAPI(t testing.TB) *fakeAPI {
	f := &fakeAPI{identify: make(chan identifyMsg, 4), events: make(chan gatewayEvent, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v9/gateway", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"url":"ws://%s"}`, r.Host) // discordgo appends "/?v=10&encoding=json"
	})
	mux.HandleFunc("GET /{$}", f.gateway)
	mux.HandleFunc("/api/v9/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		if f.limited > 0 {
			f.limited--
			f.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"message":"You are being rate limited.","retry_after":0.01,"global":false}`)
			return
		}
		f.calls = append(f.calls, apiCall{r.Method, r.URL.Path, body})
		f.mu.Unlock()
		// Every message refbot sends must carry the empty mention list.
		if r.Method != http.MethodGet && (strings.HasSuffix(r.URL.Path, "/callback") || strings.Contains(r.URL.Path, "/webhooks/") || strings.HasSuffix(r.URL.Path, "/messages")) &&
			!bytes.Contains(body, []byte(`"allowed_mentions":{"parse":[]`)) {
			t.Errorf("%s %s without an empty allowed_mentions: %s", r.Method, r.URL.Path, body)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.Header.Get("Authorization") != "Bot test-token" && !strings.Contains(r.URL.Path, "/interactions/") && !strings.Contains(r.URL.Path, "/webhooks/") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch {
		case r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/commands"):
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		case strings.HasSuffix(r.URL.Path, "/callback"):
			w.WriteHeader(http.StatusNoContent)
		case strings.HasPrefix(r.URL.Path, "/api/v9/channels/"):
			f.channel(w, r, body)
		case r.Method == http.MethodPost && r.URL.Path == "/api/v9/users/@me/channels":
			var m struct {
				Recipient string `json:"recipient_id"`
			}
			json.Unmarshal(body, &m)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id":"dm-%s","type":1}`, m.Recipient)
		case strings.Contains(r.URL.Path, "/webhooks/"):
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":"8000000000000000008","channel_id":"4000000000000000004"}`)
		default:
			http.NotFound(w, r)
		}
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// channel answers the channel endpoints scheduled posts use: create a
// message, start a thread on it, list recent messages.
func (f *fakeAPI) channel(w http.ResponseWriter, r *http.Request, body []byte) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v9/channels/"), "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	forbidden := func() {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"message":"Missing Permissions","code":50013}`)
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case len(parts) == 2 && parts[1] == "messages" && r.Method == http.MethodPost:
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		m["id"] = strconv.Itoa(9000000000000000000 + len(f.messages) + 1)
		m["channel_id"] = parts[0]
		m["author"] = map[string]any{"id": testApp, "username": "refbot", "bot": true}
		f.messages = append([]map[string]any{m}, f.messages...)
		json.NewEncoder(w).Encode(m)
	case len(parts) == 2 && parts[1] == "messages" && r.Method == http.MethodGet:
		if f.noHistory {
			forbidden()
			return
		}
		json.NewEncoder(w).Encode(append([]map[string]any{{"id": "1", "channel_id": parts[0], "content": "hi", "author": map[string]any{"id": "5", "username": "ada"}}}, f.messages...))
	case len(parts) == 6 && parts[1] == "messages" && parts[3] == "reactions" && parts[5] == "@me" && r.Method == http.MethodPut:
		w.WriteHeader(http.StatusNoContent)
	case len(parts) == 4 && parts[1] == "messages" && parts[3] == "threads" && r.Method == http.MethodPost:
		if f.noThreads {
			forbidden()
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":%q,"type":11,"parent_id":%q}`, parts[2], parts[0])
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeAPI) client() *http.Client {
	u, _ := url.Parse(f.srv.URL)
	return &http.Client{Transport: rewriteTransport{host: u.Host, next: f.srv.Client().Transport}, Timeout: 10 * time.Second}
}

// Calls returns the recorded REST calls.
func (f *fakeAPI) Calls() []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]apiCall(nil), f.calls...)
}

// waitCall waits for a call whose path contains part.
func (f *fakeAPI) waitCall(t testing.TB, part string) apiCall {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, c := range f.Calls() {
			if strings.Contains(c.Path, part) {
				return c
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no call to %s; calls: %v", part, f.Calls())
	return apiCall{}
}

type rewriteTransport struct {
	host string
	next http.RoundTripper
}

func (rt rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = "http", rt.host, rt.host
	return rt.next.RoundTrip(r)
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// gateway is a minimal Discord gateway: Hello, Identify, then READY and a
// dispatch (or a close code), heartbeats acknowledged until the client
// goes away.
func (f *fakeAPI) gateway(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	if err := c.WriteJSON(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 45000}}); err != nil {
		return
	}
	var id identifyMsg
	if err := c.ReadJSON(&id); err != nil || id.Op != 2 {
		return
	}
	f.identify <- id
	f.mu.Lock()
	closing, dispatch, messages := f.closing, f.dispatch, f.gatewayMessages
	f.mu.Unlock()
	if closing != 0 {
		c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(closing, "Disallowed intent(s)."))
		return
	}
	c.WriteJSON(map[string]any{"op": 0, "t": "READY", "s": 1, "d": map[string]any{
		"v": 10, "session_id": "session-1", "resume_gateway_url": "ws://" + r.Host,
		"user":        map[string]any{"id": "9000000000000000009", "username": "refbot", "bot": true},
		"application": map[string]any{"id": testApp},
		"guilds":      []any{},
	}})
	if dispatch != nil {
		c.WriteJSON(map[string]any{"op": 0, "t": "INTERACTION_CREATE", "s": 2, "d": json.RawMessage(dispatch)})
	}
	for i, m := range messages {
		c.WriteJSON(map[string]any{"op": 0, "t": "MESSAGE_CREATE", "s": 3 + i, "d": json.RawMessage(m)})
	}
	// From here the reader (heartbeats) and the events goroutine both
	// write: one at a time, as gorilla/websocket requires.
	var wmu sync.Mutex
	done := make(chan struct{})
	defer close(done)
	go func() {
		for seq := 100; ; seq++ {
			select {
			case <-done:
				return
			case ev := <-f.events:
				wmu.Lock()
				c.WriteJSON(map[string]any{"op": 0, "t": ev.t, "s": seq, "d": json.RawMessage(ev.d)})
				wmu.Unlock()
			}
		}
	}()
	for {
		var m struct {
			Op int `json:"op"`
		}
		if err := c.ReadJSON(&m); err != nil {
			return
		}
		if m.Op == 1 {
			wmu.Lock()
			c.WriteJSON(map[string]any{"op": 11})
			wmu.Unlock()
		}
	}
}
