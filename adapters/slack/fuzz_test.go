package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
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
		after, whole := e.ws().mentionText(text)
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

// FuzzSocketMessage: whatever arrives on a Socket Mode socket — any
// envelope type, any payload — is handled without a panic, and nothing
// is written to a socket that has gone (its acks fail and are logged;
// a command's reply is queued for its response_url).
func FuzzSocketMessage(f *testing.F) {
	f.Add(`{"type":"hello","num_connections":1}`)
	f.Add(`{"type":"disconnect","reason":"refresh_requested"}`)
	f.Add(`{"type":"disconnect","reason":"warning"}`)
	f.Add(envelope("slash_commands", "e1", slashJSON("/define", "mesa", "https://hooks.example/1")))
	f.Add(envelope("slash_commands", "e2", `"not an object"`))
	f.Add(envelope("interactive", "e3", suggestionPayload("mes")))
	f.Add(envelope("interactive", "e4", buttonPayload("share:1", "mesa-optimization", "https://hooks.example/2", true)))
	f.Add(envelope("events_api", "e5", eventBody("Ev1", mentionEvent("<@UREFBOT> define mesa", "1.1", ""))))
	f.Add(envelope("events_api", "e6", `{"type":"event_callback","event":{"type":"message"}}`))
	f.Add(envelope("brand_new", "e7", `{}`))
	f.Add(`{"type":"slash_commands","payload":{}}`)
	f.Add(`[`)
	e := newEnv(f, ModeSocket, false)
	f.Fuzz(func(t *testing.T, msg string) {
		s := &socketRun{a: e.a, opts: SocketOptions{}.withDefaults(), events: make(chan socketEvent, 4)}
		c := newSocketConn(1, nil)
		c.dead.Store(true) // acks fail without touching a websocket
		s.message(t.Context(), c, []byte(msg))
		s.wg.Wait()
		for len(e.a.outbox) > 0 { // keep the queue from filling up
			<-e.a.outbox
		}
	})
}

// FuzzParseCallback: whatever the query, parseCallback returns without
// panicking, and what it accepts is only what Slack sends: each field
// once, in its own characters and length, and either an error or a code
// with a state.
func FuzzParseCallback(f *testing.F) {
	f.Add("code=1234.5678.abcdef&state=AbC-_123")
	f.Add("error=access_denied&state=AbC")
	f.Add("code=a&code=b&state=s")
	f.Add("code=%zz&state=x")
	f.Add("state=x;code=y")
	f.Add("")
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := parseCallback(raw)
		if err != nil {
			if c != (callback{}) {
				t.Fatalf("an error with a result: %+v", c)
			}
			return
		}
		q, qerr := url.ParseQuery(raw)
		if qerr != nil || len(raw) > maxQuery {
			t.Fatalf("accepted a query the URL parser refuses or too long: %q", raw)
		}
		for name, v := range map[string]string{"code": c.Code, "state": c.State, "error": c.Error} {
			if len(q[name]) > 1 || (v != "" && q.Get(name) != v) {
				t.Fatalf("%s = %q from %q", name, v, raw)
			}
		}
		if c.Error == "" && (c.Code == "" || c.State == "") {
			t.Fatalf("accepted neither an error nor a code and state: %+v", c)
		}
		if (c.Code != "" && !codeChars.MatchString(c.Code)) || (c.State != "" && !stateChars.MatchString(c.State)) || (c.Error != "" && !errorChars.MatchString(c.Error)) {
			t.Fatalf("accepted characters Slack never sends: %+v", c)
		}
	})
}

// FuzzOAuthRedirect serves the redirect handler any query and cookie: it
// never panics, answers 200 (a cancelled install) or 400 with a page,
// trades no code (a state the fuzzer makes is never signed), and echoes
// no markup.
func FuzzOAuthRedirect(f *testing.F) {
	f.Add("code=1.2.3&state=AAAA", "AAAA")
	f.Add("error=access_denied", "")
	f.Add("error=%3Cscript%3E", "x")
	f.Add("code=1.2.3&state="+strings.Repeat("A", 76), strings.Repeat("A", 76))
	f.Add("state=%22%3E%3Cb%3E&code=%3Cb%3E", "\"><b>")
	api := newFakeAPI(f)
	e := startOAuth(f, api, bot.NewMemoryInstallations(), newClock(), testKey, "")
	f.Fuzz(func(t *testing.T, query, cookie string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.URL.Path, r.URL.RawQuery = RedirectPath, query
		if cookie != "" {
			r.Header.Set("Cookie", stateCookie+"="+cookie)
		}
		w := e.serve(r)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("status %d for %q", w.Code, query)
		}
		if w.Code == http.StatusOK && !strings.Contains(w.Body.String(), "Cancel") {
			t.Fatalf("200 that is not the cancelled page, for %q", query)
		}
		if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || w.Header().Get("Content-Security-Policy") == "" {
			t.Fatalf("headers %v", w.Header())
		}
		if strings.Contains(w.Body.String(), "<script") || strings.Contains(w.Body.String(), "<b>") {
			t.Fatalf("markup from %q reached the page:\n%s", query, w.Body)
		}
		if n := api.exchanges(); n != 0 {
			t.Fatalf("%d codes traded", n)
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
