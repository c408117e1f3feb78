package bot_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/bottest"
)

func logLines(log *bottest.Buffer) []string {
	return strings.Split(strings.TrimSpace(log.String()), "\n")
}

// A panic under Handle becomes one logged error and a polite reply, and
// the next request is answered as usual.
func TestAnswerRecoversPanics(t *testing.T) {
	store := bottest.NewFaulty()
	var log bottest.Buffer
	obs := &recorder{}
	b := newBot(t, bot.Config{
		Stats: store, AutolinkStore: store, Observer: obs, Logger: slog.New(slog.NewTextHandler(&log, nil)),
		Autolink: bot.AutolinkConfig{Enabled: true, Channels: []bot.AutolinkChannel{{Platform: "test", Channel: "C1"}}},
	})
	define := bot.Request{Platform: "test", Channel: "C1", Kind: bot.Command, Command: "define", Text: "mesa optimisation"}
	chat := bot.Request{Platform: "test", Channel: "C1", User: "U1", Kind: bot.Message, Text: "deceptive alignment again"}

	store.PanicNext(2)
	r := b.Answer(context.Background(), define)
	if r.Card != nil || !strings.Contains(r.Notice, "Something went wrong inside refbot") {
		t.Errorf("after a panic: %+v, want an apology", r)
	}
	if r := b.Answer(context.Background(), chat); r.Notice != "" || len(r.Links) != 0 || r.React != "" {
		t.Errorf("a chat message that panicked got %+v; want nothing posted", r)
	}
	lines := logLines(&log)
	if len(lines) != 2 || !strings.Contains(lines[0], "request panicked") || !strings.Contains(lines[0], "a bug under the core") ||
		!strings.Contains(lines[0], "stack=") || !strings.Contains(lines[1], "request panicked") {
		t.Errorf("log has %d lines, want one per panic with the panic and its stack:\n%s", len(lines), log.String())
	}
	if strings.Contains(log.String(), "mesa optimisation") {
		t.Errorf("the log quotes what the user typed:\n%s", log.String())
	}

	if r := b.Answer(context.Background(), define); r.Card == nil || r.Card.ID != "mesa-optimization" {
		t.Errorf("the request after the panic: %+v, want the card", r)
	}
	want := []string{"test command panic", "test message panic", "test command ok"}
	if !slices.Equal(obs.requests, want) {
		t.Errorf("observed %q, want %q", obs.requests, want)
	}
}

// A failed request is logged once, by Answer, and measured as an error.
func TestAnswerLogsFailuresOnce(t *testing.T) {
	var log bottest.Buffer
	obs := &recorder{}
	b := newBot(t, bot.Config{Stats: failingStats{}, Observer: obs, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	r := b.Answer(context.Background(), bot.Request{Platform: "test", Kind: bot.Command, Command: "stats"})
	if !strings.Contains(r.Notice, "try again") && !strings.Contains(r.Notice, "Try again") {
		t.Errorf("notice %q: want a retry hint", r.Notice)
	}
	lines := logLines(&log)
	if len(lines) != 1 || !strings.Contains(lines[0], "request failed") || !strings.Contains(lines[0], "disk full") || !strings.Contains(lines[0], "command=stats") {
		t.Errorf("log, want exactly one line naming the command and the error:\n%s", log.String())
	}
	if want := []string{"test command error"}; !slices.Equal(obs.requests, want) {
		t.Errorf("observed %q, want %q", obs.requests, want)
	}
}

// slowStats blocks until its context is done.
type slowStats struct{ bot.Stats }

func (slowStats) TopLookups(ctx context.Context, platform string, n int) (bot.TopTerms, error) {
	if _, ok := ctx.Deadline(); !ok {
		return bot.TopTerms{}, errors.New("no deadline")
	}
	<-ctx.Done()
	return bot.TopTerms{}, ctx.Err()
}

// Answer gives the core a deadline: a store that hangs is given up on,
// and the user told to try again.
func TestAnswerDeadline(t *testing.T) {
	var log bottest.Buffer
	b := newBot(t, bot.Config{Stats: slowStats{bot.NewMemoryStats()}, Timeout: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	r := b.Answer(context.Background(), bot.Request{Platform: "test", Kind: bot.Command, Command: "stats"})
	if !strings.Contains(r.Notice, "Try again") {
		t.Errorf("notice %q: want a retry hint", r.Notice)
	}
	if !strings.Contains(log.String(), context.DeadlineExceeded.Error()) {
		t.Errorf("log %q: want the deadline", log.String())
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[bot.Kind]string{bot.Command: "command", bot.Message: "message", bot.Action: "action", bot.Complete: "complete", bot.Kind(9): "kind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

// downStore is an auto-link store whose database is unreachable.
type downStore struct{ *bot.MemoryAutolink }

func (downStore) ChannelAutolink(context.Context, string, string) (bot.AutolinkMode, error) {
	return bot.AutolinkUnset, fmt.Errorf("read channel auto-link setting: %w: dial unix: connection refused", bot.ErrStoreDown)
}

// While the state store is unreachable /define still answers from memory,
// and the requests that needed the store are counted as errors but not
// logged one by one: the store logs its outage once per interval.
func TestAnswerStoreDown(t *testing.T) {
	var log bottest.Buffer
	obs := &recorder{}
	b := newBot(t, bot.Config{
		AutolinkStore: downStore{bot.NewMemoryAutolink()}, Observer: obs, Logger: slog.New(slog.NewTextHandler(&log, nil)),
		Autolink: bot.AutolinkConfig{Enabled: true, Channels: []bot.AutolinkChannel{{Platform: "test", Channel: "C1"}}},
	})
	for range 3 {
		if r := b.Answer(context.Background(), bot.Request{Platform: "test", Channel: "C1", User: "U1", Kind: bot.Message, Text: "deceptive alignment"}); len(r.Links) != 0 {
			t.Errorf("linked with the store down: %+v", r)
		}
	}
	if r := b.Answer(context.Background(), bot.Request{Platform: "test", Channel: "C1", Kind: bot.Command, Command: "define", Text: "mesa optimisation"}); r.Card == nil {
		t.Errorf("/define with the store down: %+v, want the card", r)
	}
	if log.String() != "" {
		t.Errorf("logged per request:\n%s", log.String())
	}
	want := []string{"test message error", "test message error", "test message error", "test command ok"}
	if !slices.Equal(obs.requests, want) {
		t.Errorf("observed %q, want %q", obs.requests, want)
	}
}
