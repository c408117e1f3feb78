package slack

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"refbot/bot"
	"refbot/bot/bottest"
)

// faultyEnv is an environment whose core panics on its next lookup when
// told to, logging to the environment's log.
func faultyEnv(t *testing.T, mode string) (*env, *bottest.Faulty) {
	t.Helper()
	f := bottest.NewFaulty()
	logs := &bottest.Buffer{}
	e := newEnvWith(t, mode, true, bot.Config{Stats: f, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	t.Cleanup(func() {
		if n := strings.Count(logs.String(), "request panicked"); n != 1 {
			t.Errorf("the core's log has %d panic lines, want 1:\n%s", n, logs)
		}
	})
	return e, f
}

// A panic in the core, reached over HTTP, is a polite reply; the next
// request is answered as usual.
func TestCorePanicOverHTTP(t *testing.T) {
	e, f := faultyEnv(t, ModeHTTP)
	f.PanicNext(1)
	w := e.serve(signed(testSecret, formType, slash("/define", "mesa optimisation", e.hooks.url())))
	if w.Code != 200 || !strings.Contains(w.Body.String(), "Something went wrong inside refbot") {
		t.Fatalf("after a panic: %d %s", w.Code, w.Body)
	}
	w = e.serve(signed(testSecret, formType, slash("/define", "mesa optimisation", e.hooks.url())))
	if w.Code != 200 || !strings.Contains(w.Body.String(), "Mesa-Optimization") {
		t.Errorf("the next request: %d %s", w.Code, w.Body)
	}
}

// The same over Socket Mode, where a panic would otherwise end the
// connection's loop and the process with it.
func TestCorePanicOverSocketMode(t *testing.T) {
	e, f := faultyEnv(t, ModeSocket)
	f.PanicNext(1)
	for i, want := range []string{"Something went wrong inside refbot", "Mesa-Optimization"} {
		id := fmt.Sprintf("p%d", i)
		e.api.envelopes <- envelope("slash_commands", id, slashJSON("/define", "mesa optimisation", e.hooks.url()))
		a := recv(t, e.api.acks, "the ack of "+id)
		if a["envelope_id"] != id || !strings.Contains(fmt.Sprint(a["payload"]), want) {
			t.Errorf("ack %d = %v, want %q", i, a, want)
		}
	}
}

// A bug in a queued post is logged, and the workers go on posting.
func TestQueuedJobPanicIsSurvived(t *testing.T) {
	e := newEnv(t, ModeHTTP, true)
	done := make(chan struct{})
	e.a.enqueue(job{what: "buggy", run: func(context.Context) error { panic("adapter bug") }})
	for range workers { // every worker meets a buggy job, then a good one
		e.a.enqueue(job{what: "buggy", run: func(context.Context) error { panic("adapter bug") }})
	}
	e.a.enqueue(job{what: "fine", run: func(context.Context) error { close(done); return nil }})
	recv(t, done, "the job after the panics")
	if !strings.Contains(e.logs.String(), "slack: bug: panic") || !strings.Contains(e.logs.String(), "adapter bug") {
		t.Errorf("the panics were not logged:\n%s", e.logs)
	}
}
