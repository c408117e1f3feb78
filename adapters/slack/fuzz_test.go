package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"refbot/bot"
)

// FuzzServeHTTP signs whatever body the fuzzer makes and serves it: the
// handler never panics, answers with a known status, and any reply it
// writes stays within Slack's limits and pings nobody.
func FuzzServeHTTP(f *testing.F) {
	f.Add(formType, slash("/define", "mesa optimisation", "https://hooks.example/1"))
	f.Add(formType, slash("/refbot", "search &lt;!here&gt;", ""))
	f.Add(formType, interactionForm(buttonPayload("define:0", "inner-alignment", "https://hooks.example/2", true)))
	f.Add(formType, interactionForm(suggestionPayload("mes")))
	f.Add(formType, "ssl_check=1&token=x")
	f.Add(jsonType, eventBody("Ev1", mentionEvent("<@UREFBOT> define mesa", "1.1", "")))
	f.Add(jsonType, `{"type":"url_verification","challenge":"c"}`)
	f.Add(jsonType, `{"type":"event_callback","event":{"type":"message","subtype":"bot_message"}}`)
	f.Add("text/plain", "%%%")
	e := newEnv(f, ModeHTTP, false)
	f.Fuzz(func(t *testing.T, contentType, body string) {
		w := e.serve(signed(testSecret, contentType, body))
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusServiceUnavailable:
		default:
			t.Fatalf("status %d", w.Code)
		}
		if w.Code == http.StatusOK && strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			if p := checkMessage(decode(t, w.Body.Bytes())); len(p) > 0 && !strings.Contains(body, "url_verification") {
				t.Fatal(strings.Join(p, "\n"))
			}
		}
		for len(e.a.outbox) > 0 {
			<-e.a.outbox
		}
	})
}

// FuzzCommandText types anything into /define and /refbot.
func FuzzCommandText(f *testing.F) {
	for _, s := range hostile() {
		if len(s) < 1000 {
			f.Add(s)
		}
	}
	e := newEnv(f, ModeHTTP, false)
	f.Fuzz(func(t *testing.T, text string) {
		for _, cmd := range []string{"/define", "/refbot"} {
			msg, send := e.a.command(context.Background(), slack.SlashCommand{Command: cmd, Text: text, UserID: "U1"})
			if p := checkMessage(msg); send && len(p) > 0 {
				t.Fatal(strings.Join(p, "\n"))
			}
		}
	})
}

// FuzzMentionText parses mention text: refbot's own mention is stripped
// and the rest is what the user wrote after it.
func FuzzMentionText(f *testing.F) {
	f.Add("<@UREFBOT> define mesa")
	f.Add("<@UREFBOT|refbot><@UREFBOT>help")
	f.Add("<@UOTHER> <@UREFBOT> define x")
	f.Add("<@")
	e := newEnv(f, ModeHTTP, false)
	f.Fuzz(func(t *testing.T, text string) {
		got := e.a.stripMention(text)
		if !strings.HasSuffix(strings.TrimSpace(text), got) {
			t.Fatalf("stripMention(%q) = %q, not a suffix", text, got)
		}
		name, rest, ok := e.a.bot.ParseCommand(unescapeSlack(got))
		if ok && name == "" {
			t.Fatalf("command with no name from %q (rest %q)", text, rest)
		}
	})
}

// FuzzRender puts anything in every field of a reply.
func FuzzRender(f *testing.F) {
	for _, s := range hostile() {
		if len(s) < 200 {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := hostileReply(s)
		if p := checkMessage(render(r, renderOptions{controls: true})); len(p) > 0 {
			t.Fatal(strings.Join(p, "\n"))
		}
		if p := checkMessage(options(r)); len(p) > 0 {
			t.Fatal(strings.Join(p, "\n"))
		}
	})
}

// FuzzViewSubmission decodes any submitted modal — any callback_id,
// private_metadata and field values, or a payload that is not a view at
// all — and answers it: never a panic, and the answer is either problems
// beside the fields or a view, within Slack's limits and pinging nobody.
func FuzzViewSubmission(f *testing.F) {
	f.Add(bot.ActionSuggest, `{"c":"C1"}`, "Lottery Ticket Hypothesis", "A network holds a small one.", "Paper — https://example.org", "")
	f.Add(bot.ActionReject, `{"s":"1"}`, "", "", "", "")
	f.Add(bot.ActionRevise, `{"s":"x"}`, "<!channel>", "@here", "Paper — javascript:alert(1)", "")
	f.Add("unknown", "not json", "\x00", "\u202e", "See also: @everyone", "")
	f.Add("", "", "", "", "", `{"type":"view_submission","view":{"callback_id":"suggest","state":{"values":{"title":{"title":{"value":7}}}}}}`)
	f.Add("", "", "", "", "", `{"type":"view_submission","view":{"callback_id":"suggest","state":{"values":{"title":null}}}}`)
	e := newEnvWith(f, ModeHTTP, false, bot.Config{CurationStore: bot.NewMemoryCuration(), Curation: bot.CurationConfig{MaxPending: 1 << 30}})
	f.Fuzz(func(t *testing.T, callback, meta, title, summary, sources, raw string) {
		payload := raw
		if payload == "" {
			payload = viewSubmission("U1", map[string]any{"callback_id": callback, "private_metadata": meta}, map[string]string{
				bot.FieldTitle: title, bot.FieldSummary: summary, bot.FieldSources: sources,
			})
		}
		w := e.serve(signed(testSecret, formType, interactionForm(payload)))
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest && w.Code != http.StatusUnauthorized {
			t.Fatalf("status %d", w.Code)
		}
		if w.Code != http.StatusOK || w.Body.Len() == 0 {
			return
		}
		var resp struct {
			Action string            `json:"response_action"`
			Errors map[string]string `json:"errors"`
			View   map[string]any    `json:"view"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
			t.Fatalf("answer is not JSON: %v", err)
		}
		switch resp.Action {
		case "errors":
			for name, msg := range resp.Errors {
				c := &checker{}
				c.max(name, msg, maxFieldError)
				c.broadcast(name, msg)
				if len(c.problems) > 0 {
					t.Fatal(strings.Join(c.problems, "\n"))
				}
			}
		case "update":
			if p := checkView(resp.View); len(p) > 0 {
				t.Fatal(strings.Join(p, "\n"))
			}
		default:
			t.Fatalf("response_action %q", resp.Action)
		}
		for len(e.a.outbox) > 0 {
			<-e.a.outbox
		}
	})
}
