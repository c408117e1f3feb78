package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// runSocket keeps a Socket Mode connection (slack-go reconnects on its
// own) and feeds what arrives to the shared handler until ctx is done.
func (a *Adapter) runSocket(ctx context.Context) error {
	client := socketmode.New(a.api, socketmode.OptionLog(slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)))
	done := make(chan error, 1)
	go func() { done <- client.RunContext(ctx) }()
	for {
		select {
		case err := <-done:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack: Socket Mode stopped (%w); check SLACK_APP_TOKEN (an xapp- token with connections:write) and that Socket Mode is on in the app settings", err)
		case evt := <-client.Events:
			a.socketEvent(ctx, client, evt)
		case <-ctx.Done():
			<-done // RunContext returns once ctx is done
			return nil
		}
	}
}

// socketEvent handles one Socket Mode event and acknowledges its envelope.
func (a *Adapter) socketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	defer a.survive(ctx, "Socket Mode event")
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.log.DebugContext(ctx, "slack: Socket Mode connecting")
	case socketmode.EventTypeConnected:
		a.log.InfoContext(ctx, "slack: Socket Mode connected")
	case socketmode.EventTypeConnectionError:
		a.log.WarnContext(ctx, "slack: Socket Mode connection failed; retrying", "err", errOf(evt.Data))
	case socketmode.EventTypeInvalidAuth:
		a.log.ErrorContext(ctx, "slack: Slack rejected the app-level token (SLACK_APP_TOKEN)")
	case socketmode.EventTypeSlashCommand:
		sc, ok := evt.Data.(slack.SlashCommand)
		if !ok || evt.Request == nil {
			return
		}
		msg, send := a.command(ctx, sc)
		if !send {
			a.ack(ctx, client, evt.Request.EnvelopeID, nil)
			return
		}
		a.ackMessage(ctx, client, evt.Request, sc.ResponseURL, msg)
	case socketmode.EventTypeInteractive:
		ic, ok := evt.Data.(slack.InteractionCallback)
		if !ok || evt.Request == nil {
			return
		}
		a.ack(ctx, client, evt.Request.EnvelopeID, a.interaction(ctx, ic))
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok || evt.Request == nil {
			return
		}
		// Unacknowledged, Slack delivers the event again later.
		if a.event(ctx, ev) {
			a.ack(ctx, client, evt.Request.EnvelopeID, nil)
		}
	case socketmode.EventTypeErrorBadMessage:
		// slack-go could not parse the envelope (for example an event type
		// it does not know). Acknowledge it anyway, or Slack retries it.
		bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
		if !ok {
			return
		}
		var env struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if json.Unmarshal(bad.Message, &env) == nil && env.EnvelopeID != "" {
			a.log.DebugContext(ctx, "slack: acknowledging an envelope refbot cannot read", "err", bad.Cause)
			a.ack(ctx, client, env.EnvelopeID, nil)
		}
	default:
		if evt.Request != nil && evt.Request.EnvelopeID != "" {
			a.ack(ctx, client, evt.Request.EnvelopeID, nil)
		}
	}
}

// ackMessage acknowledges a slash command with its reply, or, when the
// reply is too big for an ack, with nothing and posts it to response_url.
func (a *Adapter) ackMessage(ctx context.Context, client *socketmode.Client, req *socketmode.Request, responseURL string, msg message) {
	body, err := json.Marshal(msg)
	if err == nil && len(body) < maxAck {
		a.ack(ctx, client, req.EnvelopeID, json.RawMessage(body))
		return
	}
	a.ack(ctx, client, req.EnvelopeID, nil)
	if responseURL == "" {
		a.log.WarnContext(ctx, "slack: reply too big for an ack and no response_url", "bytes", len(body))
		return
	}
	a.enqueue(job{what: "command reply", run: func(ctx context.Context) error {
		return a.respond(ctx, responseURL, msg, false)
	}})
}

func (a *Adapter) ack(ctx context.Context, client *socketmode.Client, envelopeID string, payload any) {
	if err := client.AckCtx(ctx, envelopeID, payload); err != nil && !errors.Is(err, context.Canceled) {
		a.log.WarnContext(ctx, "slack: Socket Mode ack failed", "err", err)
	}
}

func errOf(data any) error {
	if e, ok := data.(*slack.ConnectionErrorEvent); ok {
		return e.ErrorObj
	}
	return nil
}
