package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/glossary"
	"refbot/glossary/data"
)

// Fake users for users.info: admins and owners may change a channel.
const (
	testAdmin  = "UADMIN"
	testOwner  = "UOWNER"
	testBroken = "UBROKEN" // users.info fails
)

// usersInfoCalls counts users.info calls across the fakes of a test binary.
var usersInfoCalls atomic.Int32

func (f *fakeAPI) usersInfo(w http.ResponseWriter, user string) {
	usersInfoCalls.Add(1)
	if user == testBroken {
		fmt.Fprint(w, `{"ok":false,"error":"missing_scope"}`)
		return
	}
	fmt.Fprintf(w, `{"ok":true,"user":{"id":%q,"name":"x","is_admin":%v,"is_owner":%v}}`, user, user == testAdmin, user == testOwner)
}

// autolinkEnv is an adapter whose core auto-links channel C1 (digest)
// and C2 (reaction), with a fake clock. Run is not started: tests take
// queued posts from the outbox and run them.
func autolinkEnv(t *testing.T) (*env, *bottest.Clock, *bot.MemoryAutolink) {
	clk := bottest.NewClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	store := bot.NewMemoryAutolink()
	e := newEnvWith(t, ModeHTTP, false, bot.Config{
		Autolink: bot.AutolinkConfig{Enabled: true, Channels: []bot.AutolinkChannel{
			{Platform: platformName, Channel: "C1", Mode: bot.AutolinkDigest},
			{Platform: platformName, Channel: "C2", Mode: bot.AutolinkReaction},
		}},
		AutolinkStore: store,
		Clock:         clk,
	})
	return e, clk, store
}

func messageEvent(channel, user, text, ts string, extra map[string]any) map[string]any {
	m := map[string]any{"type": "message", "channel": channel, "user": user, "text": text, "ts": ts, "event_ts": ts, "channel_type": "channel"}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// flush runs the queued jobs and returns what they posted to the fake Web
// API. A job's calls are answered before it returns, so what it posted is
// already in e.api.posts.
func flush(t *testing.T, e *env) []url.Values {
	t.Helper()
	var out []url.Values
	for len(e.a.outbox) > 0 {
		j := <-e.a.outbox
		if err := j.run(context.Background()); err != nil {
			t.Fatalf("%s: %v", j.what, err)
		}
	}
	for len(e.api.posts) > 0 {
		out = append(out, <-e.api.posts)
	}
	return out
}

// replies answers conversations.replies from f.thread: the messages at
// or before latest, as Slack does with inclusive=true.
func (f *fakeAPI) replies(w http.ResponseWriter, form url.Values) {
	msgs, _ := f.thread.Load().([]map[string]any)
	var out []map[string]any
	for _, m := range msgs {
		if m["ts"].(string) <= form.Get("latest") {
			out = append(out, m)
		}
	}
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "messages": out, "has_more": false})
}

