package slack

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"refbot/bot"
)

// envelope wraps a payload as Socket Mode sends it.
func envelope(kind, id string, payload string) string {
	return fmt.Sprintf(`{"type":%q,"envelope_id":%q,"accepts_response_payload":true,"payload":%s}`, kind, id, payload)
}

// slashJSON is a slash command as Socket Mode delivers it (JSON, not a form).
func slashJSON(command, text, responseURL string) string {
	b, _ := json.Marshal(map[string]any{
		"token": "x", "team_id": "T1", "team_domain": "study", "channel_id": "C1", "channel_name": "reading-group",
		"user_id": "U1", "user_name": "ada", "command": command, "text": text,
		"response_url": responseURL, "trigger_id": "1.2.3", "api_app_id": "A1", "is_enterprise_install": "false",
	})
	return string(b)
}

// TestSocketMode drives the same flows as the HTTP tests through the
// Socket Mode fake: slash commands, buttons, the lookup menu, mentions,
// an event slack-go cannot parse, and a retried event.
func TestSocketMode(t *testing.T) {
	e := newEnv(t, ModeSocket, true)
	ack := func(id string) map[string]any {
		t.Helper()
		a := recv(t, e.api.acks, "the ack of "+id)
		if a["envelope_id"] != id {
			t.Fatalf("ack for %v, want %s (acks arrive in order here)", a["envelope_id"], id)
		}
		return a
	}
	payloadOf := func(a map[string]any) map[string]any {
		p, _ := a["payload"].(map[string]any)
		return p
	}

	t.Run("/define answered in the ack", func(t *testing.T) {
		e.api.envelopes <- envelope("slash_commands", "e1", slashJSON("/define", "mesa optimisation", e.hooks.url()))
		p := payloadOf(ack("e1"))
		if p["response_type"] != "ephemeral" || !strings.Contains(fmt.Sprint(p["blocks"]), "Mesa-Optimization") {
			t.Errorf("ack payload = %v", p)
		}
		if probs := checkMessage(p); len(probs) > 0 {
			t.Error(strings.Join(probs, "\n"))
		}
	})
	t.Run("/refbot search", func(t *testing.T) {
		e.api.envelopes <- envelope("slash_commands", "e2", slashJSON("/refbot", "search alignment", e.hooks.url()))
		if p := payloadOf(ack("e2")); !strings.Contains(fmt.Sprint(p["text"]), "Entries about") {
			t.Errorf("ack payload = %v", p)
		}
	})
	t.Run("/refbot suggest: an empty ack, then the modal", func(t *testing.T) {
		e.api.envelopes <- envelope("slash_commands", "e2s", slashJSON("/refbot", "suggest lottery ticket hypothesis", e.hooks.url()))
		if p := ack("e2s")["payload"]; p != nil {
			t.Errorf("the ack of a command that opens a form carries %v", p)
		}
		open := e.view(t, "views.open")
		if open["trigger_id"] != "1.2.3" {
			t.Errorf("views.open on trigger %v", open["trigger_id"])
		}
		// A submission with problems is answered in its ack, beside the fields.
		sub := viewSubmission("U1", open["view"].(map[string]any), map[string]string{bot.FieldTitle: "Lottery Ticket Hypothesis"})
		e.api.envelopes <- envelope("interactive", "e2v", sub)
		if p := payloadOf(ack("e2v")); p["response_action"] != "errors" {
			t.Errorf("the ack of a submission with problems: %v", p)
		}
	})
	t.Run("menu search answered in the ack", func(t *testing.T) {
		e.api.envelopes <- envelope("interactive", "e3", suggestionPayload("mesa"))
		p := payloadOf(ack("e3"))
		if !strings.Contains(fmt.Sprint(p["options"]), "mesa-optimization") {
			t.Errorf("options = %v", p)
		}
	})
	t.Run("share button: ack, then response_url", func(t *testing.T) {
		hook := e.hooks.url()
		e.api.envelopes <- envelope("interactive", "e4", buttonPayload(bot.ActionShare, "mesa-optimization", hook, true))
		if p := ack("e4")["payload"]; p != nil {
			t.Errorf("button ack carries a payload: %v", p)
		}
		shared := recv(t, e.hooks.got, "the shared card")
		if shared.Body["response_type"] != "in_channel" {
			t.Errorf("shared as %v", shared.Body["response_type"])
		}
		if del := recv(t, e.hooks.got, "delete_original"); del.Body["delete_original"] != true {
			t.Errorf("second post %s", del.Raw)
		}
	})
	t.Run("mention answered in its thread", func(t *testing.T) {
		e.api.envelopes <- envelope("events_api", "e5", eventBody("EvS1", mentionEvent("<@UREFBOT> define inner alignment", "1700000000.000900", "1700000000.000001")))
		ack("e5")
		got := recv(t, e.api.posts, "chat.postMessage")
		if got.Get("thread_ts") != "1700000000.000001" || !strings.Contains(got.Get("blocks"), "Inner Alignment") {
			t.Errorf("posted %v", got)
		}
	})
	t.Run("retried event: acked, not answered twice", func(t *testing.T) {
		e.api.envelopes <- envelope("events_api", "e6", eventBody("EvS1", mentionEvent("<@UREFBOT> define inner alignment", "1700000000.000900", "1700000000.000001")))
		ack("e6")
	})
	t.Run("unknown event type still acked", func(t *testing.T) {
		e.api.envelopes <- envelope("events_api", "e7", eventBody("EvS2", map[string]any{"type": "brand_new_event"}))
		ack("e7")
	})
	t.Run("a mention after them is the next post", func(t *testing.T) {
		e.api.envelopes <- envelope("events_api", "e8", eventBody("EvS3", mentionEvent("<@UREFBOT>", "1700000000.001000", "")))
		ack("e8")
		got := recv(t, e.api.posts, "chat.postMessage")
		if !strings.Contains(got.Get("text"), "Mention me with a command") {
			t.Errorf("expected the short help (no post for the retry), got %v", got.Get("text"))
		}
	})
	if n := e.api.conns.Load(); n != 1 {
		t.Errorf("%d websocket connections, want 1", n)
	}
}

