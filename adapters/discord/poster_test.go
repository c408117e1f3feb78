package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"refbot/bot"
)

const testChannel = "4000000000000000004"

// posterAdapter is an adapter on the fake whose log the test can read.
func posterAdapter(t *testing.T, api *fakeAPI) (*Adapter, *bytes.Buffer) {
	t.Helper()
	var log bytes.Buffer
	a, err := New(newBot(t), Config{Token: "test-token", ApplicationID: testApp, Client: api.client()}, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return a, &log
}

func TestPostScheduledPrompt(t *testing.T) {
	api := newFakeAPI(t)
	a, log := posterAdapter(t, api)
	reply, ok := a.bot.StepReply("ai-safety-fundamentals", 2)
	if !ok {
		t.Fatal("no step 3")
	}
	ctx := context.Background()
	const key = "refbot/reading/discord/4000000000000000004/ai-safety-fundamentals/cron/1773624600"
	id, err := a.Post(ctx, "", testChannel, key, reply)
	if err != nil {
		t.Fatal(err)
	}
	calls := api.Calls()
	if len(calls) != 2 {
		t.Fatalf("calls = %v, want the message and its thread", calls)
	}
	msg, thread := calls[0], calls[1]
	if msg.Method != "POST" || msg.Path != "/api/v9/channels/"+testChannel+"/messages" {
		t.Errorf("first call %s %s", msg.Method, msg.Path)
	}
	golden(t, "prompt-scheduled.json", msg.Body)
	var d messageData
	if err := json.Unmarshal(msg.Body, &d); err != nil {
		t.Fatal(err)
	}
	checkMessage(t, &d, msg.Body)
	if len(d.Embeds) != 1 || d.Embeds[0].Footer == nil || d.Embeds[0].Footer.Text != postTag(key) {
		t.Errorf("embed footer = %+v, want the post's tag", d.Embeds)
	}
	if thread.Path != "/api/v9/channels/"+testChannel+"/messages/"+id+"/threads" {
		t.Errorf("thread call %s %s, want on message %s", thread.Method, thread.Path, id)
	}
	var ts struct {
		Name    string `json:"name"`
		Archive int    `json:"auto_archive_duration"`
	}
	if err := json.Unmarshal(thread.Body, &ts); err != nil || !strings.HasPrefix(ts.Name, "Week 3: Inner alignment") || len([]rune(ts.Name)) > maxThreadName || ts.Archive != threadArchive {
		t.Errorf("thread = %s, %v", thread.Body, err)
	}

	if got, err := a.Find(ctx, "", testChannel, key); err != nil || got != id {
		t.Errorf("Find = %q, %v; want %q", got, err, id)
	}
	if got, err := a.Find(ctx, "", testChannel, key+"0"); err != nil || got != "" {
		t.Errorf("Find of another key = %q, %v; want nothing", got, err)
	}
	api.mu.Lock()
	api.noHistory = true
	api.mu.Unlock()
	if got, err := a.Find(ctx, "", testChannel, key); err != nil || got != "" {
		t.Errorf("Find without Read Message History = %q, %v; want nothing, no error", got, err)
	}
	if !strings.Contains(log.String(), "Read Message History") {
		t.Errorf("the log does not say which permission to give:\n%s", log)
	}
}

// Where refbot may not create threads the prompt is a plain message.
func TestPostWithoutThreadPermission(t *testing.T) {
	api := newFakeAPI(t)
	api.noThreads = true
	a, log := posterAdapter(t, api)
	reply, _ := a.bot.StepReply("ai-safety-fundamentals", 0)
	id, err := a.Post(context.Background(), "", testChannel, "k", reply)
	if err != nil || id == "" {
		t.Fatalf("Post = %q, %v; want the message posted", id, err)
	}
	if !strings.Contains(log.String(), "Create Public Threads") {
		t.Errorf("the log does not say what permission would add the thread:\n%s", log)
	}
}

// Every step of the default curriculum and every entry's prompt keeps
// Discord's limits, tag included.
func TestPromptsWithinLimits(t *testing.T) {
	b := newBot(t)
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
		d := checkScheduled(t, "refbot/reading/discord/1/x/cron/1", r)
		names := ""
		for _, f := range d.Embeds[0].Fields {
			names += f.Name + ","
		}
		if !strings.Contains(names, "Read,") || !strings.Contains(names, "Discuss,") || d.Embeds[0].Footer == nil {
			t.Errorf("%s: fields %s, footer %v; want Read, Discuss and the tag", r.Prompt.Title, names, d.Embeds[0].Footer)
		}
	}
}

