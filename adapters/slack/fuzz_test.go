package slack

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack"
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
			msg := e.a.command(context.Background(), slack.SlashCommand{Command: cmd, Text: text, UserID: "U1"})
			if p := checkMessage(msg); len(p) > 0 {
				t.Fatal(strings.Join(p, "\n"))
			}
		}
	})
}

// FuzzMentionText parses mention text: every mention is taken out, and
// what follows refbot's is the end of the whole.
func FuzzMentionText(f *testing.F) {
	f.Add("<@UREFBOT> define mesa")
	f.Add("<@UREFBOT|refbot><@UREFBOT>help")
	f.Add("<@UOTHER> <@UREFBOT> define x")
	f.Add("hey <!here> <@UREFBOT> what is x?")
	f.Add("<@")
	e := newEnv(f, ModeHTTP, false)
	f.Fuzz(func(t *testing.T, text string) {
		after, whole := e.a.mentionText(text)
		if !strings.HasSuffix(whole, after) {
			t.Fatalf("mentionText(%q) = %q, %q: after is not the end of whole", text, after, whole)
		}
		if strings.Contains(text, "<@UREFBOT>") && (strings.Contains(after, "<@UREFBOT>") || strings.Contains(whole, "<@UREFBOT>")) {
			t.Fatalf("mentionText(%q) = %q, %q: refbot's mention is left", text, after, whole)
		}
		name, rest, ok := e.a.bot.ParseMention(after)
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