func TestAutolinkMessages(t *testing.T) {
	e, clk, store := autolinkEnv(t)
	if err := store.SetUserOptedOut(context.Background(), platformName, "UOUT", true); err != nil {
		t.Fatal(err)
	}
	const ts = "1700000000.000100"
	tests := []struct {
		name   string
		inner  map[string]any
		method string // "" for nothing posted
		thread string
		want   []string // in blocks
	}{
		{"a member mentions a term", messageEvent("C1", "U1", "isn't this just deceptive alignment?", ts, nil),
			"chat.postMessage", ts, []string{"Deceptive Alignment", `"value":"deceptive-alignment"`, "/refbot autolink me off"}},
		{"in a thread: the reply joins it", messageEvent("C1", "U1", "and inner alignment?", ts, map[string]any{"thread_ts": "1699999999.000001"}),
			"chat.postMessage", "1699999999.000001", []string{"Inner Alignment"}},
		{"a thread reply sent to the channel too", messageEvent("C1", "U1", "outer alignment", ts, map[string]any{"subtype": "thread_broadcast", "thread_ts": "1699999999.000001"}),
			"chat.postMessage", "1699999999.000001", []string{"Outer Alignment"}},
		{"a reaction channel", messageEvent("C2", "U1", "mesa optimisation", ts, nil), "reactions.add", "", nil},
		{"[[term]] in a channel that is off", messageEvent("C3", "U1", "what is [[mesa optimisation]]?", ts, nil),
			"chat.postMessage", ts, []string{"Mesa-Optimization"}},
		{"a channel that is off", messageEvent("C3", "U1", "deceptive alignment", ts, nil), "", "", nil},
		{"a bot message", messageEvent("C1", "", "deceptive alignment", ts, map[string]any{"subtype": "bot_message", "bot_id": "B1"}), "", "", nil},
		{"a bot user without a subtype", messageEvent("C1", "U9", "deceptive alignment", ts, map[string]any{"bot_id": "B9"}), "", "", nil},
		{"refbot itself", messageEvent("C1", testBotUser, "deceptive alignment", ts, nil), "", "", nil},
		{"an edit", messageEvent("C1", "U1", "", ts, map[string]any{"subtype": "message_changed", "message": map[string]any{"type": "message", "user": "U1", "text": "deceptive alignment", "ts": ts}}), "", "", nil},
		{"a deletion", messageEvent("C1", "", "", ts, map[string]any{"subtype": "message_deleted", "deleted_ts": ts}), "", "", nil},
		{"a join", messageEvent("C1", "U1", "<@U1> has joined the channel", ts, map[string]any{"subtype": "channel_join"}), "", "", nil},
		{"a message to refbot is an app_mention instead", messageEvent("C1", "U1", "<@UREFBOT> define deceptive alignment", ts, nil), "", "", nil},
		{"an opted-out member", messageEvent("C1", "UOUT", "deceptive alignment and [[inner alignment]]", ts, nil), "", "", nil},
		{"Slack markup is no mention", messageEvent("C1", "U1", "&gt; deceptive alignment\n`inner alignment` <https://example.org|outer alignment> :mesa-optimization:", ts, nil), "", "", nil},
		{"a term beside a mention", messageEvent("C1", "U1", "<@U2> R&amp;D on mesa optimisation?", ts, nil),
			"chat.postMessage", ts, []string{"Mesa-Optimization"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Advance(time.Hour)
			w := e.serve(signed(testSecret, jsonType, eventBody(fmt.Sprintf("EvM%d", i), tt.inner)))
			if w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
			posts := flush(t, e)
			if tt.method == "" {
				if len(posts) != 0 {
					t.Fatalf("posted %v, want nothing", posts)
				}
				return
			}
			if len(posts) != 1 || posts[0].Get("_method") != tt.method {
				t.Fatalf("posted %v, want one %s", posts, tt.method)
			}
			p := posts[0]
			if tt.method == "reactions.add" {
				if p.Get("name") != "book" || p.Get("channel") != tt.inner["channel"] || p.Get("timestamp") != ts {
					t.Errorf("reaction %v, want book on %s %s", p, tt.inner["channel"], ts)
				}
				return
			}
			if p.Get("channel") != tt.inner["channel"] || p.Get("thread_ts") != tt.thread {
				t.Errorf("posted to %s thread %q, want %s thread %q", p.Get("channel"), p.Get("thread_ts"), tt.inner["channel"], tt.thread)
			}
			for _, s := range tt.want {
				if !strings.Contains(p.Get("blocks"), s) {
					t.Errorf("reply lacks %q: %s", s, p.Get("blocks"))
				}
			}
			if p.Has("link_names") || p.Has("parse") || p.Get("unfurl_links") != "false" {
				t.Errorf("link_names/parse set or links unfurled: %v", p)
			}
			var blocks []any
			_ = json.Unmarshal([]byte(p.Get("blocks")), &blocks)
			if probs := checkMessage(map[string]any{"text": p.Get("text"), "blocks": blocks}); len(probs) > 0 {
				t.Error(strings.Join(probs, "\n"))
			}
		})
	}
}

