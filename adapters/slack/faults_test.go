package slack

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"refbot/bot"
)

// Socket Mode under faults, against the fake's misbehaving sockets: every
// test counts what was answered and acknowledged (lost 0, doubled 0) and
// what the fake saw, never how long anything took. Intervals are injected
// short through Config.Socket.

// quick are Socket Mode timings for tests. They are generous where a
// busy machine under -race could trip them (a step, the silence limit)
// and short where only counts matter (backoffs).
var quick = SocketOptions{
	ConnectTimeout: 2 * time.Second,
	PingInterval:   100 * time.Millisecond,
	Silence:        time.Second,
	MinBackoff:     5 * time.Millisecond,
	MaxBackoff:     time.Second,
	StableAfter:    time.Minute,
	Drain:          5 * time.Second,
}

// observer counts what the adapter reports to platform.Observer.
type observer struct {
	mu         sync.Mutex
	reconnects map[string]int
	duplicates map[string]int
}

func newObserver() *observer {
	return &observer{reconnects: map[string]int{}, duplicates: map[string]int{}}
}

func (o *observer) ObserveReconnect(platform, reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.reconnects[platform+"/"+reason]++
}

func (o *observer) ObserveDuplicate(platform, kind string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.duplicates[platform+"/"+kind]++
}

func (o *observer) reconnect(key string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.reconnects[key]
}

func (o *observer) duplicate(key string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.duplicates[key]
}

// gate is the core's lookup statistics, holding every /define inside the
// core: until releaseAt lookups are in flight at once, or until a test
// closes release.
type gate struct {
	bot.Stats
	mu        sync.Mutex
	calls     int
	inflight  int
	most      int
	releaseAt int
	release   chan struct{}
	entered   chan struct{}
}

func newGate(releaseAt int) *gate {
	return &gate{Stats: bot.NewMemoryStats(), releaseAt: releaseAt, release: make(chan struct{}), entered: make(chan struct{}, 1024)}
}

func (g *gate) RecordLookup(ctx context.Context, l bot.Lookup) error {
	g.mu.Lock()
	g.calls++
	g.inflight++
	g.most = max(g.most, g.inflight)
	if g.inflight == g.releaseAt {
		close(g.release)
	}
	g.mu.Unlock()
	g.entered <- struct{}{}
	select {
	case <-g.release:
	case <-time.After(time.Minute): // a guard against a hang
	}
	g.mu.Lock()
	g.inflight--
	g.mu.Unlock()
	return g.Stats.RecordLookup(ctx, l)
}

func (g *gate) counts() (calls, most int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls, g.most
}

// socketEnv runs the adapter in Socket Mode with quick timings, the fake's
// sockets planned by plan, and the core's lookups through stats (nil:
// in memory) with a deadline long enough for a test to hold them.
func socketEnv(t *testing.T, plan func(n int) socketPlan, stats bot.Stats) (*env, *observer) {
	t.Helper()
	obs := newObserver()
	e := newEnvConfig(t, ModeSocket, true, bot.Config{Stats: stats, Timeout: time.Minute},
		func(c *Config) { c.Socket, c.Observer = quick, obs },
		func(e *env) { e.api.socketPlan = plan })
	return e, obs
}

// upTo waits for socket n to say hello.
func upTo(t *testing.T, e *env, n int) {
	t.Helper()
	for {
		if got := recv(t, e.api.up, fmt.Sprintf("socket %d to say hello", n)); got >= n {
			return
		}
	}
}

// defineEnvelope is /define TERM as an envelope with id.
func defineEnvelope(id, term, responseURL string) string {
	return envelope("slash_commands", id, slashJSON("/define", term, responseURL))
}

// acksFor reads n acks and returns them by envelope id.
func acksFor(t *testing.T, e *env, n int) map[string][]map[string]any {
	t.Helper()
	got := map[string][]map[string]any{}
	for range n {
		a := recv(t, e.api.acks, "an ack")
		id, _ := a["envelope_id"].(string)
		got[id] = append(got[id], a)
	}
	return got
}

// reconnectLines returns the "Socket Mode reconnecting" and "connection
// failed" log lines.
func reconnectLines(e *env) []string {
	var out []string
	for _, l := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(l, "Socket Mode reconnecting") || strings.Contains(l, "Socket Mode connection failed") {
			out = append(out, l)
		}
	}
	return out
}

var waitAttr = regexp.MustCompile(` wait=(\S+)`)

