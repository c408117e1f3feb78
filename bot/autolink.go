package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"refbot/glossary"
)

// This file is the auto-link policy: which chat messages get a link to
// the glossary terms they mention, and the /autolink command that turns it
// on and off. The rules, most important first:
//
//   - Off unless turned on: Config.Autolink.Enabled switches the feature
//     on, and then a channel links only when its configuration
//     (AutolinkConfig.Channels) or a moderator's /autolink on says so. The
//     choice made in the channel wins over the configuration.
//   - A person who opts out (/autolink me off) is never scanned again.
//   - Messages from bots, webhooks and refbot itself, edits and deletions
//     are never answered (adapters drop them; Request.FromBot and
//     Request.Edit let the core refuse them too).
//   - At most one reply per message, linking at most MaxLinks terms, each
//     term's first mention only, and a term at most once per Cooldown in a
//     channel.
//   - [[term]] is an explicit request, like /define: it is answered in any
//     channel where refbot reads messages, whatever the channel's setting,
//     and is not held back by the long cooldown — only by
//     ExplicitCooldown per channel and term, against spam. An explicit link
//     also starts the term's ordinary cooldown. People who opted out are
//     not scanned, so their [[term]] is not answered either (/define is).

// Defaults for AutolinkConfig's zero values.
const (
	DefaultMaxLinks         = 3
	DefaultCooldown         = 30 * time.Minute
	DefaultExplicitCooldown = time.Minute
	// MaxAutolinks caps MaxLinks: a digest of more is not compact.
	MaxAutolinks = 10
	// maxScan is how much of a message is scanned (Slack's longest
	// message is 40,000 characters); the rest is ignored.
	maxScan = 40 << 10
	// maxLinkLine caps a link's summary line, in characters.
	maxLinkLine = 160
)

// ReactBook is the reaction AutolinkReaction channels get.
const ReactBook = "📖"

// AutolinkConfig holds the auto-link policy's settings. The zero value
// reads no messages at all.
type AutolinkConfig struct {
	// Enabled turns the feature on: Kind Message requests are read, and
	// channels may opt in.
	Enabled bool
	// Channels link from the start; /autolink on|off in a channel
	// overrides its entry.
	Channels []AutolinkChannel
	// MaxLinks is the most terms one reply links; 0 means
	// DefaultMaxLinks, and it is capped at MaxAutolinks.
	MaxLinks int
	// Cooldown is how long a term is not linked again in a channel; 0
	// means DefaultCooldown.
	Cooldown time.Duration
	// ExplicitCooldown is the same for [[term]]; 0 means
	// DefaultExplicitCooldown.
	ExplicitCooldown time.Duration
	// Style is what "/autolink on" chooses when it names no style:
	// AutolinkDigest (the default when unset) or AutolinkReaction.
	Style AutolinkMode
	// LinkToPage links each term to its glossary page (Config.PageURL)
	// instead of its first source; without a PageURL it does nothing.
	LinkToPage bool
}

// AutolinkChannel turns auto-linking on in one channel from the
// configuration.
type AutolinkChannel struct {
	Platform string // "slack", "discord", "console"
	Channel  string // the platform's channel id
	Mode     AutolinkMode
}

// String names the mode as people type it.
func (m AutolinkMode) String() string {
	switch m {
	case AutolinkOff:
		return "off"
	case AutolinkDigest:
		return "digest"
	case AutolinkReaction:
		return "reaction"
	}
	return "unset"
}

// ParseAutolinkStyle reads "digest" or "reaction".
func ParseAutolinkStyle(s string) (AutolinkMode, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "digest":
		return AutolinkDigest, true
	case "reaction", "react":
		return AutolinkReaction, true
	}
	return AutolinkUnset, false
}

// autolinkSettings is AutolinkConfig with the defaults applied.
type autolinkSettings struct {
	AutolinkConfig
	channels map[[2]string]AutolinkMode
}

