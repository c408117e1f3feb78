package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"refbot/bot"
	"refbot/glossary"
	"refbot/glossary/data"
)

// This file is the bare reference for Discord's endpoint: the least work
// any correct handler of a signed interaction must do, measured beside
// refbot's own handler (BenchmarkInteractionBare beside
// BenchmarkCommandDefine, BenchmarkAutocomplete and BenchmarkButton)
// and, run by .ci/load as a server, beside refbot serve. Per request it
// reads the capped body, checks the timestamp and the Ed25519 signature,
// decodes the interaction's JSON (the fields it needs), looks the text
// up in a map, and encodes the reply: the same response refbot sends (an
// embed and its buttons, allowed_mentions empty), held as discordgo
// values since the start. The floor variant writes bytes encoded at the
// start instead: that is all a handler that caches its replies must do.

// bareDiscord serves signed commands, autocompletes and button clicks.
type bareDiscord struct {
	key     ed25519.PublicKey
	replies map[string]any // key → the reply, as refbot sends it (responseBody)
	encoded map[string][]byte
	floor   bool
}

// bareInteraction is what the reference reads of an interaction.
type bareInteraction struct {
	Type int `json:"type"`
	Data struct {
		Name     string `json:"name"`
		CustomID string `json:"custom_id"`
		Options  []struct {
			Value   any  `json:"value"`
			Focused bool `json:"focused"`
		} `json:"options"`
	} `json:"data"`
}

// key is what the reference looks up: the type and the text typed or
// the button's custom_id.
func (i *bareInteraction) key() string {
	text := i.Data.CustomID
	for _, o := range i.Data.Options {
		if s, ok := o.Value.(string); ok && (i.Type != 4 || o.Focused) {
			text = s
		}
	}
	return strconv.Itoa(i.Type) + " " + text
}

// The interactions .ci/load sends; the reference knows their answers.
func loadInteractions() [][]byte {
	return [][]byte{
		interaction(2, commandData("define", stringOpt("term", "mesa optimisation", false))),
		interaction(4, commandData("define", stringOpt("term", "rew", true))),
		interaction(3, buttonData("define:goodharts-law")),
	}
}

// newBareDiscord asks a refbot adapter on the embedded glossary, once,
// what it answers to each interaction; the reference answers the same
// from a map.
func newBareDiscord(key ed25519.PublicKey, interactions [][]byte) (*bareDiscord, error) {
	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		return nil, err
	}
	a, err := New(bot.New(g, bot.Config{}), Config{Token: "t", ApplicationID: testApp, PublicKey: key}, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	s := &bareDiscord{key: key, replies: map[string]any{}, encoded: map[string][]byte{}}
	for _, body := range interactions {
		var i discordgo.Interaction
		var bi bareInteraction
		if err := json.Unmarshal(body, &i); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(body, &bi); err != nil {
			return nil, err
		}
		resp := responseBody(a.answer(context.Background(), &i))
		b, err := json.Marshal(resp)
		if err != nil {
			return nil, err
		}
		s.replies[bi.key()], s.encoded[bi.key()] = resp, b
	}
	return s, nil
}