// A burst of 100 messages about one term yields one link per cooldown,
// retries of an event are not answered twice, and bots never trigger.
func TestAutolinkBurst(t *testing.T) {
	e, clk, _ := autolinkEnv(t)
	posted := 0
	for i := range 100 {
		clk.Advance(time.Minute)
		body := eventBody(fmt.Sprintf("EvB%d", i), messageEvent("C1", fmt.Sprintf("U%d", i%9), "so deceptive alignment again?", fmt.Sprintf("1700000000.%06d", i), nil))
		for retry := range 2 { // every event delivered twice: a retry
			r := signed(testSecret, jsonType, body)
			if retry > 0 {
				r.Header.Set("X-Slack-Retry-Num", "1")
			}
			if w := e.serve(r); w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
		}
		posted += len(flush(t, e))
	}
	if posted != 4 { // minutes 1, 31, 61, 91
		t.Fatalf("100 messages over 100 minutes: %d replies, want 4", posted)
	}
	for i := range 100 {
		clk.Advance(time.Hour)
		inner := messageEvent("C1", "UBOT", "deceptive alignment", fmt.Sprintf("1700000001.%06d", i), map[string]any{"bot_id": "B1"})
		if i%2 == 0 {
			inner["subtype"] = "bot_message"
		}
		e.serve(signed(testSecret, jsonType, eventBody(fmt.Sprintf("EvBot%d", i), inner)))
	}
	if n := len(flush(t, e)); n != 0 {
		t.Fatalf("bot messages got %d replies", n)
	}
}

func TestAutolinkCommand(t *testing.T) {
	e, _, _ := autolinkEnv(t)
	tests := []struct {
		name, channel, user, text string
		want, responseType        string
		asks                      bool // users.info is called
	}{
		{"status needs no admin check", "C3", "U1", "autolink", "off in this channel", "ephemeral", false},
		{"opting out needs no admin check", "C3", "U1", "autolink me off", "/refbot autolink me on", "ephemeral", false},
		{"a member cannot turn it on", "C3", "U1", "autolink on", "Only workspace admins and owners can turn", "ephemeral", true},
		{"an admin can", "C3", testAdmin, "autolink on", "Auto-linking is on in this channel", "in_channel", true},
		{"an owner can turn it off", "C3", testOwner, "autolink off", "now off", "in_channel", true},
		// refbot reads no direct messages (the manifest asks for none), so
		// there is nothing to switch on there (issue 12.5).
		{"not in a direct message", "D1", "U1", "autolink on reaction", "does not read direct or group messages", "ephemeral", false},
		{"nor its state", "D1", "U1", "autolink", "does not read direct or group messages", "ephemeral", false},
		{"users.info failing means no", "C3", testBroken, "autolink on", "Only workspace admins and owners", "ephemeral", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form, _ := url.ParseQuery(slash("/refbot", tt.text, e.hooks.url()))
			form.Set("channel_id", tt.channel)
			form.Set("user_id", tt.user)
			before := usersInfoCalls.Load()
			w := e.serve(signed(testSecret, formType, form.Encode()))
			m := decode(t, w.Body.Bytes())
			if w.Code != 200 || !strings.Contains(w.Body.String(), tt.want) || m["response_type"] != tt.responseType {
				t.Errorf("%d %s: want %q, %s", w.Code, w.Body, tt.want, tt.responseType)
			}
			if strings.Contains(w.Body.String(), " /autolink") {
				t.Errorf("Slack has no /autolink command; want /refbot autolink: %s", w.Body)
			}
			if asked := usersInfoCalls.Load() > before; asked != tt.asks {
				t.Errorf("users.info called = %v, want %v", asked, tt.asks)
			}
		})
	}
	// With auto-linking disabled, nobody is checked: the answer is the same.
	off := newEnv(t, ModeHTTP, false)
	form, _ := url.ParseQuery(slash("/refbot", "autolink on", off.hooks.url()))
	form.Set("channel_id", "C3")
	form.Set("user_id", testAdmin)
	before := usersInfoCalls.Load()
	if w := off.serve(signed(testSecret, formType, form.Encode())); !strings.Contains(w.Body.String(), "autolink.enabled") {
		t.Errorf("autolink on with auto-linking disabled: %s", w.Body)
	}
	if usersInfoCalls.Load() != before {
		t.Error("users.info was called although auto-linking is disabled")
	}
}