func newAutolinkSettings(c AutolinkConfig) autolinkSettings {
	if c.MaxLinks <= 0 {
		c.MaxLinks = DefaultMaxLinks
	}
	c.MaxLinks = min(c.MaxLinks, MaxAutolinks)
	if c.Cooldown <= 0 {
		c.Cooldown = DefaultCooldown
	}
	if c.ExplicitCooldown <= 0 {
		c.ExplicitCooldown = DefaultExplicitCooldown
	}
	if c.Style != AutolinkReaction {
		c.Style = AutolinkDigest
	}
	s := autolinkSettings{AutolinkConfig: c, channels: map[[2]string]AutolinkMode{}}
	for _, ch := range c.Channels {
		m := ch.Mode
		if m == AutolinkUnset {
			m = c.Style
		}
		s.channels[[2]string{ch.Platform, ch.Channel}] = m
	}
	return s
}

// channelMode is the channel's setting: its own choice, else the
// configuration's, else off. fromConfig reports where it came from.
func (b *Bot) channelMode(ctx context.Context, platform, channel string) (m AutolinkMode, fromConfig bool, err error) {
	m, err = b.cfg.AutolinkStore.ChannelAutolink(ctx, platform, channel)
	if err != nil {
		return AutolinkOff, false, fmt.Errorf("auto-link setting of %s channel %s: %w", platform, channel, err)
	}
	if m != AutolinkUnset {
		return m, false, nil
	}
	if m, ok := b.autolink.channels[[2]string{platform, channel}]; ok {
		return m, true, nil
	}
	return AutolinkOff, false, nil
}

// message answers a chat message: links to the glossary terms it
// mentions, or an empty Reply. The error is for the log.
func (b *Bot) message(ctx context.Context, req Request) (Reply, error) {
	al := &b.autolink
	if req.FromBot || req.Edit || req.Text == "" || req.Channel == "" {
		return Reply{}, nil
	}
	if !al.Enabled {
		return Reply{Unlinked: "Auto-linking is not enabled on this refbot."}, nil
	}
	text := scanText(req.Text)
	mode, _, err := b.channelMode(ctx, req.Platform, req.Channel)
	if err != nil {
		return Reply{}, err
	}
	cmd := req.Dialect.command(CommandAutolink)
	explicitOnly := mode != AutolinkDigest && mode != AutolinkReaction
	if explicitOnly && !strings.Contains(text, "[[") {
		return Reply{Unlinked: fmt.Sprintf("Auto-linking is off in this channel (%s on turns it on); [[term]] still asks for a link.", cmd)}, nil
	}
	out, err := b.cfg.AutolinkStore.UserOptedOut(ctx, req.Platform, req.User)
	if err != nil {
		return Reply{}, fmt.Errorf("auto-link opt-out of %s user %s: %w", req.Platform, req.User, err)
	}
	if out {
		return Reply{Unlinked: fmt.Sprintf("You opted out, so refbot does not read your messages (%s me on to undo).", cmd)}, nil
	}
	none := "No glossary term in that line."
	if explicitOnly {
		none = "Auto-linking is off in this channel, and no [[term]] in that line names a glossary entry."
	}
	ms := b.Glossary().Scan(text)
	if len(ms) == 0 {
		return Reply{Unlinked: none}, nil
	}

	// Explicit requests come first, then the rest in message order; a
	// term counts once, at its first mention, explicit if any mention is.
	type pick struct {
		at       int // index into ms of the first mention
		explicit bool
	}
	var picks []pick
	seen := make(map[string]int, len(ms)) // entry id -> index into picks
	for i, m := range ms {
		if explicitOnly && !m.Explicit {
			continue
		}
		if j, ok := seen[m.Entry.ID]; ok {
			picks[j].explicit = picks[j].explicit || m.Explicit
			continue
		}
		seen[m.Entry.ID] = len(picks)
		picks = append(picks, pick{at: i, explicit: m.Explicit})
	}
	now := b.now()
	type found struct {
		Link
		at int
	}
	var links []found
	var errs []error
	var cooling []string // titles of terms on their cooldown
	anyExplicit := false
	for _, round := range []bool{true, false} {
		for _, p := range picks {
			if p.explicit != round || len(links) == al.MaxLinks {
				continue
			}
			m := ms[p.at]
			ok, err := b.takeCooldown(ctx, req, m.Entry.ID, p.explicit, now)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if !ok {
				cooling = append(cooling, m.Entry.Title)
				continue
			}
			anyExplicit = anyExplicit || p.explicit
			links = append(links, found{b.autoLink(m.Entry, m.Text, p.explicit), m.Start})
		}
	}
	err = errors.Join(errs...)
	if len(links) == 0 {
		r := Reply{Unlinked: none}
		if len(cooling) > 0 {
			r.Unlinked = fmt.Sprintf("Linked here recently, so not again yet: %s. A term is linked at most %s in a channel ([[term]] %s); %s TERM shows it any time.",
				strings.Join(cooling, ", "), once(al.Cooldown), once(al.ExplicitCooldown), req.Dialect.command(CommandDefine))
		}
		return r, err
	}
	// Links read in message order.
	slices.SortStableFunc(links, func(x, y found) int { return x.at - y.at })
	r := Reply{Visibility: Public, Links: make([]Link, len(links))}
	for i, l := range links {
		r.Links[i] = l.Link
	}
	// A reaction is the quiet style for terms nobody asked about; a
	// [[term]] asked for a link, so it gets one.
	if mode == AutolinkReaction && !anyExplicit {
		r.React = ReactBook
	}
	return r, err
}

