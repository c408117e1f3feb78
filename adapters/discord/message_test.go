package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/glossary"
	"refbot/glossary/data"
)

const (
	linkChannel  = "4000000000000000004" // auto-link digest
	reactChannel = "4100000000000000041" // auto-link reaction
	quietChannel = "4200000000000000042" // not turned on
	selfID       = "9000000000000000009" // refbot, as the fake gateway's READY says
)

// autolinkAdapter is newAdapter with auto-linking on in linkChannel and
// reactChannel, the message-content intent requested and a fake clock.
func autolinkAdapter(t testing.TB, api *fakeAPI) (*Adapter, *bottest.Clock, bot.AutolinkStore) {
	t.Helper()
	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		t.Fatal(err)
	}
	clk := bottest.NewClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	store := bot.NewMemoryAutolink()
	b := bot.New(g, bot.Config{
		Autolink: bot.AutolinkConfig{Enabled: true, Channels: []bot.AutolinkChannel{
			{Platform: Name, Channel: linkChannel, Mode: bot.AutolinkDigest},
			{Platform: Name, Channel: reactChannel, Mode: bot.AutolinkReaction},
		}},
		AutolinkStore: store,
		Clock:         clk,
	})
	a, err := New(b, Config{
		Token: "test-token", ApplicationID: testApp, PublicKey: testKey.Public().(ed25519.PublicKey),
		MessageContent: true, Client: api.client(),
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return a, clk, store
}

// chatMessage is a MESSAGE_CREATE payload as the gateway sends it.
func chatMessage(id, channel, author, content string) *discordgo.Message {
	return &discordgo.Message{
		ID: id, ChannelID: channel, GuildID: "3000000000000000003", Content: content,
		Type: discordgo.MessageTypeDefault, Author: &discordgo.User{ID: author, Username: "ada"},
	}
}

// posts returns the messages refbot posted, and reactions it added.
func posts(api *fakeAPI) (messages, reactions []apiCall) {
	for _, c := range api.Calls() {
		switch {
		case c.Method == "POST" && strings.HasSuffix(c.Path, "/messages"):
			messages = append(messages, c)
		case c.Method == "PUT" && strings.Contains(c.Path, "/reactions/"):
			reactions = append(reactions, c)
		}
	}
	return messages, reactions
}

func TestMessageFilter(t *testing.T) {
	a, _, _ := autolinkAdapter(t, newFakeAPI(t))
	a.ready(&discordgo.Ready{User: &discordgo.User{ID: selfID}})
	ok := chatMessage("1", linkChannel, "5000000000000000005", "deceptive alignment")
	tests := []struct {
		name string
		mod  func(m *discordgo.Message)
		want bool
	}{
		{"a member's message", func(m *discordgo.Message) {}, true},
		{"a reply", func(m *discordgo.Message) { m.Type = discordgo.MessageTypeReply }, true},
		{"a bot", func(m *discordgo.Message) { m.Author.Bot = true }, false},
		{"a webhook", func(m *discordgo.Message) { m.WebhookID = "77" }, false},
		{"Discord itself", func(m *discordgo.Message) { m.Author.System = true }, false},
		{"refbot itself", func(m *discordgo.Message) { m.Author.ID = selfID }, false},
		{"a member joining", func(m *discordgo.Message) { m.Type = discordgo.MessageTypeGuildMemberJoin }, false},
		{"a pin notice", func(m *discordgo.Message) { m.Type = discordgo.MessageTypeChannelPinnedMessage }, false},
		{"a thread start", func(m *discordgo.Message) { m.Type = discordgo.MessageTypeThreadCreated }, false},
		{"no author", func(m *discordgo.Message) { m.Author = nil }, false},
		{"no text (an attachment)", func(m *discordgo.Message) { m.Content = "" }, false},
		{"no channel", func(m *discordgo.Message) { m.ChannelID = "" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := *ok
			author := *ok.Author
			m.Author = &author
			tt.mod(&m)
			req, got := a.messageRequest(&m)
			if got != tt.want {
				t.Fatalf("answered = %v, want %v", got, tt.want)
			}
			if got && (req.Kind != bot.Message || req.Platform != Name || req.Channel != linkChannel || req.User != m.Author.ID || req.Text != blankMarkup(m.Content) || req.Team != m.GuildID) {
				t.Errorf("request = %+v", req)
			}
		})
	}
	if _, got := a.messageRequest(nil); got {
		t.Error("a nil message was answered")
	}
}

// A burst of 100 messages about one term yields one link per cooldown;
// bots never trigger; an opted-out member is never linked.
func TestAutolinkBurst(t *testing.T) {
	api := newFakeAPI(t)
	a, clk, store := autolinkAdapter(t, api)
	ctx := context.Background()
	for i := range 100 {
		clk.Advance(time.Minute)
		m := chatMessage(fmt.Sprint(7000+i), linkChannel, fmt.Sprintf("50000000000000000%02d", i%10), "so is this deceptive alignment or not?")
		a.gatewayMessage(ctx, m)
	}
	msgs, _ := posts(api)
	if len(msgs) != 4 { // minutes 1, 31, 61 and 91
		t.Fatalf("100 messages over 100 minutes: %d replies, want 4", len(msgs))
	}
	for _, c := range msgs {
		if c.Path != "/api/v9/channels/"+linkChannel+"/messages" {
			t.Errorf("reply posted to %s", c.Path)
		}
	}

	for i := range 100 {
		clk.Advance(time.Hour)
		m := chatMessage(fmt.Sprint(8000+i), linkChannel, "6000000000000000006", "reward hacking and deceptive alignment")
		switch i % 3 {
		case 0:
			m.Author.Bot = true
		case 1:
			m.WebhookID = "66"
		case 2:
			m.Author.ID = selfID
			a.ready(&discordgo.Ready{User: &discordgo.User{ID: selfID}})
		}
		a.gatewayMessage(ctx, m)
	}
	if msgs, reacts := posts(api); len(msgs) != 4 || len(reacts) != 0 {
		t.Fatalf("bots, webhooks and refbot itself triggered %d replies and %d reactions", len(msgs)-4, len(reacts))
	}

	if err := store.SetUserOptedOut(ctx, Name, "5100000000000000051", true); err != nil {
		t.Fatal(err)
	}
	for i, ch := range []string{linkChannel, reactChannel, quietChannel} {
		clk.Advance(time.Hour)
		a.gatewayMessage(ctx, chatMessage(fmt.Sprint(9000+i), ch, "5100000000000000051", "Goodhart's law, [[RLHF]] and reward hacking"))
	}
	if msgs, reacts := posts(api); len(msgs) != 4 || len(reacts) != 0 {
		t.Fatalf("an opted-out member got %d replies and %d reactions", len(msgs)-4, len(reacts))
	}
}

func TestAutolinkReply(t *testing.T) {
	api := newFakeAPI(t)
	a, _, _ := autolinkAdapter(t, api)
	a.gatewayMessage(context.Background(), chatMessage("7100000000000000071", linkChannel, "5000000000000000005", "isn't this just deceptive alignment? or reward hacking"))
	msgs, _ := posts(api)
	if len(msgs) != 1 {
		t.Fatalf("%d replies, want 1", len(msgs))
	}
	d := checkSend(t, msgs[0].Body)
	if len(d.Embeds) != 1 || !strings.Contains(d.Embeds[0].Description, "[Deceptive Alignment](https://") || !strings.Contains(d.Embeds[0].Description, "Reward Hacking") {
		t.Errorf("digest = %+v", d.Embeds)
	}
	if len(d.Components) != 1 || len(d.Components[0].Components) != 2 || d.Components[0].Components[0].CustomID != "define:deceptive-alignment" {
		t.Errorf("buttons = %+v, want one per term opening its card", d.Components)
	}
	golden(t, "autolink.json", msgs[0].Body)

	// The card button answers the clicker privately.
	code, body := serve(t, a, signed(interaction(3, buttonData("define:deceptive-alignment")), time.Now()))
	if r := checkPayload(t, body); code != 200 || r.Data.Flags != 64 || len(r.Data.Embeds) != 1 || r.Data.Embeds[0].Title != "Deceptive Alignment" {
		t.Errorf("button: %d %s", code, body)
	}
}

// checkSend checks a posted message: every limit, no pings, and a reply
// to the member's message that notifies nobody.
func checkSend(t testing.TB, raw []byte) messageData {
	t.Helper()
	var d messageData
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, raw)
	}
	checkMessage(t, &d, raw)
	var ref struct {
		Reference *struct {
			MessageID       string `json:"message_id"`
			ChannelID       string `json:"channel_id"`
			FailIfNotExists *bool  `json:"fail_if_not_exists"`
		} `json:"message_reference"`
	}
	json.Unmarshal(raw, &ref)
	if ref.Reference == nil || ref.Reference.MessageID == "" || ref.Reference.FailIfNotExists == nil || *ref.Reference.FailIfNotExists {
		t.Errorf("message_reference = %+v, want the member's message, posted even if it was deleted", ref.Reference)
	}
	if d.Content != "" && strings.Contains(d.Content, "@") {
		t.Errorf("content %q", d.Content)
	}
	return d
}