// waitFor polls cond (a guard against a hang, not a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSocketModeFlapping: sockets Slack drops right after hello are
// reopened with a growing wait — not in a tight loop — and when Slack
// recovers, commands are answered.
func TestSocketModeFlapping(t *testing.T) {
	const flaps = 6
	e, obs := socketEnv(t, func(n int) socketPlan { return socketPlan{drop: n <= flaps} }, nil)
	upTo(t, e, flaps+1)
	e.api.envelopes <- defineEnvelope("f1", "mesa optimisation", e.hooks.url())
	if a := acksFor(t, e, 1)["f1"]; len(a) != 1 || a[0]["payload"] == nil {
		t.Fatalf("acks for f1 = %v, want one with the card", a)
	}
	if n := e.api.opens.Load(); n != flaps+1 {
		t.Errorf("%d apps.connections.open calls, want %d", n, flaps+1)
	}
	lines := reconnectLines(e)
	if len(lines) != flaps {
		t.Fatalf("%d reconnect lines, want %d:\n%s", len(lines), flaps, strings.Join(lines, "\n"))
	}
	var waits []time.Duration
	for _, l := range lines {
		m := waitAttr.FindStringSubmatch(l)
		if m == nil || !strings.Contains(l, "level=WARN") || !(strings.Contains(l, "reason=closed") || strings.Contains(l, "reason=network")) {
			t.Fatalf("reconnect line %q, want WARN with reason closed or network and the wait", l)
		}
		d, err := time.ParseDuration(m[1])
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, d)
	}
	for i := 1; i < len(waits); i++ {
		if waits[i] < waits[i-1] {
			t.Errorf("waits %v: the backoff must grow", waits)
		}
	}
	if waits[flaps-1] < 8*waits[0] {
		t.Errorf("waits %v: the last is not 8 times the first", waits)
	}
	if n := obs.reconnect("slack/closed") + obs.reconnect("slack/network"); n != flaps {
		t.Errorf("%d reconnects counted, want %d", n, flaps)
	}
}

// TestSocketModeRefresh: after a refresh_requested disconnect, commands
// still arriving on the old socket are answered there; the old socket is
// closed only once the new one has said hello.
func TestSocketModeRefresh(t *testing.T) {
	var ids, old []string
	for i := range 3 {
		ids = append(ids, fmt.Sprint("r", i))
		old = append(old, defineEnvelope(ids[i], "inner alignment", fmt.Sprint("http://127.0.0.1:1/unused/", i)))
	}
	e, obs := socketEnv(t, func(n int) socketPlan {
		switch n {
		case 1:
			return socketPlan{refresh: old}
		case 2:
			return socketPlan{helloAfterAcks: 3} // the new socket is slow to come up
		}
		return socketPlan{}
	}, nil)
	acks := acksFor(t, e, 3)
	for _, id := range ids {
		if a := acks[id]; len(a) != 1 || !strings.Contains(fmt.Sprint(a[0]["payload"]), "Inner Alignment") {
			t.Errorf("acks for %s = %v, want one with the card", id, a)
		}
	}
	upTo(t, e, 2)
	waitFor(t, "the old socket to be closed", func() bool { return strings.Contains(strings.Join(e.api.happened(), ","), "client closed 1") })
	got := strings.Join(e.api.happened(), ",")
	if !strings.HasPrefix(got, "hello 1,hello 2,client closed 1") {
		t.Errorf("happened %s, want hello 1, hello 2, then the old socket closed", got)
	}
	e.api.envelopes <- defineEnvelope("r-new", "mesa", e.hooks.url())
	if a := acksFor(t, e, 1)["r-new"]; len(a) != 1 {
		t.Errorf("the command after the refresh: acks %v", a)
	}
	if n := obs.reconnect("slack/refresh_requested"); n != 1 {
		t.Errorf("%d refresh reconnects counted, want 1", n)
	}
	if l := reconnectLines(e); len(l) != 1 || !strings.Contains(l[0], "level=INFO") || !strings.Contains(l[0], "reason=refresh_requested") {
		t.Errorf("reconnect lines %q, want one INFO refresh_requested", l)
	}
}

