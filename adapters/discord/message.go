package discord

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"refbot/bot"
)

// This file is auto-linking on Discord: MESSAGE_CREATE from the gateway
// (which needs the Message Content intent, Config.MessageContent) becomes
// a bot.Message request, its markup blanked (blankMarkup), and the core's
// answer becomes a reply to the message — notifying nobody — or a
// reaction.

// ready remembers who refbot is, so it never answers itself.
func (a *Adapter) ready(r *discordgo.Ready) {
	if r != nil && r.User != nil {
		a.self.Store(r.User.ID)
	}
}

// messageRequest turns a gateway message into a request, or reports false
// for what refbot must never answer: bots (refbot included), webhooks,
// system messages (joins, pins, boosts, thread starts) and empty ones.
// Edits and deletions arrive as other events, which refbot does not
// subscribe to.
func (a *Adapter) messageRequest(m *discordgo.Message) (bot.Request, bool) {
	if m == nil || m.Author == nil || m.ID == "" || m.ChannelID == "" || m.Content == "" {
		return bot.Request{}, false
	}
	if m.Author.Bot || m.Author.System || m.WebhookID != "" {
		return bot.Request{}, false
	}
	if self, _ := a.self.Load().(string); self != "" && m.Author.ID == self {
		return bot.Request{}, false
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return bot.Request{}, false
	}
	return bot.Request{
		Platform: Name, Team: m.GuildID, Channel: m.ChannelID, User: m.Author.ID,
		Kind: bot.Message, Text: blankMarkup(m.Content),
	}, true
}

// gatewayMessage answers one chat message: a reply with the digest, a
// reaction, or (mostly) nothing.
func (a *Adapter) gatewayMessage(ctx context.Context, m *discordgo.Message) {
	defer func() {
		// discordgo runs handlers on bare goroutines: a bug here must not
		// end the process.
		if p := recover(); p != nil {
			a.log.ErrorContext(ctx, "discord message handler panicked", "err", fmt.Errorf("panic: %v", p))
		}
	}()
	req, ok := a.messageRequest(m)
	if !ok {
		return
	}
	reply := a.bot.Answer(ctx, req)
	switch {
	case reply.React != "":
		err := a.rest(ctx, func(opts ...discordgo.RequestOption) error {
			return a.s.MessageReactionAdd(m.ChannelID, m.ID, reply.React, opts...)
		})
		if err != nil {
			a.log.ErrorContext(ctx, "discord auto-link reaction", "channel", m.ChannelID, "err", err)
		}
	case len(reply.Links) > 0:
		if _, err := a.send(ctx, m.ChannelID, digest(reply.Links, m)); err != nil {
			a.log.ErrorContext(ctx, "discord auto-link reply", "channel", m.ChannelID, "err", err)
		}
	}
}

// noMentions is the empty allowed-mentions list every message refbot
// sends (send, in poster.go, and safe) carries: parse nothing, and do not notify the author of a message
// refbot replies to. (An empty struct would marshal as "parse":null,
// which Discord reads differently.)
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// digestFooter tells members how to use and silence auto-links.
const digestFooter = "A button opens the full card · /autolink me off stops links for your messages"

// digest is the auto-link reply to m: per term the title linked to its
// first source and one line, a button per term that opens the card, and
// a reference to m that still posts when m was deleted meanwhile.
func digest(ls []bot.Link, m *discordgo.Message) *discordgo.MessageSend {
	e := linksEmbed(ls)
	e.Footer = &discordgo.MessageEmbedFooter{Text: digestFooter}
	ss := make([]bot.Suggestion, len(ls))
	for i, l := range ls {
		ss[i] = bot.Suggestion{ID: l.ID, Title: l.Title}
	}
	failIfGone := false
	msg := &discordgo.MessageSend{
		Embeds: []*discordgo.MessageEmbed{e},
		Reference: &discordgo.MessageReference{
			MessageID: m.ID, ChannelID: m.ChannelID, GuildID: m.GuildID, FailIfNotExists: &failIfGone,
		},
	}
	if rows := entryButtons(ss, 2); len(rows) > 0 {
		msg.Components = rows
	}
	return msg
}