func TestAutolinkReaction(t *testing.T) {
	api := newFakeAPI(t)
	a, _, _ := autolinkAdapter(t, api)
	a.gatewayMessage(context.Background(), chatMessage("7200000000000000072", reactChannel, "5000000000000000005", "Goodhart's law strikes again"))
	msgs, reacts := posts(api)
	if len(msgs) != 0 || len(reacts) != 1 {
		t.Fatalf("%d replies and %d reactions, want one reaction", len(msgs), len(reacts))
	}
	want := "/api/v9/channels/" + reactChannel + "/messages/7200000000000000072/reactions/" + bot.ReactBook + "/@me"
	if p, _ := url.PathUnescape(reacts[0].Path); p != want {
		t.Errorf("reaction %s, want %s", p, want)
	}
	// [[term]] asks for a link, so it gets one even here.
	a.gatewayMessage(context.Background(), chatMessage("7300000000000000073", reactChannel, "5000000000000000005", "what is [[RLHF]]?"))
	if msgs, _ := posts(api); len(msgs) != 1 {
		t.Errorf("an explicit [[term]] in a reaction channel: %d replies, want 1", len(msgs))
	}
}

// End to end over the fake gateway: the message-content intent is
// requested, and a member's MESSAGE_CREATE gets a reply.
func TestGatewayAutolink(t *testing.T) {
	api := newFakeAPI(t)
	m := chatMessage("7400000000000000074", linkChannel, "5000000000000000005", "we discussed mesa-optimization today")
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	api.gatewayMessages = [][]byte{raw}
	a, _, _ := autolinkAdapter(t, api)
	runGateway(t, a)
	id := <-api.identify
	if want := int(discordgo.IntentsGuildMessages | discordgo.IntentMessageContent); id.D.Intents != want {
		t.Errorf("intents = %d, want %d (guild messages and their content)", id.D.Intents, want)
	}
	c := api.waitCall(t, "/channels/"+linkChannel+"/messages")
	d := checkSend(t, c.Body)
	if len(d.Embeds) != 1 || !strings.Contains(d.Embeds[0].Description, "Mesa-Optimization") {
		t.Errorf("reply = %s", c.Body)
	}
}