func TestDigestGoldenAndLimits(t *testing.T) {
	r := bot.Reply{Visibility: bot.Public, Links: []bot.Link{
		{ID: "deceptive-alignment", Title: "Deceptive Alignment", URL: "https://arxiv.org/abs/1906.01820", Line: "A model that is not aligned behaves as if it were during training.", Text: "deceptive alignment"},
		{ID: "mesa-optimization", Title: "Mesa-Optimization", URL: "https://arxiv.org/abs/1906.01820", Line: "Training may produce a model that is itself an optimizer.", Explicit: true},
	}}
	raw, err := json.Marshal(digest(r))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "digest.json", raw)
	for _, s := range hostile() {
		var links []bot.Link
		for i := range bot.MaxAutolinks {
			links = append(links, bot.Link{ID: fmt.Sprintf("id-%d-%s", i, strings.Repeat("x", i*250)), Title: s, Line: s, Text: s,
				URL: []string{s, "https://example.org/" + s, "https://example.org/" + strings.Repeat("p", 2990)}[i%3]})
		}
		for _, n := range []int{1, 3, len(links)} {
			msg := digest(bot.Reply{Visibility: bot.Public, Links: links[:n]})
			if p := checkMessage(msg); len(p) > 0 {
				t.Errorf("%.30q, %d links: %s", s, n, strings.Join(p, "\n"))
			}
		}
	}
}

func TestManifestAutolink(t *testing.T) {
	cmds := bot.New(testGlossary(t), bot.Config{}).Commands()
	out, err := Manifest(cmds, ManifestOptions{URL: "https://refbot.example.org", Autolink: true})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "manifest-autolink.json", out)
	s := string(out)
	for _, want := range []string{`"message.channels"`, `"message.groups"`, `"channels:history"`, `"groups:history"`, `"reactions:write"`, `"users:read"`, `"app_mention"`} {
		if !strings.Contains(s, want) {
			t.Errorf("manifest lacks %s", want)
		}
	}
	for _, never := range []string{"message.im", "message.mpim", "im:history", "mpim:history"} {
		if strings.Contains(s, never) {
			t.Errorf("manifest asks for %s, which auto-linking does not need", never)
		}
	}
	plain, _ := Manifest(cmds, ManifestOptions{URL: "https://refbot.example.org"})
	for scope := range AutolinkScopes() {
		if strings.Contains(string(plain), `"`+scope+`"`) {
			t.Errorf("without auto-linking the manifest asks for %s", scope)
		}
	}
	for scope, why := range AutolinkScopes() {
		if why == "" {
			t.Errorf("scope %s has no reason", scope)
		}
	}
}

// FuzzAutolinkMessage sends any message text through the core and the
// digest: whatever refbot would post keeps Block Kit's limits and pings
// nobody, also with s in every field a glossary file feeds.
func FuzzAutolinkMessage(f *testing.F) {
	for _, s := range hostile() {
		if len(s) < 300 {
			f.Add("[[mesa optimisation]] deceptive alignment "+s, s)
		}
	}
	clk := bottest.NewClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	e := newEnvWith(f, ModeHTTP, false, bot.Config{
		Autolink: bot.AutolinkConfig{Enabled: true, Channels: []bot.AutolinkChannel{{Platform: platformName, Channel: "C1"}}},
		Clock:    clk,
	})
	f.Fuzz(func(t *testing.T, text, s string) {
		clk.Advance(time.Hour)
		reply := e.a.handle(context.Background(), e.ws(), bot.Request{Channel: "C1", User: "U1", Kind: bot.Message, Text: unescapeSlack(text)})
		hostileLinks := append([]bot.Link(nil), reply.Links...)
		for i := range hostileLinks {
			hostileLinks[i].Title, hostileLinks[i].Line, hostileLinks[i].URL = s, s, s
		}
		for _, ls := range [][]bot.Link{reply.Links, hostileLinks} {
			if len(ls) == 0 {
				continue
			}
			if p := checkMessage(digest(bot.Reply{Visibility: bot.Public, Links: ls})); len(p) > 0 {
				t.Fatal(strings.Join(p, "\n"))
			}
		}
	})
}

