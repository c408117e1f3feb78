package bot_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/bot/sqlite"
)

// newClock is a test clock at a fixed start.
func newClock() *bottest.Clock {
	return bottest.NewClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
}

func linkIDs(ls []bot.Link) string {
	ids := make([]string, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	return strings.Join(ids, " ")
}

// autolinkBot returns a bot with auto-linking on in slack channel "C1"
// (digest) and "C2" (reaction), a fake clock and a memory store.
func autolinkBot(t testing.TB, mod func(*bot.Config)) (*bot.Bot, *bottest.Clock, *bot.MemoryAutolink) {
	t.Helper()
	c, st := newClock(), bot.NewMemoryAutolink()
	cfg := bot.Config{
		Autolink: bot.AutolinkConfig{
			Enabled: true,
			Channels: []bot.AutolinkChannel{
				{Platform: "slack", Channel: "C1", Mode: bot.AutolinkDigest},
				{Platform: "slack", Channel: "C2", Mode: bot.AutolinkReaction},
			},
		},
		AutolinkStore: st,
		Clock:         c,
	}
	if mod != nil {
		mod(&cfg)
	}
	return newBot(t, cfg), c, st
}

func msg(channel, user, text string) bot.Request {
	return bot.Request{Platform: "slack", Channel: channel, User: user, Kind: bot.Message, Text: text}
}

func TestAutolinkPolicy(t *testing.T) {
	type step struct {
		after time.Duration // advance the clock first
		req   bot.Request
		want  string // linked entry ids in order, "" for no reply
		react string
	}
	tests := []struct {
		name  string
		mod   func(*bot.Config)
		setup func(t *testing.T, st *bot.MemoryAutolink)
		steps []step
	}{
		{name: "a mention in an auto-linking channel", steps: []step{
			{req: msg("C1", "U1", "isn't this just deceptive alignment?"), want: "deceptive-alignment"},
		}},
		{name: "a channel nobody turned on stays quiet", steps: []step{
			{req: msg("C9", "U1", "isn't this just deceptive alignment?")},
		}},
		{name: "the same channel id on another platform stays quiet", steps: []step{
			{req: bot.Request{Platform: "discord", Channel: "C1", User: "U1", Kind: bot.Message, Text: "deceptive alignment"}},
		}},
		{name: "the feature switched off reads nothing, not even [[term]]", mod: func(c *bot.Config) { c.Autolink.Enabled = false }, steps: []step{
			{req: msg("C1", "U1", "deceptive alignment")},
			{req: msg("C1", "U1", "[[deceptive alignment]]")},
		}},
		{name: "bots, webhooks and refbot itself never trigger", steps: []step{
			{req: bot.Request{Platform: "slack", Channel: "C1", User: "B1", Kind: bot.Message, Text: "deceptive alignment", FromBot: true}},
			{req: bot.Request{Platform: "slack", Channel: "C1", User: "B1", Kind: bot.Message, Text: "[[deceptive alignment]]", FromBot: true}},
		}},
		{name: "edits and deletions never trigger", steps: []step{
			{req: bot.Request{Platform: "slack", Channel: "C1", User: "U1", Kind: bot.Message, Text: "deceptive alignment", Edit: true}},
		}},
		{name: "a message without a channel is not a channel message", steps: []step{
			{req: bot.Request{Platform: "slack", User: "U1", Kind: bot.Message, Text: "deceptive alignment"}},
		}},
		{name: "at most three terms, in message order", steps: []step{
			{req: msg("C1", "U1", "reward hacking, Goodhart's law, inner alignment, outer alignment and RLHF"), want: "reward-hacking goodharts-law inner-alignment"},
		}},
		{name: "max_links is configurable", mod: func(c *bot.Config) { c.Autolink.MaxLinks = 1 }, steps: []step{
			{req: msg("C1", "U1", "reward hacking and Goodhart's law"), want: "reward-hacking"},
		}},
		{name: "max_links is capped", mod: func(c *bot.Config) { c.Autolink.MaxLinks = 1000 }, steps: []step{
			{req: msg("C1", "U1", "reward hacking, Goodhart's law, inner alignment, outer alignment, RLHF, corrigibility, instrumental convergence, orthogonality thesis, mesa-optimization, deceptive alignment, sycophancy, power-seeking"), want: "reward-hacking goodharts-law inner-alignment outer-alignment rlhf corrigibility instrumental-convergence orthogonality-thesis mesa-optimization deceptive-alignment"},
		}},
		{name: "each term once, at its first mention", steps: []step{
			{req: msg("C1", "U1", "deceptive alignment, deceptive alignment and more deceptive alignment"), want: "deceptive-alignment"},
		}},
		{name: "a term is not linked again within the cooldown", steps: []step{
			{req: msg("C1", "U1", "deceptive alignment"), want: "deceptive-alignment"},
			{after: time.Minute, req: msg("C1", "U2", "yes, deceptive alignment")},
			{after: 28 * time.Minute, req: msg("C1", "U2", "deceptive alignment again")},
			{after: time.Minute, req: msg("C1", "U3", "deceptive alignment, after half an hour"), want: "deceptive-alignment"},
		}},
		{name: "cooldowns are per channel", steps: []step{
			{req: msg("C1", "U1", "deceptive alignment"), want: "deceptive-alignment"},
			{req: msg("C2", "U1", "deceptive alignment"), want: "deceptive-alignment", react: bot.ReactBook},
		}},
		{name: "a term in cooldown leaves room for others", mod: func(c *bot.Config) { c.Autolink.MaxLinks = 1 }, steps: []step{
			{req: msg("C1", "U1", "reward hacking"), want: "reward-hacking"},
			{req: msg("C1", "U1", "reward hacking and Goodhart's law"), want: "goodharts-law"},
		}},
		{name: "the cooldown is configurable", mod: func(c *bot.Config) { c.Autolink.Cooldown = 5 * time.Minute }, steps: []step{
			{req: msg("C1", "U1", "deceptive alignment"), want: "deceptive-alignment"},
			{after: 5 * time.Minute, req: msg("C1", "U1", "deceptive alignment"), want: "deceptive-alignment"},
		}},
		{name: "reaction style", steps: []step{
			{req: msg("C2", "U1", "Goodhart's law again"), want: "goodharts-law", react: bot.ReactBook},
		}},
		{name: "[[term]] is answered in a channel that is off", steps: []step{
			{req: msg("C9", "U1", "what is [[mesa optimisation]] again? and deceptive alignment"), want: "mesa-optimization"},
		}},
		{name: "[[term]] in a reaction channel gets a digest", steps: []step{
			{req: msg("C2", "U1", "what is [[mesa optimisation]]?"), want: "mesa-optimization"},
		}},
		{name: "[[term]] skips the long cooldown but has a short one", steps: []step{
			{req: msg("C1", "U1", "mesa-optimization"), want: "mesa-optimization"},
			{req: msg("C1", "U2", "[[mesa-optimization]]"), want: "mesa-optimization"},
			{after: 30 * time.Second, req: msg("C1", "U3", "[[mesa-optimization]]")},
			{after: 30 * time.Second, req: msg("C1", "U3", "[[mesa-optimization]]"), want: "mesa-optimization"},
		}},
		{name: "[[term]] starts the ordinary cooldown", steps: []step{
			{req: msg("C1", "U1", "[[mesa-optimization]]"), want: "mesa-optimization"},
			{after: time.Minute, req: msg("C1", "U1", "mesa-optimization")},
		}},
		{name: "[[term]] comes first when there are too many", mod: func(c *bot.Config) { c.Autolink.MaxLinks = 2 }, steps: []step{
			{req: msg("C1", "U1", "reward hacking, Goodhart's law, inner alignment and [[RLHF]]"), want: "reward-hacking rlhf"},
		}},
		{name: "a term mentioned plainly and as [[term]] is one explicit link", steps: []step{
			{req: msg("C2", "U1", "RLHF, I mean [[RLHF]]"), want: "rlhf"},
		}},
		{name: "an opted-out user is never linked", setup: func(t *testing.T, st *bot.MemoryAutolink) {
			if err := st.SetUserOptedOut(context.Background(), "slack", "U1", true); err != nil {
				t.Fatal(err)
			}
		}, steps: []step{
			{req: msg("C1", "U1", "deceptive alignment")},
			{req: msg("C1", "U1", "[[deceptive alignment]]")},
			{req: msg("C1", "U2", "deceptive alignment"), want: "deceptive-alignment"},
		}},
		{name: "a channel's own choice beats the configuration", setup: func(t *testing.T, st *bot.MemoryAutolink) {
			ctx := context.Background()
			if err := st.SetChannelAutolink(ctx, "slack", "C1", bot.AutolinkOff); err != nil {
				t.Fatal(err)
			}
			if err := st.SetChannelAutolink(ctx, "slack", "C9", bot.AutolinkReaction); err != nil {
				t.Fatal(err)
			}
		}, steps: []step{
			{req: msg("C1", "U1", "deceptive alignment")},
			{req: msg("C9", "U1", "deceptive alignment"), want: "deceptive-alignment", react: bot.ReactBook},
		}},
		// Code, quotes and mentions are each adapter's to blank (see their
		// markup tests); a URL is plain text's own.
		{name: "links are not mentions", steps: []step{
			{req: msg("C1", "U1", "https://example.org/deceptive-alignment\nwww.example.org/inner-alignment")},
		}},
		{name: "a huge message is scanned up to a limit", steps: []step{
			{req: msg("C1", "U1", "deceptive alignment "+strings.Repeat("é", 30000)+" reward hacking"), want: "deceptive-alignment"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, clk, st := autolinkBot(t, tc.mod)
			if tc.setup != nil {
				tc.setup(t, st)
			}
			for i, s := range tc.steps {
				clk.Advance(s.after)
				r, err := b.Handle(context.Background(), s.req)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if got := linkIDs(r.Links); got != s.want {
					t.Errorf("step %d (%q): linked %q, want %q", i, s.req.Text, got, s.want)
				}
				if r.React != s.react {
					t.Errorf("step %d: react = %q, want %q", i, r.React, s.react)
				}
				if s.want == "" {
					if r.Notice != "" || r.Card != nil || len(r.Suggestions) != 0 {
						t.Errorf("step %d: a quiet message got %+v", i, r)
					}
					continue
				}
				if r.Visibility != bot.Public {
					t.Errorf("step %d: visibility %v, want public", i, r.Visibility)
				}
			}
		})
	}
}

func TestAutolinkLinkFields(t *testing.T) {
	b, _, _ := autolinkBot(t, nil)
	text := "is this Mesa-Optimisation or [[deceptive alignment]]?"
	r, err := b.Handle(context.Background(), msg("C1", "U1", text))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Links) != 2 {
		t.Fatalf("got %d links, want 2: %+v", len(r.Links), r.Links)
	}
	g := b.Glossary()
	for i, want := range []struct {
		id, text string
		explicit bool
	}{{"mesa-optimization", "Mesa-Optimisation", false}, {"deceptive-alignment", "deceptive alignment", true}} {
		l := r.Links[i]
		e, _ := g.Entry(want.id)
		if l.ID != want.id || l.Title != e.Title || l.URL != e.URL() || l.Text != want.text || l.Explicit != want.explicit {
			t.Errorf("link %d = %+v, want id %s, title %q, url %q, text %q, explicit %v", i, l, want.id, e.Title, e.URL(), want.text, want.explicit)
		}
		if l.Line == "" || len([]rune(l.Line)) > 160 || strings.Contains(l.Line, "\n") {
			t.Errorf("link %d line %q: want one line of at most 160 characters", i, l.Line)
		}
		if !strings.HasPrefix(e.Summary, strings.TrimSuffix(l.Line, "…")) {
			t.Errorf("link %d line %q is not the start of the summary %q", i, l.Line, e.Summary)
		}
	}
}

func TestAutolinkEveryEntryLine(t *testing.T) {
	b, clk, _ := autolinkBot(t, func(c *bot.Config) { c.Autolink.MaxLinks = 1 })
	for _, e := range b.Glossary().Entries() {
		clk.Advance(time.Hour)
		r, err := b.Handle(context.Background(), msg("C1", "U1", "[["+e.ID+"]]"))
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Links) != 1 || r.Links[0].ID != e.ID {
			t.Errorf("[[%s]] linked %q", e.ID, linkIDs(r.Links))
			continue
		}
		l := r.Links[0]
		if n := len([]rune(l.Line)); n == 0 || n > 160 {
			t.Errorf("%s: line of %d characters: %q", e.ID, n, l.Line)
		}
		if l.URL == "" {
			t.Errorf("%s: no URL", e.ID)
		}
	}
}