// A hostile prompt still cannot ping and stays within limits.
func TestPostHostilePrompt(t *testing.T) {
	api := newFakeAPI(t)
	a, _ := posterAdapter(t, api)
	s := "@everyone <@123> " + strings.Repeat("x", 5000)
	r := bot.Reply{Visibility: bot.Public, Prompt: &bot.Prompt{
		Title: s, Summary: s, Questions: []string{s, s, s},
		Readings: []bot.Source{{Title: s, URL: "https://example.org/" + s}},
		Links:    []bot.Link{{Title: s, URL: "javascript:alert(1)"}, {Title: "ok", URL: "https://example.org/(x)"}},
	}}
	if _, err := a.Post(context.Background(), "", testChannel, "k", r); err != nil {
		t.Fatal(err)
	}
	call := api.Calls()[0]
	var d messageData
	json.Unmarshal(call.Body, &d)
	checkMessage(t, &d, call.Body)
	if strings.Contains(string(call.Body), "javascript:") {
		t.Errorf("a javascript: URL was linked: %s", call.Body)
	}
}

// /reading TERM over the gateway: the public prompt is the interaction's
// response, and refbot opens a thread on it.
func TestGatewayReadingOpensThread(t *testing.T) {
	api := newFakeAPI(t)
	api.dispatch = interaction(2, commandData("reading", stringOpt("what", "mesa optimisation", false)))
	a := newAdapter(t, api, nil)
	cancel, done := runGateway(t, a)
	<-api.identify
	cb := api.waitCall(t, "/callback")
	r := checkPayload(t, cb.Body)
	if r.Type != 4 || r.Data.Flags&64 != 0 || len(r.Data.Embeds) != 1 || r.Data.Embeds[0].Title != "Reading: Mesa-Optimization" {
		t.Errorf("callback = %s, want the public prompt", cb.Body)
	}
	api.waitCall(t, "/webhooks/"+testApp+"/interaction-token-secret/messages/@original")
	th := api.waitCall(t, "/messages/8000000000000000008/threads")
	if !strings.Contains(string(th.Body), `"name":"Reading: Mesa-Optimization"`) {
		t.Errorf("thread = %s", th.Body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}

// FuzzScheduledMessage: any prompt text becomes a scheduled post within
// Discord's limits that pings no one.
func FuzzScheduledMessage(f *testing.F) {
	for _, s := range hostile {
		if len(s) < 500 {
			f.Add(s, "refbot/reading/discord/1/c/cron/1")
		}
	}
	f.Fuzz(func(t *testing.T, s, key string) {
		r := bot.Reply{Visibility: bot.Public, Prompt: &bot.Prompt{
			Title: s, Summary: s, Questions: []string{s, s, s},
			Readings: []bot.Source{{Title: s, URL: "https://example.org/" + s, Authors: s, Year: 2024}},
			Terms:    []bot.Suggestion{{ID: s, Title: s}},
			Links:    []bot.Link{{ID: s, Title: s, URL: s}, {ID: "x", Title: s, URL: "https://example.org/?q=" + s}},
		}}
		checkScheduled(t, key, r)
	})
}

// checkScheduled renders r as a scheduled post, as send would send it,
// and checks the payload against Discord's limits.
func checkScheduled(t *testing.T, key string, r bot.Reply) messageData {
	t.Helper()
	m := scheduledMessage(key, r)
	m.AllowedMentions = &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var d messageData
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	checkMessage(t, &d, raw)
	return d
}
