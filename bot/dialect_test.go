package bot_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"refbot/bot"
)

// umbrella spells commands as Slack does: only /define has a slash
// command of its own.
func umbrella(name string) string {
	if name == bot.CommandDefine {
		return "/define"
	}
	return "/refbot " + name
}

// The core writes commands and managers the way the asking platform says
// them, and names no platform of its own accord.
func TestDialect(t *testing.T) {
	b, _, _ := autolinkBot(t, func(c *bot.Config) {
		c.Autolink.Channels = append(c.Autolink.Channels, bot.AutolinkChannel{Platform: "slack", Channel: "C9"})
	})
	d := bot.Dialect{Command: umbrella, Managers: "workspace admins and owners"}
	tests := []struct {
		command, text string
		want          []string
	}{
		{"stats", "", []string{"Statistics count /define, /refbot related and /refbot reading TERM"}},
		{"define", "", []string{"Usage: /define TERM", "For example: /define mesa optimisation"}},
		{"search", "", []string{"Usage: /refbot search QUERY", "For example: /refbot search two AIs argue"}},
		{"define", "qwertyuiop zxcvb", []string{"Try /refbot search with a description"}},
		{"autolink", "on", []string{"Only workspace admins and owners can turn", "/refbot autolink me off"}},
		{"autolink", "", []string{"Workspace admins and owners can turn it on with /refbot autolink on (/refbot autolink on reaction"}},
		{"autolink", "me off", []string{"/define still works", "/refbot autolink me on"}},
		{"autolink", "maybe", []string{"Usage: /refbot autolink shows"}},
		{"reading", "list", []string{"/refbot reading next posts step 1"}},
		{"reading", "where", []string{"/refbot reading next posts"}},
	}
	for _, tc := range tests {
		req := bot.Request{Platform: "slack", Channel: "C5", User: "U1", Kind: bot.Command, Command: tc.command, Text: tc.text, Dialect: d}
		r, err := b.Handle(context.Background(), req)
		if err != nil {
			t.Fatalf("%s %q: %v", tc.command, tc.text, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.Notice, w) {
				t.Errorf("%s %q: notice %q lacks %q", tc.command, tc.text, r.Notice, w)
			}
		}
		for _, never := range []string{"Slack", "Discord", "Manage Channels", "/search", "/autolink"} {
			if strings.Contains(strings.ReplaceAll(r.Notice, "/refbot ", "/refbot_"), never) {
				t.Errorf("%s %q: notice %q names %q", tc.command, tc.text, r.Notice, never)
			}
		}
	}
	// Button actions answer in the dialect too.
	r, _ := b.Handle(context.Background(), bot.Request{Platform: "slack", Kind: bot.Action, Command: "gone", Text: "x", Dialect: d})
	if !strings.Contains(r.Notice, "Try /refbot help") {
		t.Errorf("unknown action: notice %q, want /refbot help", r.Notice)
	}
	// On a channel that links by reaction, the card is a command away.
	r, _ = b.Handle(context.Background(), bot.Request{Platform: "slack", Channel: "C2", User: "U1", Kind: bot.Command, Command: "autolink", Dialect: d})
	if !strings.Contains(r.Notice, "use /define for the card") {
		t.Errorf("status of a reaction channel: %q", r.Notice)
	}
}

// The core asks whether the user may manage the channel only for a
// command that changes it, and not at all when auto-linking is off.
func TestCanManageIsAskedLazily(t *testing.T) {
	tests := []struct {
		name    string
		enabled bool
		command string
		text    string
		asks    int32
	}{
		{"status", true, "autolink", "", 0},
		{"status word", true, "autolink", "status", 0},
		{"opt out", true, "autolink", "me off", 0},
		{"define", true, "define", "mesa", 0},
		{"bad usage", true, "autolink", "sideways", 0},
		{"on", true, "autolink", "on", 1},
		{"off", true, "autolink", "off", 1},
		{"style", true, "autolink", "reaction", 1},
		{"on through the umbrella", true, "refbot", "autolink on digest", 1},
		{"on while auto-linking is disabled", false, "autolink", "on", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, _, _ := autolinkBot(t, func(c *bot.Config) { c.Autolink.Enabled = tc.enabled })
			var asked atomic.Int32
			req := bot.Request{Platform: "slack", Channel: "C5", User: "U1", Kind: bot.Command, Command: tc.command, Text: tc.text,
				CanManage: func(context.Context) bool { asked.Add(1); return true }}
			if _, err := b.Handle(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			if got := asked.Load(); got != tc.asks {
				t.Errorf("CanManage asked %d times, want %d", got, tc.asks)
			}
		})
	}
}

// /help says commands also work as /refbot COMMAND only where they do:
// the dialect says so (issue 12.13; not on Discord).
func TestHelpUmbrellaPerDialect(t *testing.T) {
	b := newBot(t, bot.Config{})
	for _, tt := range []struct {
		name string
		d    bot.Dialect
		want bool
	}{
		{"slash commands only (Discord)", bot.Dialect{}, false},
		{"the umbrella too (the console)", bot.Dialect{Umbrella: true}, true},
		{"the umbrella (Slack)", bot.Dialect{Command: umbrella, Umbrella: true}, true},
	} {
		r, err := b.Handle(context.Background(), bot.Request{Kind: bot.Command, Command: "help", Dialect: tt.d})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(r.Notice, "/refbot COMMAND"); got != tt.want {
			t.Errorf("%s: help notice %q; mentions /refbot COMMAND = %v, want %v", tt.name, r.Notice, got, tt.want)
		}
	}
}