// A burst of 100 messages about one term in a busy channel yields one
// link per cooldown.
func TestAutolinkBurst(t *testing.T) {
	b, clk, _ := autolinkBot(t, nil)
	links := 0
	for i := range 100 {
		clk.Advance(time.Minute)
		r, err := b.Handle(context.Background(), msg("C1", fmt.Sprintf("U%d", i%7), "more about deceptive alignment"))
		if err != nil {
			t.Fatal(err)
		}
		links += len(r.Links)
	}
	// 100 minutes at one link per 30 minutes: minutes 1, 31, 61, 91.
	if links != 4 {
		t.Errorf("100 messages over 100 minutes got %d links, want 4", links)
	}
}

// The same burst delivered concurrently (retries, several processes)
// still links once.
func TestAutolinkConcurrentBurst(t *testing.T) {
	b, _, _ := autolinkBot(t, nil)
	var mu sync.Mutex
	links := 0
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			r, err := b.Handle(context.Background(), msg("C1", "U1", "deceptive alignment"))
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			links += len(r.Links)
			mu.Unlock()
		})
	}
	wg.Wait()
	if links != 1 {
		t.Errorf("100 concurrent messages got %d links, want 1", links)
	}
}

// failingStore fails the calls named in fail.
type failingStore struct {
	bot.AutolinkStore
	fail string
}

