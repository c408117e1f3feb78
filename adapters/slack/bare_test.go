package slack

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"refbot/bot"
	"refbot/glossary"
	"refbot/glossary/data"
)

// This file is the bare reference for Slack's endpoint: the least work
// any correct handler of a signed /define must do, measured beside
// refbot's own handler (BenchmarkDefineHTTPBare beside
// BenchmarkDefineHTTP) and, run by .ci/load as a server, beside
// refbot serve. Per request it reads the capped body, checks the
// signature and the timestamp (HMAC-SHA256), decodes the form (and, for
// the lookup menu, the payload's JSON), looks the text up in a map, and
// encodes the reply: the same Block Kit refbot sends, held as slack-go
// values since the start. The floor variant writes bytes encoded at the
// start instead: that is all a handler that caches its replies must do.

// bareSlack serves signed slash commands and block_suggestion requests.
type bareSlack struct {
	secret  []byte
	replies map[string]any    // "define TEXT" or "menu VALUE" → the reply
	encoded map[string][]byte // the same, encoded once (floor)
	floor   bool
}

// newBareSlack asks a refbot adapter on the embedded glossary, once, what
// it answers to each query; the reference answers the same from a map.
func newBareSlack(secret string, defines, menus []string) (*bareSlack, error) {
	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		return nil, err
	}
	a := New(bot.New(g, bot.Config{}), Config{BotToken: testBotToken, SigningSecret: secret}, nil)
	s := &bareSlack{secret: []byte(secret), replies: map[string]any{}, encoded: map[string][]byte{}}
	ctx := context.Background()
	add := func(key string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err) // slack-go's types always encode
		}
		s.replies[key], s.encoded[key] = v, append(b, '\n')
	}
	for _, text := range defines {
		msg, _ := a.command(ctx, slack.SlashCommand{TeamID: "T1", ChannelID: "C1", UserID: "U1", Command: "/define", Text: text})
		add("define "+text, msg)
	}
	for _, v := range menus {
		ic := slack.InteractionCallback{Type: slack.InteractionTypeBlockSuggestion, ActionID: actionLookup, Value: v}
		ic.Team.ID, ic.Channel.ID, ic.User.ID = "T1", "C1", "U1"
		add("menu "+v, a.interaction(ctx, ic))
	}
	return s, nil
}

func (s *bareSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "body", http.StatusRequestEntityTooLarge)
		return
	}
	if !s.verify(r.Header, body, time.Now()) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "form", http.StatusBadRequest)
		return
	}
	key := "define " + form.Get("text")
	if p := form.Get("payload"); p != "" {
		var ic struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		}
		if json.Unmarshal([]byte(p), &ic) != nil || ic.Type != "block_suggestion" {
			http.Error(w, "payload", http.StatusBadRequest)
			return
		}
		key = "menu " + ic.Value
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if s.floor {
		w.Write(s.encoded[key])
		return
	}
	v, ok := s.replies[key]
	if !ok {
		v = message{Text: "not in the reference's map"}
	}
	json.NewEncoder(w).Encode(v)
}

func (s *bareSlack) verify(h http.Header, body []byte, now time.Time) bool {
	ts := h.Get("X-Slack-Request-Timestamp")
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(secs, 0)).Abs() > 5*time.Minute {
		return false
	}
	sig, ok := bytes.CutPrefix([]byte(h.Get("X-Slack-Signature")), []byte("v0="))
	want := make([]byte, sha256.Size)
	if !ok || hex.DecodedLen(len(sig)) != len(want) {
		return false
	}
	if _, err := hex.Decode(want, sig); err != nil {
		return false
	}
	mac := hmac.New(sha256.New, s.secret)
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return hmac.Equal(mac.Sum(nil), want)
}

// The queries .ci/load sends; the reference knows the answers to these.
var (
	loadDefines = []string{"mesa optimisation"}
	loadMenus   = []string{"rew"}
)

// TestMain runs the package's tests or, with REFBOT_BARE_ADDR set (by
// .ci/load), serves the bare reference there until killed:
// POST /slack/events encodes per request, POST /floor/slack/events
// writes bytes encoded at the start. The signing secret comes from
// SLACK_SIGNING_SECRET; POST /api/auth.test answers refbot's check of
// its token, so refbot serve can point slack.api_url here.
func TestMain(m *testing.M) {
	addr := os.Getenv("REFBOT_BARE_ADDR")
	if addr == "" {
		os.Exit(m.Run())
	}
	s, err := newBareSlack(os.Getenv("SLACK_SIGNING_SECRET"), loadDefines, loadMenus)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	floor := *s
	floor.floor = true
	mux := http.NewServeMux()
	mux.Handle("POST "+Path, s)
	mux.Handle("POST /floor"+Path, &floor)
	mux.HandleFunc("POST /api/auth.test", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"url":"https://load.slack.com/","team":"Load","user":"refbot","team_id":"T1","user_id":"UREFBOT","bot_id":"BREFBOT"}`)
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintln(os.Stderr, "slack bare reference on", addr)
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// TestBareSlackAnswersAsRefbot: the reference gives the same reply as
// refbot's handler, refuses what refbot refuses, and its floor variant
// writes the same bytes.
func TestBareSlackAnswersAsRefbot(t *testing.T) {
	s, err := newBareSlack(testSecret, loadDefines, loadMenus)
	if err != nil {
		t.Fatal(err)
	}
	floor := *s
	floor.floor = true
	a := benchAdapter(t)
	for _, body := range []string{
		slash("/define", "mesa optimisation", "https://hooks.slack.com/commands/T1/2/x"),
		interactionForm(menuPayload),
	} {
		var got [3]string
		for i, h := range []http.Handler{a, s, &floor} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, signed(testSecret, formType, body))
			if w.Code != http.StatusOK {
				t.Fatalf("handler %d: status %d: %s", i, w.Code, w.Body)
			}
			got[i] = w.Body.String()
		}
		if got[0] != got[1] || got[0] != got[2] || len(got[0]) < 100 {
			t.Errorf("replies differ:\nrefbot %s\nbare   %s\nfloor  %s", got[0], got[1], got[2])
		}
		forged := signed("another-secret", formType, body)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, forged)
		if w.Code != http.StatusUnauthorized {
			t.Errorf("forged request: status %d, want 401", w.Code)
		}
	}
}

// BenchmarkDefineHTTPBare is BenchmarkDefineHTTP's request through the
// bare reference, encoding per request ("bare") and writing bytes
// encoded at the start ("floor").
func BenchmarkDefineHTTPBare(b *testing.B) {
	s, err := newBareSlack(testSecret, loadDefines, nil)
	if err != nil {
		b.Fatal(err)
	}
	benchBare(b, s, []byte(slash("/define", "mesa optimisation", "https://hooks.slack.com/commands/T1/2/x")))
}

// BenchmarkMenuHTTPBare is BenchmarkMenuHTTP's request through the bare
// reference.
func BenchmarkMenuHTTPBare(b *testing.B) {
	s, err := newBareSlack(testSecret, nil, loadMenus)
	if err != nil {
		b.Fatal(err)
	}
	benchBare(b, s, []byte(interactionForm(menuPayload)))
}

// benchBare runs body through s encoding per request ("bare") and writing
// bytes encoded at the start ("floor").
func benchBare(b *testing.B, s *bareSlack, body []byte) {
	floor := *s
	floor.floor = true
	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"bare", s}, {"floor", &floor}} {
		b.Run(h.name, func(b *testing.B) {
			benchHandler(b, h.h, body)
		})
	}
}
