package discord

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
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

// embedded is the embedded glossary, loaded once for the package's tests:
// loading it is the slowest step of most of them (seconds under -race),
// and a Glossary is safe for concurrent use.
var embedded = sync.OnceValues(func() (*glossary.Glossary, error) {
	return glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
})

func newBot(tb testing.TB) *bot.Bot {
	tb.Helper()
	g, err := embedded()
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
	if r.Type == 8 {
		// An autocomplete result is exactly {"type":8,"data":{"choices":[…]}}:
		// no message fields, and [] when nothing matches.
		var exact struct {
			Type int `json:"type"`
			Data struct {
				Choices []choice `json:"choices"`
			} `json:"data"`
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&exact); err != nil || exact.Data.Choices == nil {
			t.Errorf(`autocomplete result is not exactly {"type":8,"data":{"choices":[…]}} (%v): %s`, err, raw)
		}
		if len(exact.Data.Choices) > maxChoices {
			t.Errorf("%d choices, limit %d", len(exact.Data.Choices), maxChoices)
		}
		for _, c := range exact.Data.Choices {
			if l := textLen(c.Name); l < 1 || l > maxChoiceName {
				t.Errorf("choice name %d long: %q", l, c.Name)
			}
			if v, ok := c.Value.(string); !ok || textLen(v) > maxChoiceValue {
				t.Errorf("choice value %v", c.Value)
			}
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
			// Discord's documented limit for a link button's url: a
			// longer one makes Discord reject the whole message.
			if len(b.URL) > 512 {
				t.Errorf("button url is %d long, limit 512: %.80q…", len(b.URL), b.URL)
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
	dispatch []byte // interaction dispatched after the first READY
	// events are dispatched as they come, after READY: a test sends the
	// next one once it has seen the answer to the last.
	events chan gatewayEvent

	// The gateway's sessions are strict, as Discord's: a client close
	// with 1000 or 1001 ends a session, a RESUME of an ended or unknown
	// one gets op 9 with d false, and a good RESUME replays every
	// dispatch after the client's sequence number.
	interval int // heartbeat_interval in HELLO, ms; 0: 45000
	// resumeURL, when set, is READY's resume_gateway_url instead of the
	// fake's own /resume.
	resumeURL string
	plan      func(n int) connPlan // how connection n (from 1) behaves; nil: well
	sessions  map[string]*fakeSession
	conns     []*connRecord
	up        chan upEvent // each READY or RESUMED the gateway sends
	// holdCallbacks, when set, holds every interaction callback until
	// that many are in flight at once, then lets them all go.
	// callbackError, when set, answers every interaction callback with
	// 400 and this body.
	callbackError string
	holdCallbacks int
	// callbackDelay, when set, is how long each interaction callback
	// takes to answer (a slow network); answeredAt is when each
	// interaction's callback was answered, by interaction id.
	callbackDelay time.Duration
	answeredAt    map[string]time.Time
	inflight      int
	maxInflight   int
	release       chan struct{}

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

// connPlan is how one gateway connection misbehaves.
type connPlan struct {
	noHello bool // upgrade the websocket, then say nothing
	noReady bool // read IDENTIFY or RESUME, then say nothing
	// closeAfterReady closes the connection with this code right after
	// READY or RESUMED.
	closeAfterReady int
	// zombie: after READY or RESUMED, take every queued event into the
	// session (for a RESUME to replay) without sending it, then
	// acknowledge no heartbeat and send nothing; later events wait for
	// the next connection.
	zombie bool
	op7    bool  // after READY or RESUMED, ask the client to reconnect
	op9    *bool // after READY or RESUMED, invalidate the session with this d
}

// connRecord is what one gateway connection saw.
type connRecord struct {
	path      string // "/" or "/resume"
	ops       []int  // the client's ops, in order
	unacked   int    // heartbeats left unacknowledged
	closeCode int    // the client's close code; 0 when it just dropped
	replayed  int    // dispatches replayed by a RESUME
}

type fakeSession struct {
	id    string
	valid bool
	seq   int64
	log   []payload // every dispatch of the session, sent or not
}

// upEvent says a gateway connection came up.
type upEvent struct {
	conn    int
	resumed bool
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
	f := &fakeAPI{identify: make(chan identifyMsg, 64), events: make(chan gatewayEvent, 256), sessions: map[string]*fakeSession{}, answeredAt: map[string]time.Time{}, up: make(chan upEvent, 64), release: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v9/gateway", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"url":"ws://%s"}`, r.Host) // discordgo appends "/?v=10&encoding=json"
	})
	mux.HandleFunc("GET /{$}", f.gateway)
	mux.HandleFunc("GET /resume", f.gateway) // READY's resume_gateway_url
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
		// Every message refbot sends must carry the empty mention list
		// (an autocomplete result is not a message: checkPayload checks it).
		if r.Method != http.MethodGet && (strings.HasSuffix(r.URL.Path, "/callback") || strings.Contains(r.URL.Path, "/webhooks/") || strings.HasSuffix(r.URL.Path, "/messages")) &&
			!bytes.HasPrefix(body, []byte(`{"type":8,`)) && !bytes.Contains(body, []byte(`"allowed_mentions":{"parse":[]`)) {
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
			f.hold()
			f.mu.Lock()
			refuse, delay := f.callbackError, f.callbackDelay
			f.mu.Unlock()
			if delay > 0 {
				time.Sleep(delay)
			}
			f.mu.Lock()
			if parts := strings.Split(r.URL.Path, "/"); len(parts) == 7 {
				f.answeredAt[parts[4]] = time.Now()
			}
			f.mu.Unlock()
			if refuse != "" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, refuse)
				return
			}
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
	return &http.Client{Transport: rewriteTransport{host: u.Host, next: f.srv.Client().Transport}, Timeout: 2 * time.Minute}
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

// hold keeps an interaction callback until holdCallbacks are in flight
// at once (or a guard against a hang runs out).
func (f *fakeAPI) hold() {
	f.mu.Lock()
	if f.holdCallbacks == 0 {
		f.mu.Unlock()
		return
	}
	f.inflight++
	f.maxInflight = max(f.maxInflight, f.inflight)
	if f.inflight == f.holdCallbacks {
		close(f.release)
	}
	f.mu.Unlock()
	select {
	case <-f.release:
	case <-time.After(time.Minute):
	}
	f.mu.Lock()
	f.inflight--
	f.mu.Unlock()
}

// callbacks counts the interaction callbacks per interaction id.
func (f *fakeAPI) callbacks() map[string]int {
	n := map[string]int{}
	for _, c := range f.Calls() {
		if parts := strings.Split(c.Path, "/"); len(parts) == 7 && parts[3] == "interactions" && parts[6] == "callback" {
			n[parts[4]]++
		}
	}
	return n
}

// waitCallbacks waits until n interactions have been answered, for at
// most guard (against a hang; it is not a timing assertion).
func (f *fakeAPI) waitCallbacks(t testing.TB, n int, guard time.Duration) map[string]int {
	t.Helper()
	deadline := time.Now().Add(guard)
	for {
		got := f.callbacks()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d interactions answered, want %d", len(got), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// records returns a copy of what each gateway connection saw.
func (f *fakeAPI) records() []connRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]connRecord, len(f.conns))
	for i, c := range f.conns {
		out[i] = *c
		out[i].ops = append([]int(nil), c.ops...)
	}
	return out
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// gateway is a Discord gateway: Hello, Identify (or Resume), then READY
// (or the replay and RESUMED), dispatches, and heartbeats acknowledged
// until the client goes away — unless the connection's plan says
// otherwise.
func (f *fakeAPI) gateway(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	rec := &connRecord{path: r.URL.Path}
	f.mu.Lock()
	f.conns = append(f.conns, rec)
	n := len(f.conns)
	var plan connPlan
	if f.plan != nil {
		plan = f.plan(n)
	}
	interval := f.interval
	if interval == 0 {
		interval = 45000
	}
	resumeURL := cmp.Or(f.resumeURL, "ws://"+r.Host+"/resume")
	f.mu.Unlock()

	// One writer at a time, as gorilla/websocket requires.
	var wmu sync.Mutex
	send := func(v any) error {
		wmu.Lock()
		defer wmu.Unlock()
		return c.WriteJSON(v)
	}
	// read reads the client's next op, recording it and, when the client
	// closes, its close code; a 1000 or 1001 ends the session, unless it
	// only echoes the fake's own close.
	var sess *fakeSession
	serverClosed := false
	closeWith := func(code int, text string) {
		serverClosed = true
		c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(code, text))
	}
	read := func(into any) (int, error) {
		_, data, err := c.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			f.mu.Lock()
			if errors.As(err, &ce) {
				rec.closeCode = ce.Code
				if sess != nil && !serverClosed && (ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway) {
					sess.valid = false
				}
			}
			f.mu.Unlock()
			return 0, err
		}
		var m struct {
			Op int `json:"op"`
		}
		json.Unmarshal(data, &m)
		f.mu.Lock()
		rec.ops = append(rec.ops, m.Op)
		f.mu.Unlock()
		if into != nil {
			json.Unmarshal(data, into)
		}
		return m.Op, nil
	}
	drain := func() { // say nothing but heartbeat ACKs until the client goes
		for {
			op, err := read(nil)
			if err != nil {
				return
			}
			if op == 1 {
				send(map[string]any{"op": 11})
			}
		}
	}
	if plan.noHello {
		drain()
		return
	}
	if send(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": interval}}) != nil {
		return
	}
	var first struct {
		Op int             `json:"op"`
		D  json.RawMessage `json:"d"`
	}
	if _, err := read(&first); err != nil {
		return
	}
	resumed := false
	switch first.Op {
	case 2:
		var id identifyMsg
		raw, _ := json.Marshal(first)
		json.Unmarshal(raw, &id)
		select {
		case f.identify <- id:
		default:
		}
		f.mu.Lock()
		closing := f.closing
		f.mu.Unlock()
		if closing != 0 {
			closeWith(closing, "Disallowed intent(s).")
			return
		}
		if plan.noReady {
			drain()
			return
		}
		f.mu.Lock()
		sess = &fakeSession{id: fmt.Sprintf("session-%d", len(f.sessions)+1), valid: true, seq: 1}
		f.sessions[sess.id] = sess
		f.mu.Unlock()
		if send(map[string]any{"op": 0, "t": "READY", "s": 1, "d": map[string]any{
			"v": 10, "session_id": sess.id, "resume_gateway_url": resumeURL,
			"user":        map[string]any{"id": "9000000000000000009", "username": "refbot", "bot": true},
			"application": map[string]any{"id": testApp},
			"guilds":      []any{},
		}}) != nil {
			return
		}
	case 6:
		var res struct {
			SessionID string `json:"session_id"`
			Seq       int64  `json:"seq"`
		}
		json.Unmarshal(first.D, &res)
		f.mu.Lock()
		s, ok := f.sessions[res.SessionID]
		good := ok && s.valid && res.Seq <= s.seq
		var replay []payload
		if good {
			sess = s
			for _, p := range s.log {
				if *p.S > res.Seq {
					replay = append(replay, p)
				}
			}
			rec.replayed = len(replay)
		}
		f.mu.Unlock()
		if !good {
			send(map[string]any{"op": 9, "d": false})
			drain()
			return
		}
		if plan.noReady {
			drain()
			return
		}
		for _, p := range replay {
			if send(p) != nil {
				return
			}
		}
		f.mu.Lock()
		sess.seq++
		seq := sess.seq
		f.mu.Unlock()
		if send(map[string]any{"op": 0, "t": "RESUMED", "s": seq, "d": map[string]any{}}) != nil {
			return
		}
		resumed = true
	default:
		return
	}
	select {
	case f.up <- upEvent{conn: n, resumed: resumed}:
	default:
	}
	// dispatch adds an event to the session and, unless held back, sends it.
	dispatch := func(t string, d []byte, held bool) error {
		f.mu.Lock()
		sess.seq++
		p := payload{Op: 0, T: t, S: new(sess.seq), D: d}
		sess.log = append(sess.log, p)
		f.mu.Unlock()
		if held {
			return nil
		}
		return send(p)
	}
	if n == 1 {
		f.mu.Lock()
		first, messages := f.dispatch, f.gatewayMessages
		f.mu.Unlock()
		if first != nil {
			dispatch("INTERACTION_CREATE", first, false)
		}
		for _, m := range messages {
			dispatch("MESSAGE_CREATE", m, false)
		}
	}
	switch {
	case plan.closeAfterReady != 0:
		closeWith(plan.closeAfterReady, "flapping")
		drain()
		return
	case plan.op7:
		send(map[string]any{"op": 7, "d": nil})
	case plan.op9 != nil:
		if !*plan.op9 {
			f.mu.Lock()
			sess.valid = false
			f.mu.Unlock()
		}
		send(map[string]any{"op": 9, "d": *plan.op9})
	case plan.zombie:
		for queued := true; queued; {
			select {
			case ev := <-f.events:
				dispatch(ev.t, ev.d, true)
			default:
				queued = false
			}
		}
	}
	done := make(chan struct{})
	defer close(done)
	if !plan.zombie {
		go func() {
			for {
				select {
				case <-done:
					return
				case ev := <-f.events:
					if dispatch(ev.t, ev.d, false) != nil {
						return
					}
				}
			}
		}()
	}
	for {
		op, err := read(nil)
		if err != nil {
			return
		}
		if op != 1 {
			continue
		}
		if plan.zombie {
			f.mu.Lock()
			rec.unacked++
			f.mu.Unlock()
			continue
		}
		send(map[string]any{"op": 11})
	}
}