// Clicking refbot's 📖 shows the clicker the links, privately — only for
// messages refbot itself reacted to.
func TestAutolinkReactionClick(t *testing.T) {
	e, _, _ := autolinkEnv(t)
	const parent, reply, quiet = "1700000000.000100", "1700000000.000200", "1700000000.000300"
	book := func(users ...string) []any {
		return []any{map[string]any{"name": "book", "count": len(users), "users": users}}
	}
	e.api.thread.Store([]map[string]any{
		{"type": "message", "user": "U1", "text": "deceptive alignment again", "ts": parent, "thread_ts": parent, "reactions": book(testBotUser, "U2")},
		{"type": "message", "user": "U1", "text": "and Goodhart&#39;s law, inner alignment", "ts": reply, "thread_ts": parent, "reactions": book("U2", testBotUser)},
		{"type": "message", "user": "UOUT", "text": "outer alignment", "ts": quiet, "thread_ts": parent, "reactions": book("U2")},
	})
	click := func(user, reaction, ts string) map[string]any {
		return map[string]any{"type": "reaction_added", "user": user, "reaction": reaction, "item_user": "U1",
			"item": map[string]any{"type": "message", "channel": "C2", "ts": ts}, "event_ts": "1700000001.000000"}
	}
	tests := []struct {
		name   string
		inner  map[string]any
		thread string
		want   string
	}{
		{"a member clicks refbot's reaction", click("U2", "book", parent), parent, "Deceptive Alignment"},
		{"on a thread reply", click("U3", "book", reply), parent, "Inner Alignment"},
		{"refbot's own reaction", click(testBotUser, "book", parent), "", ""},
		{"another emoji", click("U2", "eyes", parent), "", ""},
		{"a 📖 refbot did not add (the author may have opted out)", click("U2", "book", quiet), "", ""},
		{"a message refbot cannot find", click("U2", "book", "1600000000.000001"), "", ""},
		{"not a message", map[string]any{"type": "reaction_added", "user": "U2", "reaction": "book", "item": map[string]any{"type": "file", "file": "F1"}}, "", ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w := e.serve(signed(testSecret, jsonType, eventBody(fmt.Sprintf("EvR%d", i), tt.inner))); w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
			posts := flush(t, e)
			if tt.want == "" {
				if len(posts) != 0 {
					t.Fatalf("posted %v", posts)
				}
				return
			}
			if len(posts) != 1 {
				t.Fatalf("posted %d messages, want 1", len(posts))
			}
			p := posts[0]
			if p.Get("_method") != "chat.postEphemeral" || p.Get("user") != tt.inner["user"] || p.Get("channel") != "C2" || p.Get("thread_ts") != tt.thread {
				t.Errorf("posted %s to %s in %s thread %q, want an ephemeral for %s in C2 thread %q", p.Get("_method"), p.Get("user"), p.Get("channel"), p.Get("thread_ts"), tt.inner["user"], tt.thread)
			}
			if !strings.Contains(p.Get("blocks"), tt.want) {
				t.Errorf("blocks lack %q: %s", tt.want, p.Get("blocks"))
			}
		})
	}
}

// Every entry of the embedded glossary fits a digest, three at a time.
func TestDigestDefaultGlossary(t *testing.T) {
	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(g, bot.Config{Autolink: bot.AutolinkConfig{Enabled: true}})
	es := g.Entries()
	for i := 0; i < len(es); i += 3 {
		var text strings.Builder
		for _, e := range es[i:min(i+3, len(es))] {
			text.WriteString("[[" + e.ID + "]] ")
		}
		r, err := b.Handle(context.Background(), bot.Request{Platform: platformName, Channel: "C1", User: "U1", Kind: bot.Message, Text: text.String()})
		if err != nil || len(r.Links) != min(3, len(es)-i) {
			t.Fatalf("%q: %d links, %v", text.String(), len(r.Links), err)
		}
		if p := checkMessage(digest(r)); len(p) > 0 {
			t.Errorf("%q:\n%s", text.String(), strings.Join(p, "\n"))
		}
	}
}

// Over Socket Mode a message event is acknowledged and its digest posted
// in the thread, as over HTTP.
func TestSocketModeAutolink(t *testing.T) {
	e := newEnvWith(t, ModeSocket, true, bot.Config{Autolink: bot.AutolinkConfig{Enabled: true,
		Channels: []bot.AutolinkChannel{{Platform: platformName, Channel: "C1"}}}})
	e.api.envelopes <- envelope("events_api", "m1", eventBody("EvSM1", messageEvent("C1", "U1", "is that outer alignment?", "1700000000.000500", nil)))
	if a := recv(t, e.api.acks, "the ack"); a["envelope_id"] != "m1" {
		t.Fatalf("ack %v", a)
	}
	got := recv(t, e.api.posts, "the digest")
	if got.Get("_method") != "chat.postMessage" || got.Get("thread_ts") != "1700000000.000500" || !strings.Contains(got.Get("blocks"), "Outer Alignment") {
		t.Errorf("posted %v", got)
	}
}