// Without auto-linking no intent is requested, so a server needs no
// privileged switch (TestGatewayAnswersACommand checks intents 0).

func TestDigestHostile(t *testing.T) {
	m := chatMessage("1", linkChannel, "5", "x")
	for _, s := range hostile {
		name := s
		if len(name) > 24 {
			name = name[:24]
		}
		t.Run(name, func(t *testing.T) {
			var links []bot.Link
			for i := range bot.MaxAutolinks {
				links = append(links, bot.Link{
					ID: fmt.Sprintf("id-%d-%s", i, strings.Repeat("i", i*12)), Title: s, Line: s, Text: s,
					URL: []string{s, "https://example.org/" + s, "https://example.org/" + strings.Repeat("p", len(s)%3000)}[i%3],
				})
			}
			for _, n := range []int{1, 3, len(links)} {
				msg := digest(links[:n], m)
				msg.AllowedMentions = noMentions() // as send sets it
				raw := mustJSON(t, msg)
				d := checkSend(t, raw)
				if len(d.Embeds) != 1 || d.Embeds[0].Footer == nil {
					t.Errorf("%d links: embeds %+v", n, d.Embeds)
				}
				if len(d.Components) > 2 {
					t.Errorf("%d links: %d rows of buttons, want at most 2", n, len(d.Components))
				}
			}
		})
	}
}

// The digest of every default entry keeps Discord's limits.
func TestDigestEveryEntry(t *testing.T) {
	api := newFakeAPI(t)
	a, clk, _ := autolinkAdapter(t, api)
	es := a.bot.Glossary().Entries()
	for i := 0; i < len(es); i += 3 {
		var b strings.Builder
		for _, e := range es[i:min(i+3, len(es))] {
			b.WriteString("[[" + e.ID + "]] ")
		}
		clk.Advance(time.Hour)
		a.gatewayMessage(context.Background(), chatMessage(fmt.Sprint(100+i), linkChannel, "5000000000000000005", b.String()))
	}
	msgs, _ := posts(api)
	if want := (len(es) + 2) / 3; len(msgs) != want {
		t.Errorf("%d replies, want %d", len(msgs), want)
	}
	for _, c := range msgs {
		checkSend(t, c.Body)
	}
}