var errStore = errors.New("database is locked")

func (f failingStore) ChannelAutolink(ctx context.Context, p, c string) (bot.AutolinkMode, error) {
	if f.fail == "channel" {
		return 0, errStore
	}
	return f.AutolinkStore.ChannelAutolink(ctx, p, c)
}

func (f failingStore) SetChannelAutolink(ctx context.Context, p, c string, m bot.AutolinkMode) error {
	if f.fail == "setchannel" {
		return errStore
	}
	return f.AutolinkStore.SetChannelAutolink(ctx, p, c, m)
}

func (f failingStore) UserOptedOut(ctx context.Context, p, u string) (bool, error) {
	if f.fail == "user" {
		return false, errStore
	}
	return f.AutolinkStore.UserOptedOut(ctx, p, u)
}

func (f failingStore) SetUserOptedOut(ctx context.Context, p, u string, out bool) error {
	if f.fail == "setuser" {
		return errStore
	}
	return f.AutolinkStore.SetUserOptedOut(ctx, p, u, out)
}

func (f failingStore) TakeCooldown(ctx context.Context, p, c, term string, now time.Time, d time.Duration) (bool, error) {
	if f.fail == "cooldown" {
		return false, errStore
	}
	return f.AutolinkStore.TakeCooldown(ctx, p, c, term, now, d)
}

