package main

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"refbot/adapters/platform"
	"refbot/bot"
)

// CurationConfig is the curation: section: who may suggest glossary
// entries from chat, who reviews them, and the limits (see
// docs/curation.md).
type CurationConfig struct {
	Suggest       string              `yaml:"suggest"`        // anyone | moderators | off
	Reviewers     map[string][]string `yaml:"reviewers"`      // platform -> user ids, besides moderators
	ReviewChannel map[string]string   `yaml:"review_channel"` // platform -> channel id
	MaxPending    int                 `yaml:"max_pending"`
	MaxLength     map[string]int      `yaml:"max_length"` // form field -> characters
	Poll          time.Duration       `yaml:"poll"`
}

// defaultCuration is the section's defaults: no reviewers and no review
// channel on any platform.
func defaultCuration(ps []platform.Platform) CurationConfig {
	c := CurationConfig{
		Suggest:       bot.SuggestAnyone.String(),
		Reviewers:     map[string][]string{},
		ReviewChannel: map[string]string{},
		MaxPending:    bot.DefaultPendingSuggestions,
		MaxLength:     map[string]int{},
		Poll:          bot.DefaultCurationPoll,
	}
	for _, p := range ps {
		c.Reviewers[p.Name()] = []string{}
		c.ReviewChannel[p.Name()] = ""
	}
	return c
}

// maxPendingCap bounds curation.max_pending.
const maxPendingCap = 100

// compile checks the section, every problem naming its key, and turns it
// into the core's configuration and the poll interval.
func (c CurationConfig) compile(known platformSet) (bot.CurationConfig, time.Duration, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	mode, ok := bot.ParseSuggestMode(c.Suggest)
	if !ok {
		bad("curation.suggest: %q must be anyone, moderators or off", c.Suggest)
	}
	out := bot.CurationConfig{Suggest: mode, MaxPending: c.MaxPending, MaxLength: map[string]int{}, ReviewChannels: map[string]string{}}
	for _, name := range slices.Sorted(maps.Keys(c.Reviewers)) {
		key := "curation.reviewers." + name
		if _, ok := known.find(name); !ok {
			bad("%s: %q is not a platform; use %s", key, name, known.choice())
			continue
		}
		seen := map[string]bool{}
		for i, id := range c.Reviewers[name] {
			switch {
			case strings.TrimSpace(id) == "" || strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r == ':' }):
				bad("%s[%d]: %q is not a user id: copy the reviewer's member id from their profile", key, i, id)
			case seen[id]:
				bad("%s[%d]: %s is listed twice", key, i, id)
			default:
				seen[id] = true
				out.Reviewers = append(out.Reviewers, bot.Who{Platform: name, User: id})
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.ReviewChannel)) {
		key := "curation.review_channel." + name
		ch := c.ReviewChannel[name]
		p, ok := known.find(name)
		switch {
		case !ok:
			bad("%s: %q is not a platform; use %s", key, name, known.choice())
		case ch == "":
			// an empty entry, as in the example: no review channel
		case known.broken[name]:
			// its section's own errors are reported
		case known.on[name] == nil:
			bad("%[1]s: %[2]s is not enabled; set %[2]s.enabled: true or remove this channel", key, name)
		default:
			if err := p.CheckChannel(ch); err != nil {
				bad("%s: %v", key, err)
				continue
			}
			out.ReviewChannels[name] = ch
		}
	}
	if c.MaxPending < 1 || c.MaxPending > maxPendingCap {
		bad("curation.max_pending: %d must be from 1 to %d", c.MaxPending, maxPendingCap)
	}
	caps := bot.MaxFieldLength()
	for _, field := range slices.Sorted(maps.Keys(c.MaxLength)) {
		n := c.MaxLength[field]
		limit, ok := caps[field]
		switch {
		case !ok:
			bad("curation.max_length.%s: not a field; the fields are %s", field, strings.Join(slices.Sorted(maps.Keys(caps)), ", "))
		case n < 1 || n > limit:
			bad("curation.max_length.%s: %d must be from 1 to %d", field, n, limit)
		default:
			out.MaxLength[field] = n
		}
	}
	if c.Poll < 100*time.Millisecond || c.Poll > time.Hour {
		bad("curation.poll: %v must be a duration from 100ms to 1h, such as 2s", c.Poll)
	}
	if err := errors.Join(errs...); err != nil {
		return bot.CurationConfig{}, 0, err
	}
	return out, c.Poll, nil
}
