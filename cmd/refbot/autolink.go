package main

import (
	"errors"
	"fmt"
	"log/slog"
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
	Platform string `yaml:"platform"` // a platform's name: slack, discord
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

// compile checks the section, every problem naming its key, and turns it
// into the core's configuration: durations parsed, styles read, each
// channel's id checked by its platform.
func (c AutolinkConfig) compile(known platformSet) (bot.AutolinkConfig, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	style, ok := bot.ParseAutolinkStyle(c.Style)
	if !ok {
		bad("autolink.style: %q must be digest or reaction", c.Style)
	}
	if c.MaxLinks < 1 || c.MaxLinks > bot.MaxAutolinks {
		bad("autolink.max_links: %d must be from 1 to %d", c.MaxLinks, bot.MaxAutolinks)
	}
	duration := func(key, value, example string) time.Duration {
		d, err := time.ParseDuration(value)
		if err != nil || d <= 0 {
			bad("autolink.%s: %q must be a positive duration such as %s", key, value, example)
		}
		return d
	}
	out := bot.AutolinkConfig{
		Enabled:          c.Enabled,
		MaxLinks:         c.MaxLinks,
		Cooldown:         duration("cooldown", c.Cooldown, "30m or 2h"),
		ExplicitCooldown: duration("explicit_cooldown", c.ExplicitCooldown, "1m or 90s"),
		Style:            style,
		LinkToPage:       c.LinkTo == "page",
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
		p, ok := known.find(ch.Platform)
		if !ok {
			bad("%s.platform: %q must be %s", key, ch.Platform, known.choice())
		} else if err := p.CheckChannel(ch.Channel); err != nil {
			missing := ""
			if strings.TrimSpace(ch.Channel) == "" {
				missing = "missing; "
			}
			bad("%s.channel: %s%v", key, missing, err)
		}
		m, ok := bot.ParseAutolinkStyle(ch.Style) // unset: the core uses Style
		if ch.Style != "" && !ok {
			bad("%s.style: %q must be digest or reaction, or left out for autolink.style", key, ch.Style)
		}
		k := [2]string{ch.Platform, ch.Channel}
		if j, dup := seen[k]; dup {
			bad("%s: %s channel %s is already listed as autolink.channels[%d]", key, ch.Platform, ch.Channel, j)
		}
		seen[k] = i
		out.Channels = append(out.Channels, bot.AutolinkChannel{Platform: ch.Platform, Channel: ch.Channel, Mode: m})
	}
	if err := errors.Join(errs...); err != nil {
		return bot.AutolinkConfig{}, err
	}
	return out, nil
}

// logAutolink says, once at start, what auto-linking does.
func logAutolink(c bot.AutolinkConfig, log *slog.Logger) {
	if c.Enabled {
		log.Info("auto-linking enabled; channel choices, opt-outs and cooldowns are kept in the state store",
			"channels", len(c.Channels), "max_links", c.MaxLinks, "cooldown", c.Cooldown)
	}
}

// consoleAutolink turns auto-linking on in the console's channel, so
// people can try it locally: lines that are not commands are messages.
func consoleAutolink() bot.AutolinkConfig {
	return bot.AutolinkConfig{
		Enabled:  true,
		Channels: []bot.AutolinkChannel{{Platform: shell.Platform, Channel: shell.Channel, Mode: bot.AutolinkDigest}},
	}
}