// A store that fails never makes refbot link without its checks, and
// never shows the error to the channel.
func TestAutolinkStoreErrors(t *testing.T) {
	for _, fail := range []string{"channel", "user", "cooldown"} {
		t.Run(fail, func(t *testing.T) {
			b, _, _ := autolinkBot(t, func(c *bot.Config) {
				c.AutolinkStore = failingStore{AutolinkStore: bot.NewMemoryAutolink(), fail: fail}
			})
			r, err := b.Handle(context.Background(), msg("C1", "U1", "deceptive alignment and [[RLHF]]"))
			if !errors.Is(err, errStore) {
				t.Errorf("err = %v, want the store's error for the log", err)
			}
			if len(r.Links) != 0 || r.Notice != "" {
				t.Errorf("got %+v, want a quiet reply", r)
			}
		})
	}
	for _, tc := range []struct{ fail, text string }{{"setchannel", "on"}, {"setuser", "me off"}} {
		t.Run(tc.fail, func(t *testing.T) {
			b, _, _ := autolinkBot(t, func(c *bot.Config) {
				c.AutolinkStore = failingStore{AutolinkStore: bot.NewMemoryAutolink(), fail: tc.fail}
			})
			r, err := b.Handle(context.Background(), bot.Request{Platform: "slack", Channel: "C1", User: "U1", CanManage: may(true), Kind: bot.Command, Command: "autolink", Text: tc.text})
			if !errors.Is(err, errStore) {
				t.Errorf("err = %v, want the store's error for the log", err)
			}
			if !strings.Contains(r.Notice, "Try again") || strings.Contains(r.Notice, "locked") {
				t.Errorf("notice %q: want a user-safe retry hint without the detail", r.Notice)
			}
		})
	}
}