func (s *bareDiscord) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		http.Error(w, "body", http.StatusRequestEntityTooLarge)
		return
	}
	if !s.verify(r.Header, body, time.Now()) {
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	var i bareInteraction
	if err := json.Unmarshal(body, &i); err != nil {
		http.Error(w, "json", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if i.Type == 1 {
		io.WriteString(w, `{"type":1}`)
		return
	}
	if s.floor {
		w.Write(s.encoded[i.key()])
		return
	}
	resp, ok := s.replies[i.key()]
	if !ok {
		resp = &discordgo.InteractionResponse{Type: 4, Data: safe(&discordgo.InteractionResponseData{Content: "not in the reference's map"})}
	}
	b, err := json.Marshal(resp)
	if err != nil {
		http.Error(w, "encode", http.StatusInternalServerError)
		return
	}
	w.Write(b)
}

func (s *bareDiscord) verify(h http.Header, body []byte, now time.Time) bool {
	var sig [ed25519.SignatureSize]byte
	if hex.DecodedLen(len(h.Get("X-Signature-Ed25519"))) != len(sig) {
		return false
	}
	if _, err := hex.Decode(sig[:], []byte(h.Get("X-Signature-Ed25519"))); err != nil {
		return false
	}
	ts := h.Get("X-Signature-Timestamp")
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(secs, 0)).Abs() > MaxSkew {
		return false
	}
	return ed25519.Verify(s.key, append([]byte(ts), body...), sig[:])
}

// TestMain runs the package's tests or, with REFBOT_BARE_ADDR set (by
// .ci/load), serves the bare reference there until killed:
// POST /discord/interactions encodes per request,
// POST /floor/discord/interactions writes bytes encoded at the start.
// The public key (hex) comes from DISCORD_PUBLIC_KEY.
func TestMain(m *testing.M) {
	addr := os.Getenv("REFBOT_BARE_ADDR")
	if addr == "" {
		os.Exit(m.Run())
	}
	key, err := hex.DecodeString(os.Getenv("DISCORD_PUBLIC_KEY"))
	if err != nil || len(key) != ed25519.PublicKeySize {
		fmt.Fprintln(os.Stderr, "DISCORD_PUBLIC_KEY: want 64 hexadecimal digits")
		os.Exit(2)
	}
	s, err := newBareDiscord(key, loadInteractions())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	floor := *s
	floor.floor = true
	mux := http.NewServeMux()
	mux.Handle("POST "+Path, s)
	mux.Handle("POST /floor"+Path, &floor)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintln(os.Stderr, "discord bare reference on", addr)
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// TestBareDiscordAnswersAsRefbot: the reference gives the same reply as
// refbot's handler, refuses what refbot refuses, and its floor variant
// writes the same bytes.
func TestBareDiscordAnswersAsRefbot(t *testing.T) {
	s, err := newBareDiscord(testKey.Public().(ed25519.PublicKey), loadInteractions())
	if err != nil {
		t.Fatal(err)
	}
	floor := *s
	floor.floor = true
	a := newAdapter(t, nil, nil)
	for _, body := range loadInteractions() {
		var got [3]string
		for i, h := range []http.Handler{a, s, &floor} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, signed(body, time.Now()))
			if w.Code != http.StatusOK {
				t.Fatalf("handler %d: status %d: %s", i, w.Code, w.Body)
			}
			got[i] = w.Body.String()
		}
		if got[0] != got[1] || got[0] != got[2] || len(got[0]) < 100 {
			t.Errorf("replies differ:\nrefbot %s\nbare   %s\nfloor  %s", got[0], got[1], got[2])
		}
		forged := signed(body, time.Now())
		forged.Header.Set("X-Signature-Timestamp", strconv.FormatInt(time.Now().Unix()+1, 10))
		w := httptest.NewRecorder()
		s.ServeHTTP(w, forged)
		if w.Code != http.StatusUnauthorized {
			t.Errorf("forged request: status %d, want 401", w.Code)
		}
	}
}

// BenchmarkInteractionBare is the load's three interactions through the
// bare reference, encoding per request ("bare") and writing bytes encoded
// at the start ("floor"), beside BenchmarkCommandDefine,
// BenchmarkAutocomplete and BenchmarkButton.
func BenchmarkInteractionBare(b *testing.B) {
	s, err := newBareDiscord(testKey.Public().(ed25519.PublicKey), loadInteractions())
	if err != nil {
		b.Fatal(err)
	}
	floor := *s
	floor.floor = true
	names := []string{"define", "autocomplete", "button"}
	for i, body := range loadInteractions() {
		for _, h := range []struct {
			name string
			h    http.Handler
		}{{"bare", s}, {"floor", &floor}} {
			b.Run(names[i]+"/"+h.name, func(b *testing.B) { benchHandler(b, h.h, body) })
		}
	}
}
