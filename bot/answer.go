package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// This file is the one middleware around the core. Every adapter asks
// through Answer, on every path (HTTP, Socket Mode, the gateway, queued
// jobs, the console, refbot define), so none of them recovers, logs or
// measures on its own.

// DefaultTimeout bounds one request: inside the 3 seconds Slack and
// Discord give an answer, with time left to render and send it.
const DefaultTimeout = 2 * time.Second

// Observer receives measurements (Prometheus in refbot serve).
type Observer interface {
	// ObserveLookup counts one glossary lookup and how long it took.
	ObserveLookup(outcome string, d time.Duration)
	// ObserveRequest counts one request Answer handled: its platform,
	// kind (Kind.String), outcome (RequestOK, RequestFailed,
	// RequestPanicked) and duration.
	ObserveRequest(platform, kind, outcome string, d time.Duration)
}

// Lookup outcomes as reported to Observer.
const (
	OutcomeMatch   = "match"
	OutcomeSuggest = "suggest"
	OutcomeNone    = "none"
)

// Request outcomes as reported to Observer.
const (
	RequestOK       = "ok"
	RequestFailed   = "error" // answered, with an error for the log
	RequestPanicked = "panic" // the core panicked; the user got an apology
)

// somethingWentWrong is the polite reply to a request the core could not
// finish; the log has the detail.
const somethingWentWrong = "Something went wrong inside refbot while answering that. Try again; if it keeps happening, tell whoever runs refbot (the details are in its log)."

// Answer answers one request: Handle run under the core's deadline
// (Config.Timeout), measured (Config.Observer), with a failure logged
// once (Config.Logger) and a panic turned into a logged error and a polite
// reply. The reply is always safe to send as it is: empty for a chat
// message refbot could not read, so nothing is posted about it.
func (b *Bot) Answer(ctx context.Context, req Request) (reply Reply) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	outcome := RequestOK
	defer func() {
		if p := recover(); p != nil {
			outcome = RequestPanicked
			reply = apology(req)
			b.log.ErrorContext(ctx, "request panicked", append(requestAttrs(req), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))...)
		}
		if b.cfg.Observer != nil {
			b.cfg.Observer.ObserveRequest(req.Platform, req.Kind.String(), outcome, time.Since(start))
		}
	}()
	reply, err := b.Handle(ctx, req)
	if err != nil {
		outcome = RequestFailed
		level := slog.LevelError
		if errors.Is(err, ErrStoreDown) {
			level = slog.LevelDebug // the store logs its outage once per interval
		}
		b.log.Log(ctx, level, "request failed", append(requestAttrs(req), "err", err)...)
	}
	return reply
}

// requestAttrs say which request a log line is about; never its text,
// which is what a user typed.
func requestAttrs(req Request) []any {
	return []any{"platform", req.Platform, "kind", req.Kind.String(), "command", req.Command, "channel", req.Channel}
}

// apology is what a user gets when the core panicked on their request.
func apology(req Request) Reply {
	switch req.Kind {
	case Message:
		return Reply{} // nobody asked; post nothing
	case Complete:
		return Reply{ListKind: Choices}
	}
	return Reply{Notice: somethingWentWrong}
}