// takeCooldown claims the right to link term in the channel now. An
// explicit request has its own short cooldown and, when granted, also
// starts the ordinary one, so the next plain mention stays quiet.
func (b *Bot) takeCooldown(ctx context.Context, req Request, term string, explicit bool, now time.Time) (bool, error) {
	st, al := b.cfg.AutolinkStore, &b.autolink
	if !explicit {
		ok, err := st.TakeCooldown(ctx, req.Platform, req.Channel, term, now, al.Cooldown)
		if err != nil {
			return false, fmt.Errorf("auto-link cooldown of %s in %s: %w", term, req.Channel, err)
		}
		return ok, nil
	}
	ok, err := st.TakeCooldown(ctx, req.Platform, req.Channel, "[["+term+"]]", now, al.ExplicitCooldown)
	if err != nil || !ok {
		if err != nil {
			err = fmt.Errorf("explicit link cooldown of %s in %s: %w", term, req.Channel, err)
		}
		return false, err
	}
	if _, err := st.TakeCooldown(ctx, req.Platform, req.Channel, term, now, al.Cooldown); err != nil {
		b.log.WarnContext(ctx, "auto-link cooldown after an explicit link", "term", term, "err", err)
	}
	return true, nil
}

// scanText is the part of a message that is scanned: at most maxScan
// bytes, cut at a character boundary.
func scanText(text string) string {
	if len(text) <= maxScan {
		return text
	}
	cut := maxScan
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut]
}

func (b *Bot) now() time.Time { return b.cfg.Clock.Now() }

// autolinkCommand is /autolink: the channel's state, on [digest|reaction],
// off, me off, me on.
func (b *Bot) autolinkCommand(ctx context.Context, req Request, text string) (Reply, error) {
	words := strings.Fields(strings.ToLower(text))
	switch {
	case len(words) == 0 || len(words) == 1 && words[0] == "status":
		return b.autolinkStatus(ctx, req)
	case words[0] == "me" && len(words) == 2 && (words[1] == "on" || words[1] == "off"):
		return b.autolinkMe(ctx, req, words[1] == "off")
	case words[0] == "off" && len(words) == 1:
		return b.setAutolink(ctx, req, AutolinkOff)
	case words[0] == "on" && len(words) == 1:
		return b.setAutolink(ctx, req, b.autolink.Style)
	case words[0] == "on" && len(words) == 2:
		if m, ok := ParseAutolinkStyle(words[1]); ok {
			return b.setAutolink(ctx, req, m)
		}
	case len(words) == 1:
		if m, ok := ParseAutolinkStyle(words[0]); ok {
			return b.setAutolink(ctx, req, m)
		}
	}
	cmd := req.Dialect.command(CommandAutolink)
	return Reply{Notice: fmt.Sprintf("Usage: %[1]s shows the setting here; %[1]s on [digest|reaction] or %[1]s off changes it (moderators); %[1]s me off stops it for your messages, %[1]s me on undoes that.", cmd)}, nil
}

