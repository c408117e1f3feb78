package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"refbot/adapters/shell"
	"refbot/bot"
)

// AutolinkConfig is the autolink: section: linking glossary terms people
// mention in chat (see docs/autolink.md).
type AutolinkConfig struct {
	Enabled          bool                    `yaml:"enabled"`
	Style            string                  `yaml:"style"`
	MaxLinks         int                     `yaml:"max_links"`
	Cooldown         string                  `yaml:"cooldown"`          // a Go duration: 30m, 2h
	ExplicitCooldown string                  `yaml:"explicit_cooldown"` // the same
	Channels         []AutolinkChannelConfig `yaml:"channels"`
	LinkTo           string                  `yaml:"link_to"` // source | page (the entry's page under web.public_url)
}

// AutolinkChannelConfig turns auto-linking on in one channel from the
// start.
type AutolinkChannelConfig struct {
	Platform string `yaml:"platform"` // slack | discord
	Channel  string `yaml:"channel"`  // the channel id
	Style    string `yaml:"style"`    // digest | reaction; empty: autolink.style
}

func defaultAutolink() AutolinkConfig {
	return AutolinkConfig{
		Style:            "digest",
		MaxLinks:         bot.DefaultMaxLinks,
		Cooldown:         "30m",
		ExplicitCooldown: "1m",
		LinkTo:           "source",
	}
}

// validate reports every problem, each naming its key.
func (c AutolinkConfig) validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if _, ok := bot.ParseAutolinkStyle(c.Style); !ok {
		bad("autolink.style: %q must be digest or reaction", c.Style)
	}
	if c.MaxLinks < 1 || c.MaxLinks > bot.MaxAutolinks {
		bad("autolink.max_links: %d must be from 1 to %d", c.MaxLinks, bot.MaxAutolinks)
	}
	for _, d := range []struct{ key, value, example string }{
		{"cooldown", c.Cooldown, "30m or 2h"},
		{"explicit_cooldown", c.ExplicitCooldown, "1m or 90s"},
	} {
		if v, err := time.ParseDuration(d.value); err != nil || v <= 0 {
			bad("autolink.%s: %q must be a positive duration such as %s", d.key, d.value, d.example)
		}
	}
	if c.LinkTo != "source" && c.LinkTo != "page" {
		bad("autolink.link_to: %q must be source (the entry's first source) or page (its glossary page)", c.LinkTo)
	}
	if len(c.Channels) > 0 && !c.Enabled {
		bad("autolink.channels: lists channels but autolink.enabled is false; set autolink.enabled: true (or remove the channels)")
	}
	seen := map[[2]string]int{}
	for i, ch := range c.Channels {
		key := fmt.Sprintf("autolink.channels[%d]", i)
		switch ch.Platform {
		case "slack", "discord":
		default:
			bad("%s.platform: %q must be slack or discord", key, ch.Platform)
		}
		switch {
		case strings.TrimSpace(ch.Channel) == "":
			bad("%s.channel: missing; give the channel id (Slack: C0123ABCD, from the channel's details; Discord: the number from Copy Channel ID)", key)
		case ch.Channel != strings.TrimSpace(ch.Channel) || strings.HasPrefix(ch.Channel, "#"):
			bad("%s.channel: %q must be the channel id, not its name (Slack: C0123ABCD; Discord: digits)", key, ch.Channel)
		}
		if ch.Style != "" {
			if _, ok := bot.ParseAutolinkStyle(ch.Style); !ok {
				bad("%s.style: %q must be digest or reaction, or left out for autolink.style", key, ch.Style)
			}
		}
		k := [2]string{ch.Platform, ch.Channel}
		if j, dup := seen[k]; dup {
			bad("%s: %s channel %s is already listed as autolink.channels[%d]", key, ch.Platform, ch.Channel, j)
		}
		seen[k] = i
	}
	return errs
}

// core is the configuration as the bot package takes it.
func (c AutolinkConfig) core() bot.AutolinkConfig {
	style, _ := bot.ParseAutolinkStyle(c.Style)
	// Validated by validate; a zero value means the core's default.
	cooldown, _ := time.ParseDuration(c.Cooldown)
	explicit, _ := time.ParseDuration(c.ExplicitCooldown)
	out := bot.AutolinkConfig{
		Enabled:          c.Enabled,
		MaxLinks:         c.MaxLinks,
		Cooldown:         cooldown,
		ExplicitCooldown: explicit,
		Style:            style,
		LinkToPage:       c.LinkTo == "page",
	}
	for _, ch := range c.Channels {
		m, _ := bot.ParseAutolinkStyle(ch.Style) // unset: the core uses Style
		out.Channels = append(out.Channels, bot.AutolinkChannel{Platform: ch.Platform, Channel: ch.Channel, Mode: m})
	}
	return out
}

// warnAutolink logs what auto-linking cannot do with this configuration.
func warnAutolink(cfg Config, log *slog.Logger) {
	if !cfg.Autolink.Enabled {
		return
	}
	if cfg.Discord.Enabled && cfg.Discord.Mode != "gateway" {
		log.Warn("auto-linking on Discord needs discord.mode: gateway (messages arrive only over the gateway); Discord channels will not be linked")
	}
	log.Info("auto-linking enabled; channel choices, opt-outs and cooldowns are kept in the state store",
		"channels", len(cfg.Autolink.Channels), "max_links", cfg.Autolink.MaxLinks, "cooldown", cfg.Autolink.Cooldown)
}

// consoleAutolink turns auto-linking on in the console's channel, so
// people can try it locally: lines that are not commands are messages.
func consoleAutolink() bot.AutolinkConfig {
	return bot.AutolinkConfig{
		Enabled:  true,
		Channels: []bot.AutolinkChannel{{Platform: "console", Channel: shell.Channel, Mode: bot.AutolinkDigest}},
	}
}

// readConfigFile decodes a configuration file over the defaults without
// the secrets check, for commands that only need a few keys (refbot slack
// manifest --config).
func readConfigFile(path string) (Config, error) {
	cfg := defaultConfig()
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("read config: %w", err)
	}
	return cfg, decodeConfig(path, data, &cfg)
}