func TestAutolinkCommand(t *testing.T) {
	cmd := func(channel, user, text string, manage bool) bot.Request {
		return bot.Request{Platform: "discord", Channel: channel, User: user, Kind: bot.Command, Command: "autolink", Text: text, CanManage: may(manage)}
	}
	type step struct {
		req     bot.Request
		notice  []string // substrings the notice must hold
		public  bool
		message string // then this message in the same channel ...
		linked  string // ... links these
		react   string
	}
	tests := []struct {
		name  string
		mod   func(*bot.Config)
		steps []step
	}{
		{name: "status of an off channel", steps: []step{
			{req: cmd("D1", "U1", "", false), notice: []string{"off in this channel", "/autolink me off"}},
			{req: cmd("D1", "U1", "status", true), notice: []string{"off in this channel", "/autolink on"}},
		}},
		{name: "a member cannot turn a channel on", steps: []step{
			{req: cmd("D1", "U1", "on", false), notice: []string{"Only people who can manage this channel", "/autolink me off"}, message: "deceptive alignment"},
		}},
		{name: "a moderator turns it on, then off", steps: []step{
			{req: cmd("D1", "M1", "on", true), notice: []string{"on in this channel (digest)", "up to 3", "30 minutes", "/autolink me off"}, public: true, message: "deceptive alignment", linked: "deceptive-alignment"},
			{req: cmd("D1", "U1", "", false), notice: []string{"on in this channel (digest)", "/autolink me off"}},
			{req: cmd("D1", "M1", "OFF", true), notice: []string{"now off", "[[term]]"}, public: true, message: "reward hacking"},
		}},
		{name: "reaction style", steps: []step{
			{req: cmd("D1", "M1", "on reaction", true), notice: []string{"(reaction)", bot.ReactBook}, public: true, message: "deceptive alignment", linked: "deceptive-alignment", react: bot.ReactBook},
			{req: cmd("D1", "M1", "digest", true), notice: []string{"(digest)"}, public: true, message: "reward hacking", linked: "reward-hacking"},
			{req: cmd("D1", "M1", "reaction", true), notice: []string{"(reaction)"}, public: true},
		}},
		{name: "the default style is configurable", mod: func(c *bot.Config) { c.Autolink.Style = bot.AutolinkReaction }, steps: []step{
			{req: cmd("D1", "M1", "on", true), notice: []string{"(reaction)"}, public: true, message: "deceptive alignment", linked: "deceptive-alignment", react: bot.ReactBook},
		}},
		{name: "a member opts out and back in", steps: []step{
			{req: cmd("D1", "M1", "on", true), public: true},
			{req: cmd("D1", "U1", "me off", false), notice: []string{"will not read", "/define", "/autolink me on"}},
			{req: cmd("D1", "U1", "", false), notice: []string{"You opted out"}},
			{req: cmd("D1", "U1", "me on", false), notice: []string{"links again"}},
		}},
		{name: "status from the configuration", mod: func(c *bot.Config) {
			c.Autolink.Channels = []bot.AutolinkChannel{{Platform: "discord", Channel: "D1"}}
			c.Autolink.Cooldown = 2 * time.Hour
			c.Autolink.MaxLinks = 2
		}, steps: []step{
			{req: cmd("D1", "U1", "", false), notice: []string{"(digest)", "up to 2", "2 hours", "configuration"}},
		}},
		{name: "bad usage", steps: []step{
			{req: cmd("D1", "U1", "maybe", true), notice: []string{"Usage: /autolink", "me off"}},
			{req: cmd("D1", "U1", "on sideways", true), notice: []string{"Usage:"}},
			{req: cmd("D1", "U1", "me", true), notice: []string{"Usage:"}},
		}},
		{name: "not enabled", mod: func(c *bot.Config) { c.Autolink.Enabled = false }, steps: []step{
			{req: cmd("D1", "M1", "on", true), notice: []string{"autolink.enabled"}},
			{req: cmd("D1", "M1", "", true), notice: []string{"autolink.enabled"}},
		}},
		{name: "no channel", steps: []step{
			{req: cmd("", "M1", "on", true), notice: []string{"per channel"}},
		}},
		{name: "no user", steps: []step{
			{req: cmd("D1", "", "me off", true), notice: []string{"cannot tell who you are"}},
		}},
		{name: "the umbrella form works too", steps: []step{
			{req: bot.Request{Platform: "slack", Channel: "C5", User: "U1", Kind: bot.Command, Command: "refbot", Text: "autolink"}, notice: []string{"/autolink me off"}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, clk, _ := autolinkBot(t, tc.mod)
			for i, s := range tc.steps {
				clk.Advance(time.Hour)
				r, err := b.Handle(context.Background(), s.req)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				for _, want := range s.notice {
					if !strings.Contains(r.Notice, want) {
						t.Errorf("step %d (%q): notice %q lacks %q", i, s.req.Text, r.Notice, want)
					}
				}
				if got := r.Visibility == bot.Public; got != s.public {
					t.Errorf("step %d (%q): public = %v, want %v", i, s.req.Text, got, s.public)
				}
				if s.message == "" {
					continue
				}
				m := bot.Request{Platform: s.req.Platform, Channel: s.req.Channel, User: "U2", Kind: bot.Message, Text: s.message}
				r, err = b.Handle(context.Background(), m)
				if err != nil {
					t.Fatal(err)
				}
				if got := linkIDs(r.Links); got != s.linked || r.React != s.react {
					t.Errorf("step %d: then %q linked %q react %q, want %q react %q", i, s.message, got, r.React, s.linked, s.react)
				}
			}
		})
	}
}

// The opt-out holds across channels and platforms' channels alike.
func TestAutolinkOptOutEverywhere(t *testing.T) {
	b, clk, _ := autolinkBot(t, nil)
	ctx := context.Background()
	if _, err := b.Handle(ctx, bot.Request{Platform: "slack", Channel: "C1", User: "U1", Kind: bot.Command, Command: "autolink", Text: "me off"}); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []string{"C1", "C2", "C3"} {
		for _, text := range []string{"deceptive alignment", "[[RLHF]]", "reward hacking and Goodhart's law"} {
			clk.Advance(time.Hour)
			r, err := b.Handle(ctx, msg(ch, "U1", text))
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Links) != 0 || r.React != "" {
				t.Errorf("opted-out user in %s: %q linked %q", ch, text, linkIDs(r.Links))
			}
		}
	}
}