const autolinkStoreTrouble = "refbot could not reach its settings store, so nothing changed. Try again in a minute; if it keeps failing, tell whoever runs refbot."

func (b *Bot) autolinkMe(ctx context.Context, req Request, off bool) (Reply, error) {
	if req.User == "" {
		return Reply{Notice: "refbot cannot tell who you are here, so it cannot keep a setting for you."}, nil
	}
	if err := b.cfg.AutolinkStore.SetUserOptedOut(ctx, req.Platform, req.User, off); err != nil {
		return Reply{Notice: autolinkStoreTrouble}, fmt.Errorf("set auto-link opt-out: %w", err)
	}
	if off {
		return Reply{Notice: fmt.Sprintf("Done: refbot will not read or link terms in your messages from now on, in any channel. %s still works, and %s turns linking back on.",
			req.Dialect.command(CommandDefine), req.Dialect.command(CommandAutolink)+" me on")}, nil
	}
	return Reply{Notice: "Done: your messages can get glossary links again, in channels where auto-linking is on."}, nil
}

func (b *Bot) setAutolink(ctx context.Context, req Request, m AutolinkMode) (Reply, error) {
	if !b.autolink.Enabled {
		return Reply{Notice: notEnabled}, nil
	}
	if req.DM {
		return Reply{Notice: notInDMs(req)}, nil
	}
	if req.Channel == "" {
		return Reply{Notice: "Auto-linking is set per channel; run this in the channel you want to change."}, nil
	}
	cmd := req.Dialect.command(CommandAutolink)
	if !req.canManage(ctx) {
		return Reply{Notice: fmt.Sprintf("Only %s can turn auto-linking on or off here. You can still stop it for your own messages with %s me off.", req.Dialect.managers(), cmd)}, nil
	}
	if err := b.cfg.AutolinkStore.SetChannelAutolink(ctx, req.Platform, req.Channel, m); err != nil {
		return Reply{Notice: autolinkStoreTrouble}, fmt.Errorf("set auto-link of %s channel %s: %w", req.Platform, req.Channel, err)
	}
	if m == AutolinkOff {
		return Reply{Visibility: Public, Notice: fmt.Sprintf("Auto-linking is now off in this channel. [[term]] in a message still asks refbot for a link. %s on turns it back on.", cmd)}, nil
	}
	return Reply{Visibility: Public, Notice: b.describeOn(req, m) + fmt.Sprintf(" Anyone can stop it for their own messages with %s me off.", cmd)}, nil
}

// notInDMs answers a channel setting asked for in a direct or group
// message.
func notInDMs(req Request) string {
	return fmt.Sprintf("Auto-linking is for channels: refbot does not read direct or group messages, so there is nothing to turn on or off here. %s works here as everywhere.", req.Dialect.command(CommandDefine))
}

const notEnabled = "Auto-linking is not enabled on this refbot. Whoever runs it can set autolink.enabled: true in its configuration (see docs/autolink.md)."

// describeOn says what members of an auto-linking channel will see.
func (b *Bot) describeOn(req Request, m AutolinkMode) string {
	al := &b.autolink
	what := fmt.Sprintf("refbot replies in the message's thread with a link and one line for up to %d glossary terms it mentions", al.MaxLinks)
	if m == AutolinkReaction {
		what = fmt.Sprintf("refbot adds a %s reaction to messages that mention glossary terms (use %s for the card)", ReactBook, req.Dialect.command(CommandDefine))
	}
	return fmt.Sprintf("Auto-linking is on in this channel (%s): %s, each term at most once every %s here.", m, what, humanDuration(al.Cooldown))
}

