package main

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"refbot/bot"
)

func TestAutolinkConfig(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, `autolink:
  enabled: true
  style: reaction
  max_links: 5
  cooldown: 2h
  explicit_cooldown: 30s
  channels:
    - {platform: slack, channel: C0123ABCD}
    - {platform: discord, channel: "123456789012345678", style: digest}
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Autolink.core()
	want := bot.AutolinkConfig{
		Enabled: true, MaxLinks: 5, Cooldown: 2 * time.Hour, ExplicitCooldown: 30 * time.Second, Style: bot.AutolinkReaction,
		Channels: []bot.AutolinkChannel{
			{Platform: "slack", Channel: "C0123ABCD"},
			{Platform: "discord", Channel: "123456789012345678", Mode: bot.AutolinkDigest},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("core config\n%+v\nwant\n%+v", got, want)
	}
	if d := defaultConfig().Autolink; d.Enabled || d.MaxLinks != 3 || d.Cooldown != "30m" || d.Style != "digest" {
		t.Errorf("defaults %+v: want off, 3 links, 30m, digest", d)
	}
}

func TestAutolinkConfigErrors(t *testing.T) {
	tests := []struct{ content, want string }{
		{"autolink:\n  style: loud\n", `autolink.style: "loud" must be digest or reaction`},
		{"autolink:\n  max_links: 0\n", "autolink.max_links: 0 must be from 1 to 10"},
		{"autolink:\n  max_links: 11\n", "autolink.max_links: 11"},
		{"autolink:\n  cooldown: -5m\n", `autolink.cooldown: "-5m" must be a positive duration such as 30m`},
		{"autolink:\n  cooldown: 0s\n", "autolink.cooldown"},
		{"autolink:\n  explicit_cooldown: 0s\n", "autolink.explicit_cooldown"},
		{"autolink:\n  cooldown: soon\n", `autolink.cooldown: "soon" must be a positive duration`},
		{"autolink:\n  cooldown: 30\n", `autolink.cooldown: "30" must be`},
		{"autolink:\n  channels:\n    - {platform: slack, channel: C1}\n", "autolink.channels: lists channels but autolink.enabled is false"},
		{"autolink:\n  enabled: true\n  channels:\n    - {platform: teams, channel: C1}\n", `autolink.channels[0].platform: "teams" must be slack or discord`},
		{"autolink:\n  enabled: true\n  channels:\n    - {platform: slack}\n", "autolink.channels[0].channel: missing"},
		{"autolink:\n  enabled: true\n  channels:\n    - {platform: slack, channel: \"#general\"}\n", "autolink.channels[0].channel: \"#general\" must be the channel id"},
		{"autolink:\n  enabled: true\n  channels:\n    - {platform: slack, channel: C1, style: loud}\n", "autolink.channels[0].style"},
		{"autolink:\n  enabled: true\n  channels:\n    - {platform: slack, channel: C1}\n    - {platform: slack, channel: C1}\n", "autolink.channels[1]: slack channel C1 is already listed as autolink.channels[0]"},
		{"autolink:\n  enabled: true\n  channels:\n    - {platform: slack, chanel: C1}\n", `unknown key "chanel"`},
	}
	for _, tt := range tests {
		_, err := loadConfig(writeConfig(t, tt.content), env(nil))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.content, err, tt.want)
		}
	}
	// Every problem at once.
	_, err := loadConfig(writeConfig(t, "autolink:\n  style: loud\n  max_links: 99\n"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "autolink.style") || !strings.Contains(err.Error(), "autolink.max_links") {
		t.Errorf("err = %v, want both problems", err)
	}
}

func TestSlackManifestAutolink(t *testing.T) {
	r := runArgs(t, "", nil, "slack", "manifest", "--socket")
	wantCode(t, r, 0)
	if strings.Contains(r.stdout, "message.channels") {
		t.Errorf("a manifest without auto-linking subscribes to messages")
	}
	r = runArgs(t, "", nil, "slack", "manifest", "--socket", "--autolink")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, `"message.channels"`) || !strings.Contains(r.stdout, `"channels:history"`) {
		t.Errorf("--autolink: manifest lacks the message events:\n%s", r.stdout)
	}
	path := writeConfig(t, "autolink:\n  enabled: true\n")
	r = runArgs(t, "", nil, "slack", "manifest", "--socket", "--config", path)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, `"message.groups"`) {
		t.Errorf("--config with autolink.enabled: manifest lacks the message events")
	}
	r = runArgs(t, "", nil, "slack", "manifest", "--socket", "--config", writeConfig(t, "autolink:\n  enabld: true\n"))
	if r.err == nil || !strings.Contains(r.err.Error(), `unknown key "enabld"`) {
		t.Errorf("bad config: %v", r.err)
	}
}

func TestDiscordInviteAutolink(t *testing.T) {
	r := runArgs(t, "", nil, "discord", "invite", "--application-id", "123")
	wantCode(t, r, 0)
	plain := r.stdout
	r = runArgs(t, "", nil, "discord", "invite", "--application-id", "123", "--config", writeConfig(t, "autolink:\n  enabled: true\n"))
	wantCode(t, r, 0)
	if r.stdout == plain || !strings.Contains(r.stderr, "Add Reactions") {
		t.Errorf("with auto-linking the invite should ask for more: %q / %q", r.stdout, r.stderr)
	}
}
