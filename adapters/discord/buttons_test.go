package discord

import (
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

// A reply's own buttons are drawn from the reply alone, within Discord's
// rows, and a click hands the core back the action and value: here the
// core's share action, clicked over the HTTP endpoint, shares the card.
func TestReplyButtons(t *testing.T) {
	var bs []bot.Button
	for range 30 { // more than five rows of five
		bs = append(bs, bot.Button{Label: "Share", Action: bot.ActionShare, Value: "mesa-optimization"})
	}
	bs = append([]bot.Button{
		{Label: "", Action: bot.ActionShare, Value: "x"},                                // no label: left out
		{Label: "Long value", Action: bot.ActionShare, Value: strings.Repeat("v", 120)}, // over custom_id's 100: left out
	}, bs...)
	d := safe(render(bot.Reply{Notice: "Pick one", Buttons: bs}))
	raw, _ := json.Marshal(d)
	if len(d.Components) != maxRows {
		t.Errorf("%d rows, want the limit %d", len(d.Components), maxRows)
	}
	checkPayload(t, mustJSON(t, map[string]any{"type": 4, "data": json.RawMessage(raw)}))

	a := newAdapter(t, nil, nil)
	code, body := serve(t, a, signed(buttonInteraction(bs[2].Action+":"+bs[2].Value, true), time.Now()))
	r := checkPayload(t, body)
	if code != 200 || r.Type != 4 || r.Data.Flags&64 != 0 || len(r.Data.Embeds) != 1 || !strings.Contains(r.Data.Embeds[0].Title, "Mesa") {
		t.Errorf("clicking the share button: %d %s, want the card in the channel", code, body)
	}
}

// A stale button — one refbot no longer has, from an older message — is
// answered with a hint and logged below ERROR: a user clicking an old
// message is not a fault (issue 12.13).
func TestStaleButtonIsNotAnError(t *testing.T) {
	var logs bottest.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(bot.New(g, bot.Config{Logger: log}), Config{Token: "t", ApplicationID: testApp, PublicKey: testKey.Public().(ed25519.PublicKey)}, log)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"explode:now", "define", "share:", "quiz"} {
		_, body := serve(t, a, signed(buttonInteraction(id, true), time.Now()))
		r := checkPayload(t, body)
		if !strings.Contains(r.Data.Content, "That button no longer does anything") {
			t.Errorf("%s: %q", id, r.Data.Content)
		}
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a stale button was logged at ERROR:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "level=INFO") {
		t.Errorf("stale buttons were not logged at all:\n%s", logs.String())
	}
}