func (b *Bot) autolinkStatus(ctx context.Context, req Request) (Reply, error) {
	if !b.autolink.Enabled {
		return Reply{Notice: notEnabled}, nil
	}
	cmd := req.Dialect.command(CommandAutolink)
	managers := upperFirst(req.Dialect.managers())
	var parts []string
	var errs []error
	if req.DM {
		parts = append(parts, notInDMs(req))
	} else if req.Channel != "" {
		m, fromConfig, err := b.channelMode(ctx, req.Platform, req.Channel)
		switch {
		case err != nil:
			errs = append(errs, err)
			parts = append(parts, "refbot could not read this channel's auto-link setting; try again in a minute.")
		case m == AutolinkDigest || m == AutolinkReaction:
			s := b.describeOn(req, m)
			if fromConfig {
				s += " (Set in refbot's configuration.)"
			}
			parts = append(parts, s)
			parts = append(parts, fmt.Sprintf("%s can turn it off with %s off.", managers, cmd))
		default:
			parts = append(parts, "Auto-linking is off in this channel; [[term]] in a message still asks refbot for a link.")
			parts = append(parts, fmt.Sprintf("%[3]s can turn it on with %[1]s on (%[1]s on reaction for a quiet %[2]s reaction instead of a reply).", cmd, ReactBook, managers))
		}
	}
	if req.User != "" {
		out, err := b.cfg.AutolinkStore.UserOptedOut(ctx, req.Platform, req.User)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("auto-link opt-out of %s user %s: %w", req.Platform, req.User, err))
		case out:
			parts = append(parts, fmt.Sprintf("You opted out: refbot does not read your messages (%s me on to undo).", cmd))
		default:
			parts = append(parts, fmt.Sprintf("To stop it for your own messages: %s me off.", cmd))
		}
	}
	return Reply{Notice: strings.Join(parts, " ")}, errors.Join(errs...)
}

// once says how often something happens at most: "once a minute", "once
// every 30 minutes".
func once(d time.Duration) string {
	if h := humanDuration(d); strings.HasPrefix(h, "1 ") {
		return "once a " + h[2:]
	}
	return "once every " + humanDuration(d)
}

// humanDuration writes d as people say it: "30 minutes", "1 hour",
// "1h30m" for odd ones.
func humanDuration(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d >= time.Minute && d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	case d >= time.Second && d%time.Second == 0 && d < time.Minute:
		return unit(int64(d/time.Second), "second")
	}
	return d.String()
}

// AutolinkEnabled reports whether auto-linking is switched on, so
// adapters subscribe to chat messages (and Discord requests the
// message-content intent) only then.
func (b *Bot) AutolinkEnabled() bool { return b.autolink.Enabled }

// linksAction answers someone who asks for the links of a message refbot
// marked with its reaction (Kind Action, Command "links", Text the
// message): the digest, only for them, with no cooldown since it posts
// nothing in the channel. The adapter checks refbot reacted to the
// message, so its author had not opted out.
func (b *Bot) linksAction(ctx context.Context, req Request) (Reply, error) {
	if !b.autolink.Enabled {
		return Reply{Notice: notEnabled}, nil
	}
	text := scanText(req.Text)
	var links []Link
	for _, m := range b.Glossary().Scan(text) {
		if len(links) == b.autolink.MaxLinks {
			break
		}
		if slices.ContainsFunc(links, func(l Link) bool { return l.ID == m.Entry.ID }) {
			continue
		}
		links = append(links, b.autoLink(m.Entry, m.Text, m.Explicit))
	}
	if len(links) == 0 {
		return Reply{Notice: fmt.Sprintf("refbot finds no glossary term in that message any more. Try %s TERM.", req.Dialect.command(CommandDefine))}, nil
	}
	return Reply{Links: links}, nil
}

// autoLink is e as an auto-link: like link, but pointing at its glossary
// page instead of its first source when so configured.
func (b *Bot) autoLink(e *glossary.Entry, text string, explicit bool) Link {
	l := link(e, text, explicit)
	if b.autolink.LinkToPage && b.cfg.PageURL != nil {
		l.URL = b.cfg.PageURL(e.ID)
	}
	return l
}
