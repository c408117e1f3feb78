package discord

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"

	"refbot/bot"
)

// Scheduled reading prompts (bot.Poster): the prompt as a message in the
// channel, then a public thread on it for the discussion when refbot may
// create one (Create Public Threads); otherwise the plain message stands.

var _ bot.Poster = (*Adapter)(nil)

const (
	// threadArchive is how long a quiet discussion thread stays open, in
	// minutes: a week, one reading's span.
	threadArchive = 7 * 24 * 60
	// maxThreadName is Discord's limit on a thread's name.
	maxThreadName = 100
	// findLimit is how many recent messages Find reads (Discord's page).
	findLimit = 100
)

// discussField names a prompt embed's questions; a public reply with it
// is a reading prompt, which gets a discussion thread.
const discussField = "Discuss"

// promptThread opens a discussion thread on a public reading prompt sent
// as an interaction response over the gateway. (Over the HTTP endpoint
// the response is the HTTP body and refbot learns no message id; those
// prompts stay plain messages.)
func (a *Adapter) promptThread(ctx context.Context, i *discordgo.Interaction, resp *discordgo.InteractionResponse) {
	if resp == nil || resp.Type != discordgo.InteractionResponseChannelMessageWithSource || resp.Data == nil ||
		resp.Data.Flags&discordgo.MessageFlagsEphemeral != 0 || len(resp.Data.Embeds) != 1 || i.ChannelID == "" {
		return
	}
	e := resp.Data.Embeds[0]
	if len(e.Fields) == 0 || !slices.ContainsFunc(e.Fields, func(f *discordgo.MessageEmbedField) bool { return f.Name == discussField }) {
		return
	}
	var msg *discordgo.Message
	err := a.rest(ctx, func(opts ...discordgo.RequestOption) error {
		var err error
		msg, err = a.s.InteractionResponse(i, opts...)
		return err
	})
	if err != nil || msg == nil || msg.ID == "" {
		a.log.InfoContext(ctx, "discord: reading prompt posted without a discussion thread (its message id is unknown)", "interaction", i.ID, "err", err)
		return
	}
	a.openThread(ctx, i.ChannelID, msg.ID, e.Title)
}

// postTag marks a scheduled post in its embed's footer, so Find can
// recognise it: a short hash of the key, not the key itself.
func postTag(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "refbot reading · " + hex.EncodeToString(sum[:6])
}

// send is the one way refbot posts a message to a channel as itself: it
// sets the empty allowed-mentions list, so nothing in the message can
// ping anyone.
func (a *Adapter) send(ctx context.Context, channel string, m *discordgo.MessageSend) (*discordgo.Message, error) {
	m.AllowedMentions = noMentions()
	var msg *discordgo.Message
	err := a.rest(ctx, func(opts ...discordgo.RequestOption) error {
		var err error
		msg, err = a.s.ChannelMessageSendComplex(channel, m, opts...)
		return err
	})
	return msg, err
}

// Post implements bot.Poster. team is unused: one bot token serves every
// server.
func (a *Adapter) Post(ctx context.Context, team, channel, key string, r bot.Reply) (string, error) {
	msg, err := a.send(ctx, channel, scheduledMessage(key, r))
	if err != nil {
		return "", fmt.Errorf("post to channel %s: %w", channel, err)
	}
	if r.Prompt != nil {
		a.openThread(ctx, channel, msg.ID, r.Prompt.Title)
	}
	return msg.ID, nil
}

// scheduledMessage renders a scheduled post, its key's tag in the
// footer when the embed has room.
func scheduledMessage(key string, r bot.Reply) *discordgo.MessageSend {
	d := render(r)
	if len(d.Embeds) > 0 {
		e := d.Embeds[0]
		if tag := postTag(key); embedLen(e)+textLen(tag) <= maxEmbedTotal {
			e.Footer = &discordgo.MessageEmbedFooter{Text: tag}
		}
	}
	return &discordgo.MessageSend{Content: d.Content, Embeds: d.Embeds, Components: d.Components}
}

// openThread starts the discussion thread on a posted prompt. Failing is
// not an error: the prompt is out, and a channel where refbot may not
// create threads (or a thread itself) gets the plain message.
func (a *Adapter) openThread(ctx context.Context, channel, messageID, title string) {
	name := plain(title, maxThreadName)
	if name == "" {
		name = "Reading discussion"
	}
	err := a.rest(ctx, func(opts ...discordgo.RequestOption) error {
		_, err := a.s.MessageThreadStartComplex(channel, messageID, &discordgo.ThreadStart{Name: name, AutoArchiveDuration: threadArchive}, opts...)
		return err
	})
	if err != nil {
		a.log.InfoContext(ctx, "discord: reading prompt posted without a discussion thread; give refbot Create Public Threads in the channel to get one", "channel", channel, "err", err)
	}
}

// Find implements bot.Poster: it reads the channel's last messages for
// one of refbot's carrying key's tag. That needs Read Message History;
// without it Find reports nothing.
func (a *Adapter) Find(ctx context.Context, team, channel, key string) (string, error) {
	var msgs []*discordgo.Message
	err := a.rest(ctx, func(opts ...discordgo.RequestOption) error {
		var err error
		msgs, err = a.s.ChannelMessages(channel, findLimit, "", "", "", opts...)
		return err
	})
	if err != nil {
		if isForbidden(err) {
			a.log.WarnContext(ctx, "discord: cannot check whether a reading prompt was already posted; give refbot Read Message History in the channel", "channel", channel)
			return "", nil
		}
		return "", fmt.Errorf("read channel %s: %w", channel, err)
	}
	tag := postTag(key)
	for _, m := range msgs {
		if m.Author == nil || !m.Author.Bot {
			continue
		}
		for _, e := range m.Embeds {
			if e.Footer != nil && strings.Contains(e.Footer.Text, tag) {
				return m.ID, nil
			}
		}
	}
	return "", nil
}

func isForbidden(err error) bool {
	var re *discordgo.RESTError
	return errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusForbidden
}
