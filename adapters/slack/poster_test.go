package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"refbot/bot"
	"refbot/glossary"
	"refbot/glossary/data"
)

func defaultBot(t testing.TB) *bot.Bot {
	t.Helper()
	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		t.Fatal(err)
	}
	return bot.New(g, bot.Config{})
}

// postedJSON is a chat.postMessage call as Slack would read it, for
// golden files: the form's blocks and metadata are JSON strings.
func postedJSON(t *testing.T, v url.Values) []byte {
	t.Helper()
	m := map[string]any{"channel": v.Get("channel"), "text": v.Get("text")}
	for _, k := range []string{"blocks", "metadata"} {
		if s := v.Get(k); s != "" {
			var x any
			if err := json.Unmarshal([]byte(s), &x); err != nil {
				t.Fatalf("%s is not JSON: %v", k, err)
			}
			m[k] = x
		}
	}
	if ts := v.Get("thread_ts"); ts != "" {
		m["thread_ts"] = ts
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// A scheduled prompt: the whole prompt in the channel, marked with its
// key, then a reply that opens the thread; Find sees it afterwards.
func TestPostScheduledPrompt(t *testing.T) {
	e := newEnv(t, ModeHTTP, false)
	b := defaultBot(t)
	reply, ok := b.StepReply("ai-safety-fundamentals", 2)
	if !ok {
		t.Fatal("no step 3")
	}
	ctx := context.Background()
	const key = "refbot/reading/slack/C1/ai-safety-fundamentals/cron/1773624600"
	if id, err := e.a.Find(ctx, "T1", "C1", key); err != nil || id != "" {
		t.Fatalf("Find before posting = %q, %v; want nothing", id, err)
	}
	id, err := e.a.Post(ctx, "T1", "C1", key, reply)
	if err != nil {
		t.Fatal(err)
	}
	if id != "1700000000.000200" {
		t.Errorf("Post returned %q, want the message's ts", id)
	}
	parent := recv(t, e.api.posts, "the prompt")
	golden(t, "prompt-scheduled.json", postedJSON(t, parent))
	var blocks any
	json.Unmarshal([]byte(parent.Get("blocks")), &blocks)
	if p := checkMessage(map[string]any{"text": parent.Get("text"), "blocks": blocks}); len(p) > 0 {
		t.Error(strings.Join(p, "\n"))
	}
	if parent.Get("thread_ts") != "" || parent.Get("channel") != "C1" {
		t.Errorf("prompt went to channel %q thread %q, want C1 itself", parent.Get("channel"), parent.Get("thread_ts"))
	}
	thread := recv(t, e.api.posts, "the thread reply")
	if thread.Get("thread_ts") != id || !strings.Contains(thread.Get("text"), "Discuss this reading here") {
		t.Errorf("thread reply = %v, want the discussion opener in the prompt's thread", thread)
	}
	for _, v := range []url.Values{parent, thread} {
		if v.Get("link_names") == "true" || v.Get("parse") == "full" {
			t.Errorf("post sets link_names or parse=full: %v", v)
		}
	}

	if got, err := e.a.Find(ctx, "T1", "C1", key); err != nil || got != id {
		t.Errorf("Find after posting = %q, %v; want %q", got, err, id)
	}
	if got, err := e.a.Find(ctx, "T1", "C1", key+"0"); err != nil || got != "" {
		t.Errorf("Find of another key = %q, %v; want nothing", got, err)
	}
	e.api.noHistory.Store(true)
	if got, err := e.a.Find(ctx, "T1", "C1", key); err != nil || got != "" {
		t.Errorf("Find without the history scope = %q, %v; want nothing, no error", got, err)
	}
	if !strings.Contains(e.logs.String(), "channels:history") {
		t.Errorf("the log does not say which scope to add:\n%s", e.logs)
	}
}

// /refbot reading asks for a public prompt: refbot posts it itself, to
// open a thread, and tells the asker so.
func TestReadingCommandOpensThread(t *testing.T) {
	e := newEnv(t, ModeHTTP, true)
	w := e.serve(signed(testSecret, formType, slash("/refbot", "reading mesa optimisation", e.hooks.url())))
	m := decode(t, w.Body.Bytes())
	if m["response_type"] != "ephemeral" || !strings.Contains(fmt.Sprint(m["text"]), "Posting the reading prompt") {
		t.Errorf("command answered %s, want a short ephemeral note", w.Body)
	}
	parent := recv(t, e.api.posts, "the prompt")
	if parent.Get("channel") != "C1" || !strings.Contains(parent.Get("blocks"), "Reading: Mesa-Optimization") || parent.Get("metadata") != "" {
		t.Errorf("prompt post = %v", parent)
	}
	golden(t, "prompt-term.json", postedJSON(t, parent))
	thread := recv(t, e.api.posts, "the thread reply")
	if thread.Get("thread_ts") != "1700000000.000200" {
		t.Errorf("thread reply = %v", thread)
	}
}

// Every step of the default curriculum and every entry's prompt keeps
// Block Kit's limits.
func TestPromptsWithinLimits(t *testing.T) {
	b := defaultBot(t)
	g := b.Glossary()
	var replies []bot.Reply
	for _, c := range g.Curricula() {
		for i := range c.Steps {
			r, _ := b.StepReply(c.ID, i)
			replies = append(replies, r)
		}
	}
	for _, e := range g.Entries() {
		r, err := b.Handle(context.Background(), bot.Request{Kind: bot.Command, Command: "reading", Text: e.ID})
		if err != nil || r.Prompt == nil {
			t.Fatalf("reading %s: %+v, %v", e.ID, r, err)
		}
		replies = append(replies, r)
	}
	for _, r := range replies {
		msg := render(r, renderOptions{})
		if p := checkMessage(msg); len(p) > 0 {
			t.Errorf("%s:\n%s", r.Prompt.Title, strings.Join(p, "\n"))
		}
		raw, _ := json.Marshal(msg)
		for _, want := range []string{"Readings", "Questions"} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("%s: rendering lacks %s", r.Prompt.Title, want)
			}
		}
	}
}

// The core's "/reading next" hints read as Slack's "/refbot reading next".
func TestReadingListInSlackSyntax(t *testing.T) {
	e := newEnv(t, ModeHTTP, false)
	w := e.serve(signed(testSecret, formType, slash("/refbot", "reading list", e.hooks.url())))
	if !strings.Contains(w.Body.String(), "or use /refbot reading TERM") { // the test glossary has no curriculum
		t.Errorf("reading list = %s, want the hint in /refbot syntax", w.Body)
	}
	if n := len(e.a.outbox); n != 0 {
		t.Errorf("reading list queued %d posts; it answers in the response body", n)
	}
}