// TestSocketModeBigReply: a reply too big for an ack (Slack drops acks of
// 20 KB or more) is acknowledged empty and posted to the response_url.
func TestSocketModeBigReply(t *testing.T) {
	e := newEnv(t, ModeSocket, false)
	ctx := t.Context()
	s := &socketRun{a: e.a, opts: SocketOptions{}.withDefaults(), events: make(chan socketEvent, 16)}
	c, err := s.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.retire(c, true)

	hook := e.hooks.url()
	big := message{ResponseType: "ephemeral", Text: strings.Repeat("x", maxAck)}
	e.a.ackMessage(ctx, c, "big", hook, big)
	if a := recv(t, e.api.acks, "the ack"); a["envelope_id"] != "big" || a["payload"] != nil {
		t.Errorf("ack = %v, want an empty ack for envelope big", a)
	}
	j := recv(t, e.a.outbox, "the queued response_url post")
	if err := j.run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, e.hooks.got, "the response_url post"); len(got.Body["text"].(string)) != maxAck {
		t.Errorf("posted %d bytes of text", len(got.Raw))
	}

	small := message{ResponseType: "ephemeral", Text: "hi"}
	e.a.ackMessage(ctx, c, "small", hook, small)
	if a := recv(t, e.api.acks, "the ack"); a["envelope_id"] != "small" || a["payload"] == nil {
		t.Errorf("ack = %v, want the reply in the ack", a)
	}
}

func TestSocketModeRejectedAppToken(t *testing.T) {
	api := newFakeAPI(t)
	a := New(bot.New(testGlossary(t), bot.Config{}), Config{Mode: ModeSocket, APIURL: api.srv.URL, BotToken: testBotToken, AppToken: "xapp-wrong"}, nil)
	err := a.Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
		t.Errorf("Run = %v, want an error naming SLACK_APP_TOKEN", err)
	}
}