func TestAutolinkCommandPermissions(t *testing.T) {
	api := newFakeAPI(t)
	a, _, store := autolinkAdapter(t, api)
	withPerms := func(perms string, text string) []byte {
		var m map[string]any
		json.Unmarshal(interaction(2, commandData("autolink", stringOpt("setting", text, false))), &m)
		m["channel_id"] = quietChannel
		if perms != "" {
			m["member"].(map[string]any)["permissions"] = perms
		}
		b, _ := json.Marshal(m)
		return b
	}
	tests := []struct {
		name, perms, text, want string
		ephemeral               bool
	}{
		{"a member without Manage Channels", "1024", "on", "Only people with the Manage Channels permission", true},
		{"anyone may ask the state", "0", "", "off in this channel", true},
		{"anyone may opt out", "0", "me off", "will not read", true},
		{"Manage Channels turns it on", "16", "on", "Auto-linking is on in this channel (digest)", false},
		{"an administrator turns it off", "8", "off", "now off", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := serve(t, a, signed(withPerms(tt.perms, tt.text), time.Now()))
			r := checkPayload(t, body)
			if code != 200 || !strings.Contains(r.Data.Content, tt.want) {
				t.Errorf("%d %q, want %q", code, r.Data.Content, tt.want)
			}
			if got := r.Data.Flags&64 != 0; got != tt.ephemeral {
				t.Errorf("ephemeral = %v, want %v", got, tt.ephemeral)
			}
		})
	}
	// Without a member the interaction is a DM or a group DM: refbot reads
	// neither, so auto-linking is not switched on there, whoever asks; the
	// interaction's context says which (issue 12.5). An opt-out is the
	// user's own and works anywhere.
	dm := func(context int, text string) []byte {
		var m map[string]any
		json.Unmarshal(interaction(2, commandData("autolink", stringOpt("setting", text, false))), &m)
		delete(m, "member")
		delete(m, "guild_id")
		m["channel_id"] = "7000000000000000007"
		m["user"] = map[string]any{"id": "5000000000000000005", "username": "ada"}
		if context >= 0 {
			m["context"] = context
		}
		b, _ := json.Marshal(m)
		return b
	}
	for _, tt := range []struct {
		name    string
		context int
		text    string
		want    string
	}{
		{"a DM with refbot", 1, "on", "refbot does not read direct or group messages"},
		{"a group DM or another DM", 2, "on", "refbot does not read direct or group messages"},
		{"a DM, no context given", -1, "on", "refbot does not read direct or group messages"},
		{"off in a group DM", 2, "off", "refbot does not read direct or group messages"},
		{"the state in a DM", 1, "", "refbot does not read direct or group messages"},
		{"opting out in a DM", 1, "me off", "will not read"},
	} {
		_, body := serve(t, a, signed(dm(tt.context, tt.text), time.Now()))
		r := checkPayload(t, body)
		if !strings.Contains(r.Data.Content, tt.want) || strings.Contains(r.Data.Content, "on in this channel") {
			t.Errorf("%s: %q, want %q", tt.name, r.Data.Content, tt.want)
		}
		if r.Data.Flags&64 == 0 {
			t.Errorf("%s: public reply %q", tt.name, r.Data.Content)
		}
	}
	if m, err := store.ChannelAutolink(context.Background(), Name, "7000000000000000007"); err != nil || m != bot.AutolinkUnset {
		t.Errorf("the DM's setting = %v, %v; want unset", m, err)
	}
}

// FuzzAutolinkMessage sends any message text through the filter, the
// core and the digest: whatever refbot would post keeps every limit and
// pings nobody.
func FuzzAutolinkMessage(f *testing.F) {
	for _, s := range hostile {
		if len(s) < 300 {
			f.Add("[[mesa optimisation]] deceptive alignment "+s, s)
		}
	}
	api := newFakeAPI(f)
	a, clk, _ := autolinkAdapter(f, api)
	m := chatMessage("1", linkChannel, "5000000000000000005", "")
	f.Fuzz(func(t *testing.T, content, s string) {
		clk.Advance(time.Hour)
		m.Content = content
		req, ok := a.messageRequest(m)
		if !ok {
			return
		}
		reply, err := a.bot.Handle(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		// And the same reply with s in every field a glossary file feeds.
		hostileLinks := append([]bot.Link(nil), reply.Links...)
		for i := range hostileLinks {
			hostileLinks[i].Title, hostileLinks[i].Line, hostileLinks[i].URL = s, s, s
		}
		for _, ls := range [][]bot.Link{reply.Links, hostileLinks} {
			if len(ls) == 0 {
				continue
			}
			msg := digest(ls, m)
			msg.AllowedMentions = noMentions()
			checkSend(t, mustJSON(t, msg))
		}
	})
}