// TestSocketModeWarning: a "warning" disconnect is logged and nothing
// more: no new socket until Slack asks for one.
func TestSocketModeWarning(t *testing.T) {
	e, _ := socketEnv(t, func(n int) socketPlan { return socketPlan{warning: n == 1} }, nil)
	waitFor(t, "the warning to be logged", func() bool { return strings.Contains(e.logs.String(), "will refresh the Socket Mode connection soon") })
	e.api.envelopes <- defineEnvelope("w1", "mesa", e.hooks.url())
	if a := acksFor(t, e, 1)["w1"]; len(a) != 1 || a[0]["payload"] == nil {
		t.Errorf("acks for w1 = %v", a)
	}
	if n := e.api.opens.Load(); n != 1 {
		t.Errorf("%d apps.connections.open calls after a warning, want 1", n)
	}
	if l := reconnectLines(e); len(l) != 0 {
		t.Errorf("reconnected after a warning: %q", l)
	}
}

// TestSocketModeSilence: a socket that goes silent (no message, no ping,
// no pong) is taken for dead, the log says why, and the next socket
// serves; so is one that never says hello, or says something else first.
func TestSocketModeSilence(t *testing.T) {
	for _, tc := range []struct {
		name, reason, line string
		plan               socketPlan
	}{
		{"silent after hello", "timeout", "silence=1s", socketPlan{silent: true}},
		{"no hello", "timeout", "no hello from Slack", socketPlan{noHello: true}},
		{"not hello first", "protocol", "expected hello", socketPlan{badHello: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, obs := socketEnv(t, func(n int) socketPlan {
				if n == 1 {
					return tc.plan
				}
				return socketPlan{}
			}, nil)
			upTo(t, e, 2)
			e.api.envelopes <- defineEnvelope("s1", "mesa", e.hooks.url())
			if a := acksFor(t, e, 1)["s1"]; len(a) != 1 || a[0]["payload"] == nil {
				t.Errorf("acks for s1 = %v", a)
			}
			l := reconnectLines(e)
			if len(l) != 1 || !strings.Contains(l[0], "reason="+tc.reason) || !strings.Contains(l[0], tc.line) || !strings.Contains(l[0], "wait=") {
				t.Errorf("reconnect lines %q, want one with reason %s, %q and the wait", l, tc.reason, tc.line)
			}
			if n := obs.reconnect("slack/" + tc.reason); n != 1 {
				t.Errorf("%d %s reconnects counted, want 1", n, tc.reason)
			}
		})
	}
}

// TestSocketModeShutdownWhileConnecting: stopping refbot while a socket
// withholds hello (Slack's 20 s limit, longer than the test's guard)
// ends Run at once.
func TestSocketModeShutdownWhileConnecting(t *testing.T) {
	e := newEnvConfig(t, ModeSocket, false, bot.Config{}, nil, func(e *env) {
		e.api.socketPlan = func(int) socketPlan { return socketPlan{noHello: true} }
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.a.Run(ctx) }()
	waitFor(t, "the socket", func() bool { return e.api.conns.Load() == 1 })
	cancel()
	if err := recv(t, done, "Run to return after cancel"); err != nil {
		t.Errorf("Run = %v", err)
	}
}

// TestSocketModeRefusedToken: an app-level token Slack refuses, or one
// without connections:write, stops Run after one try with a message
// saying what to change; it is not retried.
func TestSocketModeRefusedToken(t *testing.T) {
	for _, tc := range []struct {
		name, openError, appToken string
		want                      []string
	}{
		{"missing_scope", "missing_scope", "", []string{"connections:write", "App-Level Tokens"}},
		{"wrong token", "", "xapp-wrong", []string{"refused the app-level token (invalid_auth)", "SLACK_APP_TOKEN"}},
		{"token_revoked", "token_revoked", "", []string{"refused the app-level token (token_revoked)", "SLACK_APP_TOKEN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvConfig(t, ModeSocket, false, bot.Config{}, func(c *Config) {
				if tc.appToken != "" {
					c.AppToken = tc.appToken
				}
			}, func(e *env) { e.api.openError.Store(tc.openError) })
			err := e.a.Run(t.Context())
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("Run = %v, want it to say %q", err, w)
				}
			}
			if n := e.api.opens.Load(); n != 1 {
				t.Errorf("%d apps.connections.open calls, want 1: %s is not retried", n, tc.name)
			}
		})
	}
}