func TestAutolinkCommandInTable(t *testing.T) {
	b := newBot(t, bot.Config{})
	i := slices.IndexFunc(b.Commands(), func(c bot.CommandInfo) bool { return c.Name == "autolink" })
	if i < 0 {
		t.Fatal("autolink is not in the command table")
	}
	if name, text, ok := b.ParseCommand("/refbot autolink me off"); !ok || name != "autolink" || text != "me off" {
		t.Errorf("ParseCommand = %q %q %v", name, text, ok)
	}
}

// BenchmarkAutolink measures the policy path for one chat message (Handle
// with Kind Message, memory store) beside Scan alone on the same text.
func BenchmarkAutolink(b *testing.B) {
	const mention = "I reread the post on deceptive alignment last night; is it the same failure as reward hacking, or does it need a mesa-optimizer first?"
	const quiet = "I reread the post last night; is it the same failure as the one we discussed on Tuesday, or does it need something else first?"
	ctx := context.Background()
	for _, bc := range []struct {
		name    string
		text    string
		channel string
		advance time.Duration // per message: past the cooldown, or not
	}{
		{"linked", mention, "C1", time.Hour},
		{"cooldown", mention, "C1", 0},
		{"reaction", mention, "C2", time.Hour},
		{"no-mention", quiet, "C1", 0},
		{"channel-off", mention, "C9", 0},
	} {
		b.Run("Scan/"+bc.name, func(b *testing.B) {
			bt, _, _ := autolinkBot(b, nil)
			g := bt.Glossary()
			b.SetBytes(int64(len(bc.text)))
			b.ReportAllocs()
			for b.Loop() {
				_ = g.Scan(bc.text)
			}
		})
		b.Run("Handle/"+bc.name, func(b *testing.B) {
			bt, clk, _ := autolinkBot(b, nil)
			req := msg(bc.channel, "U1", bc.text)
			b.SetBytes(int64(len(bc.text)))
			b.ReportAllocs()
			for b.Loop() {
				clk.Advance(bc.advance)
				if _, err := bt.Handle(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The "links" action answers a click on refbot's reaction: the digest,
// only for the clicker, whatever the cooldown or the channel's setting.
func TestAutolinkLinksAction(t *testing.T) {
	b, _, _ := autolinkBot(t, nil)
	ctx := context.Background()
	text := "reward hacking, Goodhart's law, [[inner alignment]], outer alignment, reward hacking"
	if _, err := b.Handle(ctx, msg("C1", "U1", text)); err != nil { // takes the cooldowns
		t.Fatal(err)
	}
	act := func(channel, text string) bot.Reply {
		t.Helper()
		r, err := b.Handle(ctx, bot.Request{Platform: "slack", Channel: channel, User: "U2", Kind: bot.Action, Command: "links", Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := act("C1", text)
	if got := linkIDs(r.Links); got != "reward-hacking goodharts-law inner-alignment" || r.Visibility != bot.Ephemeral || r.React != "" {
		t.Errorf("links action = %q (visibility %v, react %q), want three links only for the clicker", got, r.Visibility, r.React)
	}
	if r := act("C9", "deceptive alignment"); linkIDs(r.Links) != "deceptive-alignment" {
		t.Errorf("in a channel that is off: %q", linkIDs(r.Links))
	}
	if r := act("C1", "nothing to see"); len(r.Links) != 0 || !strings.Contains(r.Notice, "/define") {
		t.Errorf("no term: %+v", r)
	}
	off := newBot(t, bot.Config{})
	r, err := off.Handle(ctx, bot.Request{Kind: bot.Action, Command: "links", Text: "deceptive alignment"})
	if err != nil || len(r.Links) != 0 || !strings.Contains(r.Notice, "autolink.enabled") {
		t.Errorf("feature off: %+v, %v", r, err)
	}
}

// Every choice the command table offers (Discord's menu) is understood.
func TestAutolinkChoicesParse(t *testing.T) {
	b, _, _ := autolinkBot(t, nil)
	for _, c := range b.Commands() {
		for _, a := range c.Args {
			for _, choice := range a.Choices {
				r, err := b.Handle(context.Background(), bot.Request{Platform: "discord", Channel: "D1", User: "U1", CanManage: may(true), Kind: bot.Command, Command: c.Name, Text: choice})
				if err != nil || strings.HasPrefix(r.Notice, "Usage:") {
					t.Errorf("/%s %s: %q, %v", c.Name, choice, r.Notice, err)
				}
			}
		}
	}
}

// BenchmarkAutolinkSQLite is the policy path with the SQLite store serve
// uses (a file in a temp dir, WAL, synchronous=FULL): what a message
// costs when the store is real.
func BenchmarkAutolinkSQLite(b *testing.B) {
	const mention = "I reread the post on deceptive alignment last night; is it the same failure as reward hacking, or does it need a mesa-optimizer first?"
	const quiet = "I reread the post last night; is it the same failure as the one we discussed on Tuesday, or does it need something else first?"
	for _, bc := range []struct {
		name, text, channel string
		advance             time.Duration
	}{
		{"linked", mention, "C1", time.Hour},
		{"cooldown", mention, "C1", 0},
		{"no-mention", quiet, "C1", 0},
		{"channel-off", mention, "C9", 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			store, err := sqlite.OpenDir(b.Context(), b.TempDir(), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			bt, clk, _ := autolinkBot(b, func(c *bot.Config) { c.AutolinkStore = store })
			req := msg(bc.channel, "U1", bc.text)
			b.ReportAllocs()
			for b.Loop() {
				clk.Advance(bc.advance)
				if _, err := bt.Handle(b.Context(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// may is a Request.CanManage that answers ok.
func may(ok bool) func(context.Context) bool {
	return func(context.Context) bool { return ok }
}

// A message that gets no link says why, for the console to show (issue
// 12.12): a cooldown is not "no term found".
func TestAutolinkSaysWhyNot(t *testing.T) {
	b, clk, st := autolinkBot(t, nil)
	ctx := context.Background()
	if err := st.SetUserOptedOut(ctx, "slack", "UOUT", true); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		req  bot.Request
		want string // "" means links
	}{
		{msg("C1", "U1", "deceptive alignment"), ""},
		{msg("C1", "U1", "deceptive alignment again"), "Linked here recently, so not again yet: Deceptive Alignment. A term is linked at most once every 30 minutes in a channel ([[term]] once a minute); /define TERM shows it any time."},
		{msg("C1", "U1", "[[deceptive alignment]]"), ""},
		{msg("C1", "U1", "[[deceptive alignment]]"), "Linked here recently, so not again yet: Deceptive Alignment."},
		{msg("C1", "U1", "banana bread"), "No glossary term in that line."},
		{msg("C9", "U1", "deceptive alignment"), "Auto-linking is off in this channel (/autolink on turns it on); [[term]] still asks for a link."},
		{msg("C9", "U1", "[[banana bread]]"), "Auto-linking is off in this channel, and no [[term]] in that line names a glossary entry."},
		{msg("C1", "UOUT", "inner alignment"), "You opted out, so refbot does not read your messages (/autolink me on to undo)."},
	}
	for i, s := range steps {
		clk.Advance(time.Second)
		r, err := b.Handle(ctx, s.req)
		if err != nil {
			t.Fatal(err)
		}
		if s.want == "" {
			if len(r.Links) == 0 || r.Unlinked != "" {
				t.Errorf("step %d: links %v, unlinked %q; want links", i, r.Links, r.Unlinked)
			}
			continue
		}
		if len(r.Links) != 0 || !strings.HasPrefix(r.Unlinked, s.want) {
			t.Errorf("step %d: links %v, unlinked %q; want %q", i, r.Links, r.Unlinked, s.want)
		}
	}
	off := newBot(t, bot.Config{})
	if r, _ := off.Handle(ctx, msg("C1", "U1", "deceptive alignment")); r.Unlinked != "Auto-linking is not enabled on this refbot." {
		t.Errorf("disabled: %q", r.Unlinked)
	}
}
