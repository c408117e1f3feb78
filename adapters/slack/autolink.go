package slack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"refbot/bot"
)

// This file is auto-linking on Slack: message events (message.channels,
// message.groups) become bot.Message requests; the core's answer is posted
// as a thread reply (chat.postMessage with thread_ts) or added as a
// reaction (reactions.add). The app subscribes to those events only when
// auto-linking is on (ManifestOptions.Autolink).

// AutolinkScopes are the extra bot token scopes auto-linking needs, each
// for a reason; refbot asks for none of them otherwise.
func AutolinkScopes() map[string]string {
	return map[string]string{
		"channels:history": "reading messages in public channels refbot was added to, to link the terms they mention",
		"groups:history":   "the same in private channels refbot was added to",
		"reactions:write":  "the quiet auto-link style: a 📖 reaction instead of a reply",
		"reactions:read":   "hearing who clicks refbot's 📖 reaction, to show them the links",
	}
}

// autolinkEvents are the events auto-linking subscribes to: messages in
// public and private channels. Direct messages are left out: there
// /define is as quick, and refbot need not read them.
var autolinkEvents = []string{"message.channels", "message.groups", "reaction_added"}

// autolinkSubtypes are the message subtypes written by a person: a plain
// message, a thread reply also sent to the channel, a message with a file.
// Everything else — edits (message_changed), deletions, bot messages,
// joins, topic changes — is never answered.
var autolinkSubtypes = map[string]bool{"": true, "thread_broadcast": true, "file_share": true}

// autolinkable reports whether auto-linking reads the message event.
func (ws *workspace) autolinkable(e *slackevents.MessageEvent) bool {
	if !autolinkSubtypes[e.SubType] || ws.ignore(e.User, e.BotID) || strings.TrimSpace(e.Text) == "" {
		return false
	}
	// A message that mentions refbot is answered as an app_mention
	// ("@refbot define x"); linking it too would answer twice.
	if self := ws.self; self != nil && strings.Contains(e.Text, "<@"+self.userID) {
		return false
	}
	return true
}

// reactionName is Slack's name for the core's reaction emoji.
func reactionName(emoji string) string {
	if emoji == bot.ReactBook {
		return "book"
	}
	return ""
}

// autolinkReply queues what the core answered a message with: a digest in
// the message's thread, or a reaction on it.
func (a *Adapter) autolinkReply(ws *workspace, e *slackevents.MessageEvent, reply bot.Reply) bool {
	if name := reactionName(reply.React); name != "" {
		ref := slack.NewRefToMessage(e.Channel, e.TimeStamp)
		return a.enqueue(job{what: "auto-link reaction", run: func(ctx context.Context) error {
			err := ws.api.AddReactionContext(ctx, name, ref)
			var se slack.SlackErrorResponse
			if errors.As(err, &se) && se.Err == "already_reacted" {
				return nil
			}
			if err != nil {
				return fmt.Errorf("reactions.add: %w", err)
			}
			return nil
		}})
	}
	if len(reply.Links) == 0 {
		return true
	}
	thread := e.ThreadTimeStamp
	if thread == "" {
		thread = e.TimeStamp
	}
	msg := digest(reply)
	return a.enqueue(job{what: "auto-link reply", run: func(ctx context.Context) error {
		return ws.post(ctx, e.Channel, thread, msg)
	}})
}

// digestNote tells members how to use and silence auto-links.
var digestNote = "A button opens the full card, visible only to you · `" + invocation(bot.CommandAutolink) + " me off` stops links for your messages"

// digest is the auto-link reply: per term the title linked to its first
// source and one line, a button per term that opens its card, and how to
// opt out.
func digest(r bot.Reply) message {
	var b builder
	b.links(r.Links)
	ss := make([]bot.Suggestion, len(r.Links))
	for i, l := range r.Links {
		ss[i] = bot.Suggestion{ID: l.ID, Title: l.Title}
	}
	b.buttons(ss, 1)
	b.add(slack.NewContextBlock("", text(digestNote)))
	return message{ResponseType: slack.ResponseTypeInChannel, Text: fallback(r), Blocks: b.blocks}
}

// manageTimeout bounds the users.info call inside a slash command's
// three seconds.
const manageTimeout = 1500 * time.Millisecond

// canManage reports whether user may change channel's settings: only
// workspace admins and owners, since Slack does not tell apps who manages
// a channel (in a direct message the core does not ask: refbot reads
// none). When Slack cannot be asked, the answer is no.
func (a *Adapter) canManage(ctx context.Context, ws *workspace, channel, user string) bool {
	return a.isAdmin(ctx, ws, user)
}

// isAdmin asks users.info whether user is a workspace admin or owner:
// a moderator, who may review suggestions (bot.Request.Moderator), and
// the one who may change a channel's settings (canManage).
func (a *Adapter) isAdmin(ctx context.Context, ws *workspace, user string) bool {
	ctx, cancel := context.WithTimeout(ctx, manageTimeout)
	defer cancel()
	u, err := ws.api.GetUserInfoContext(ctx, user)
	if err != nil {
		a.log.WarnContext(ctx, "slack: users.info failed; treating the user as not an admin (does the app have users:read?)", "err", err)
		return false
	}
	return u.IsAdmin || u.IsOwner || u.IsPrimaryOwner
}

// reactionClick answers someone who clicks refbot's 📖 reaction: the
// links for that message, visible only to them. It reads the message only
// when refbot itself reacted to it, so a message refbot may not read (its
// author opted out) stays unread however people react to it.
func (a *Adapter) reactionClick(ctx context.Context, ws *workspace, e *slackevents.ReactionAddedEvent) bool {
	if e.Reaction != reactionName(bot.ReactBook) || e.Item.Type != "message" || e.Item.Channel == "" || e.Item.Timestamp == "" || ws.ignore(e.User, "") {
		return true
	}
	self := ws.self
	if self == nil {
		return true
	}
	channel, ts, user := e.Item.Channel, e.Item.Timestamp, e.User
	return a.enqueue(job{what: "auto-link reaction click", run: func(ctx context.Context) error {
		msgs, _, _, err := ws.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: channel, Timestamp: ts, Latest: ts, Inclusive: true, Limit: 200,
		})
		if err != nil {
			return fmt.Errorf("conversations.replies: %w", err)
		}
		for _, m := range msgs {
			if m.Timestamp != ts || !reactedBy(m.Reactions, reactionName(bot.ReactBook), self.userID) {
				continue
			}
			reply := a.handle(ctx, ws, bot.Request{
				Team: ws.team, Channel: channel, Thread: m.ThreadTimestamp, User: user,
				Kind: bot.Action, Command: bot.ActionLinks, Text: blankMarkup(m.Text),
			})
			if len(reply.Links) == 0 && reply.Notice == "" {
				return nil
			}
			thread := m.ThreadTimestamp
			if thread == "" {
				thread = ts
			}
			msg := digest(reply)
			msg.ResponseType = slack.ResponseTypeEphemeral
			return ws.postEphemeral(ctx, channel, thread, user, msg)
		}
		return nil
	}})
}

// reactedBy reports whether user added the reaction name.
func reactedBy(rs []slack.ItemReaction, name, user string) bool {
	for _, r := range rs {
		if r.Name == name && slices.Contains(r.Users, user) {
			return true
		}
	}
	return false
}