// TestSocketModeOpenFails: while apps.connections.open fails with an error
// that may pass, refbot retries with a growing wait, logging each failure
// with its reason; once Slack answers, commands are answered.
func TestSocketModeOpenFails(t *testing.T) {
	obs := newObserver()
	e := newEnvConfig(t, ModeSocket, true, bot.Config{Timeout: time.Minute},
		func(c *Config) { c.Socket, c.Observer = quick, obs },
		func(e *env) { e.api.openError.Store("internal_error") }) // before Run's first open
	waitFor(t, "three failed opens", func() bool { return e.api.opens.Load() >= 3 })
	e.api.openError.Store("")
	upTo(t, e, 1)
	e.api.envelopes <- defineEnvelope("o1", "mesa optimisation", e.hooks.url())
	if a := acksFor(t, e, 1)["o1"]; len(a) != 1 || a[0]["payload"] == nil {
		t.Errorf("acks for o1 = %v, want one with the card", a)
	}
	failed := obs.reconnect("slack/open_failed")
	lines := reconnectLines(e)
	if failed < 3 || len(lines) != failed {
		t.Fatalf("%d open failures counted, %d lines; want at least 3 and one line each", failed, len(lines))
	}
	for _, l := range lines {
		if !strings.Contains(l, "level=WARN") || !strings.Contains(l, "reason=open_failed") || !strings.Contains(l, "internal_error") || !waitAttr.MatchString(l) {
			t.Errorf("line %q, want WARN reason=open_failed with Slack's error and the wait", l)
		}
	}
}

// TestSocketModeAckFails: the socket drops after a command was answered
// but before its ack could be written; the reply goes to the command's
// response_url, once, and the log says so.
func TestSocketModeAckFails(t *testing.T) {
	g := newGate(0)
	e, obs := socketEnv(t, func(n int) socketPlan { return socketPlan{dropAfterEnvelope: n == 1} }, g)
	hook := e.hooks.url()
	e.api.envelopes <- defineEnvelope("a1", "mesa optimisation", hook)
	recv(t, g.entered, "the command to reach the core")
	waitFor(t, "the drop to be noticed", func() bool { return obs.reconnect("slack/closed")+obs.reconnect("slack/network") == 1 })
	close(g.release) // now the command finishes, on a socket that is gone
	got := recv(t, e.hooks.got, "the reply at the response_url")
	if !strings.Contains(string(got.Raw), "Mesa-Optimization") {
		t.Errorf("response_url got %s, want the card", got.Raw)
	}
	waitFor(t, "the log line", func() bool {
		return strings.Contains(e.logs.String(), "could not acknowledge a command; posting its reply to the response_url")
	})
	upTo(t, e, 2)
	e.api.envelopes <- defineEnvelope("a2", "inner alignment", e.hooks.url())
	acks := acksFor(t, e, 1)
	if len(acks["a1"]) != 0 || len(acks["a2"]) != 1 {
		t.Errorf("acks %v, want only a2's", acks)
	}
	select {
	case extra := <-e.hooks.got:
		t.Errorf("a second response_url post: %s", extra.Raw)
	default:
	}
}

// TestSocketModeDuplicates: an envelope delivered three times runs its
// command once; every delivery is acknowledged, the reply only in the
// first ack.
func TestSocketModeDuplicates(t *testing.T) {
	g := newGate(1) // each lookup passes at once; the gate counts them
	e, obs := socketEnv(t, nil, g)
	for range 3 {
		e.api.envelopes <- defineEnvelope("d1", "mesa optimisation", e.hooks.url())
	}
	acks := acksFor(t, e, 3)["d1"]
	withReply := 0
	for _, a := range acks {
		if a["payload"] != nil {
			withReply++
		}
	}
	if len(acks) != 3 || withReply != 1 {
		t.Errorf("%d acks, %d with the reply; want 3 and 1", len(acks), withReply)
	}
	if calls, _ := g.counts(); calls != 1 {
		t.Errorf("the command ran %d times, want once", calls)
	}
	if n := obs.duplicate("slack/envelope"); n != 2 {
		t.Errorf("%d duplicates counted, want 2", n)
	}
}

// TestSocketModeSlowCore: 50 commands whose answers are slow are all
// answered at once (every one is held until 50 are in the core
// together), not one after another; each is acknowledged once with its
// reply.
func TestSocketModeSlowCore(t *testing.T) {
	const burst = 50
	g := newGate(burst)
	e, _ := socketEnv(t, nil, g)
	for i := range burst {
		e.api.envelopes <- defineEnvelope(fmt.Sprint("b", i), "mesa optimisation", e.hooks.url())
	}
	acks := acksFor(t, e, burst)
	for i := range burst {
		if a := acks[fmt.Sprint("b", i)]; len(a) != 1 || a[0]["payload"] == nil {
			t.Errorf("acks for b%d = %v, want one with the reply", i, a)
		}
	}
	if calls, most := g.counts(); calls != burst || most != burst {
		t.Errorf("%d commands ran, at most %d at once; want %d and %d", calls, most, burst, burst)
	}
}
