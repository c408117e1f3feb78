package discord

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/glossary"
	"refbot/glossary/data"
)

// faultyAdapter is an adapter whose core panics on its next lookups or
// channel-setting reads when told to, auto-linking in linkChannel.
func faultyAdapter(t *testing.T, api *fakeAPI) (*Adapter, *bottest.Faulty, *bottest.Buffer) {
	t.Helper()
	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		t.Fatal(err)
	}
	f, logs := bottest.NewFaulty(), &bottest.Buffer{}
	b := bot.New(g, bot.Config{
		Stats: f, AutolinkStore: f, Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Autolink: bot.AutolinkConfig{Enabled: true, Channels: []bot.AutolinkChannel{{Platform: Name, Channel: linkChannel}}},
	})
	cfg := Config{Token: "test-token", ApplicationID: testApp, PublicKey: testKey.Public().(ed25519.PublicKey), MessageContent: true}
	if api != nil {
		cfg.Client = api.client()
	}
	a, err := New(b, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return a, f, logs
}

// withID is an interaction payload with another interaction id.
func withID(raw []byte, id string) []byte {
	var m map[string]any
	json.Unmarshal(raw, &m)
	m["id"] = id
	b, _ := json.Marshal(m)
	return b
}

// A panic in the core, reached over the HTTP endpoint, is a polite
// ephemeral reply and one log line; the next request gets its card.
func TestCorePanicOverHTTP(t *testing.T) {
	a, f, logs := faultyAdapter(t, nil)
	define := interaction(2, commandData("define", stringOpt("term", "mesa optimisation", false)))
	f.PanicNext(1)
	code, body := serve(t, a, signed(define, time.Now()))
	if code != 200 || !bytes.Contains(body, []byte("Something went wrong inside refbot")) || !bytes.Contains(body, []byte(`"flags":64`)) {
		t.Fatalf("after a panic: %d %s", code, body)
	}
	if code, body := serve(t, a, signed(define, time.Now())); code != 200 || !bytes.Contains(body, []byte("Mesa")) {
		t.Errorf("the next request: %d %s", code, body)
	}
	if n := strings.Count(logs.String(), "request panicked"); n != 1 {
		t.Errorf("%d panic lines, want 1:\n%s", n, logs)
	}
}

// Over the gateway, where discordgo runs handlers on bare goroutines: a
// command whose core panics gets an apology and the next one its card; a
// chat message whose core panics gets nothing and the next one its links.
func TestCorePanicOverGateway(t *testing.T) {
	api := newFakeAPI(t)
	a, f, logs := faultyAdapter(t, api)
	runGateway(t, a)
	<-api.identify
	define := interaction(2, commandData("define", stringOpt("term", "mesa optimisation", false)))
	for i, want := range []string{"Something went wrong inside refbot", "Mesa"} {
		if i == 0 {
			f.PanicNext(1)
		}
		id := "21000000000000000" + string(rune('1'+i)) + "1"
		api.events <- gatewayEvent{"INTERACTION_CREATE", withID(define, id)}
		cb := api.waitCall(t, "/interactions/"+id+"/")
		if r := checkPayload(t, cb.Body); !strings.Contains(r.Data.Content, want) && (len(r.Data.Embeds) == 0 || !strings.Contains(r.Data.Embeds[0].Title, want)) {
			t.Errorf("interaction %d: %s, want %q", i, cb.Body, want)
		}
	}

	f.PanicNext(1)
	chat := func(id, text string) gatewayEvent {
		raw, _ := json.Marshal(chatMessage(id, linkChannel, "5000000000000000005", text))
		return gatewayEvent{"MESSAGE_CREATE", raw}
	}
	api.events <- chat("7400000000000000071", "is deceptive alignment likely?")
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(logs.String(), "request panicked") < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	api.events <- chat("7400000000000000072", "reward hacking again")
	c := api.waitCall(t, "/channels/"+linkChannel+"/messages")
	if d := checkSend(t, c.Body); len(d.Embeds) != 1 || !strings.Contains(d.Embeds[0].Description, "Reward Hacking") {
		t.Errorf("reply = %s, want the reward hacking link only", c.Body)
	}
	if msgs, _ := posts(api); len(msgs) != 1 {
		t.Errorf("%d auto-link replies, want 1 (none for the message that panicked)", len(msgs))
	}
	if n := strings.Count(logs.String(), "request panicked"); n != 2 {
		t.Errorf("%d panic lines, want 2:\n%s", n, logs)
	}
}
