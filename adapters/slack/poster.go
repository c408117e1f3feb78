package slack

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"

	"refbot/bot"
)

// Reading prompts: the scheduler's posts (bot.Poster) and public prompts
// asked for with /refbot reading. A prompt is posted whole as a channel
// message, and a short reply in its thread opens the discussion there, so
// the channel shows the reading and the talk gathers under it.

var _ bot.Poster = (*Adapter)(nil)

// metadataType marks refbot's scheduled posts (Slack message metadata),
// so Find can recognise one after a crash.
const metadataType = "refbot_reading_post"

// findPages bounds how far back Find looks (pages of findPageSize).
const (
	findPages    = 5
	findPageSize = 200
)

// discussText opens a prompt's thread.
const discussText = "💬 Discuss this reading here: reply in this thread with your answers to the questions above."

// Post implements bot.Poster: the post in channel, carrying key in its
// metadata, then, for a reading prompt, the thread reply. It returns the
// post's ts; a failed thread reply is logged, since the prompt itself is
// out. In OAuth mode team names the workspace whose token posts.
func (a *Adapter) Post(ctx context.Context, team, channel, key string, r bot.Reply) (string, error) {
	ws, err := a.scheduledWorkspace(ctx, team)
	if err != nil {
		return "", err
	}
	meta := slack.SlackMetadata{EventType: metadataType, EventPayload: map[string]any{"key": key}}
	if r.Prompt == nil {
		return ws.postMessage(ctx, channel, render(r, renderOptions{}), &meta)
	}
	return a.postPrompt(ctx, ws, channel, render(r, renderOptions{}), &meta)
}

var _ bot.DirectPoster = (*Adapter)(nil)

// PostDirect implements bot.DirectPoster: chat.postMessage to the user's
// id, which Slack delivers in the app's direct messages with them.
func (a *Adapter) PostDirect(ctx context.Context, team, user string, r bot.Reply) error {
	ws, err := a.scheduledWorkspace(ctx, team)
	if err != nil {
		return err
	}
	_, err = ws.postMessage(ctx, user, render(r, renderOptions{}), nil)
	return err
}

// postMessage posts msg to channel (or a user's id: a direct message).
func (ws *workspace) postMessage(ctx context.Context, channel string, msg message, meta *slack.SlackMetadata) (string, error) {
	opts := []slack.MsgOption{
		slack.MsgOptionText(msg.Text, false),
		slack.MsgOptionBlocks(msg.Blocks...),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	}
	if meta != nil {
		opts = append(opts, slack.MsgOptionMetadata(*meta))
	}
	_, ts, err := ws.api.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return "", fmt.Errorf("chat.postMessage: %w", err)
	}
	return ts, nil
}

// scheduledWorkspace is the workspace a scheduled post goes to.
func (a *Adapter) scheduledWorkspace(ctx context.Context, team string) (*workspace, error) {
	ws, err := a.workspace(ctx, team)
	if errors.Is(err, errNotInstalled) {
		return nil, fmt.Errorf("slack: workspace %q has no installation: install refbot there (%s) or correct reading.schedules' team (refbot slack installations lists them)", team, InstallPath)
	}
	return ws, err
}

// postPrompt posts msg to channel and opens its discussion thread.
func (a *Adapter) postPrompt(ctx context.Context, ws *workspace, channel string, msg message, meta *slack.SlackMetadata) (string, error) {
	ts, err := ws.postMessage(ctx, channel, msg, meta)
	if err != nil {
		return "", err
	}
	discuss := message{Text: discussText, Blocks: []slack.Block{slack.NewSectionBlock(text(discussText), nil, nil)}}
	if err := ws.post(ctx, channel, ts, discuss); err != nil {
		a.log.WarnContext(ctx, "slack: reading prompt posted, but its discussion thread was not opened", "channel", channel, "ts", ts, "err", err)
	}
	return ts, nil
}

// Find implements bot.Poster: it looks through the channel's recent
// history for a message of refbot's carrying key. That needs the
// channels:history scope (groups:history for private channels); without
// it Find reports nothing and logs what to add.
func (a *Adapter) Find(ctx context.Context, team, channel, key string) (string, error) {
	ws, err := a.scheduledWorkspace(ctx, team)
	if err != nil {
		return "", err
	}
	params := &slack.GetConversationHistoryParameters{ChannelID: channel, Limit: findPageSize, IncludeAllMetadata: true}
	self := ws.self
	for range findPages {
		res, err := ws.api.GetConversationHistoryContext(ctx, params)
		if err != nil {
			var se slack.SlackErrorResponse
			if errors.As(err, &se) && se.Err == "missing_scope" {
				a.log.WarnContext(ctx, "slack: cannot check whether a reading prompt was already posted; add the channels:history and groups:history scopes to let refbot look before posting again", "channel", channel)
				return "", nil
			}
			return "", fmt.Errorf("conversations.history: %w", err)
		}
		for _, m := range res.Messages {
			if m.Metadata.EventType != metadataType || m.Metadata.EventPayload["key"] != key {
				continue
			}
			if self != nil && m.BotID != "" && m.BotID != self.botID {
				continue // another app's message that copies the marker
			}
			return m.Timestamp, nil
		}
		if !res.HasMore || res.ResponseMetaData.NextCursor == "" {
			break
		}
		params.Cursor = res.ResponseMetaData.NextCursor
	}
	return "", nil
}

// publicPrompt posts a public prompt asked for with a slash command as a
// channel message with a thread, which a slash command's own reply cannot
// open. Where refbot may not post (not in the channel), the prompt goes
// to the response_url instead, without a thread.
func (a *Adapter) publicPrompt(ws *workspace, channel, responseURL string, reply bot.Reply) message {
	msg := render(reply, renderOptions{})
	queued := a.enqueue(job{what: "reading prompt", run: func(ctx context.Context) error {
		_, err := a.postPrompt(ctx, ws, channel, msg, nil)
		if err == nil || responseURL == "" {
			return err
		}
		a.log.InfoContext(ctx, "slack: could not post the reading prompt as refbot; answering through the command instead (no thread)", "channel", channel, "err", err)
		return a.respond(ctx, responseURL, msg, false)
	}})
	if !queued {
		return msg // in the channel through the command's reply
	}
	return message{ResponseType: slack.ResponseTypeEphemeral, Text: "Posting the reading prompt with a thread for discussion…"}
}
