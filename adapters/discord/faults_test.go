package discord

import (
	"bufio"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"refbot/bot/bottest"
)

// The gateway under faults, against the fake gateway's strict sessions:
// every test counts what was answered (lost 0, doubled 0) and what the
// gateway saw, never how long anything took. Discord's intervals are
// injected short: the fake's HELLO carries a short heartbeat interval
// and Config.Gateway short steps and backoffs.

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

func (o *observer) counts() (reconnects, duplicates map[string]int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return maps(o.reconnects), maps(o.duplicates)
}

func maps(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// quick are gateway timings for tests: steps and backoffs in
// milliseconds, so a test never waits for Discord's real intervals.
var quick = GatewayOptions{
	StepTimeout:        2 * time.Second, // generous: -race on a busy machine is slow
	MinBackoff:         5 * time.Millisecond,
	MaxBackoff:         time.Second,
	StableAfter:        time.Minute,
	InvalidSessionWait: 5 * time.Millisecond,
}

// gatewayEnv is an adapter on the fake gateway with its log (JSON lines)
// and its observer.
type gatewayEnv struct {
	a    *Adapter
	api  *fakeAPI
	logs *bottest.Buffer
	obs  *observer
}

func newGatewayEnv(t testing.TB, mod func(*Config)) *gatewayEnv {
	t.Helper()
	e := &gatewayEnv{api: newFakeAPI(t), logs: &bottest.Buffer{}, obs: newObserver()}
	cfg := Config{
		Token: "test-token", ApplicationID: testApp, PublicKey: testKey.Public().(ed25519.PublicKey),
		Client: e.api.client(), Gateway: quick, Observer: e.obs,
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := New(newBot(t), cfg, slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	e.a = a
	return e
}

// lines returns the log lines with message msg.
func (e *gatewayEnv) lines(msg string) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(e.logs.String()))
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// up waits for the n-th connection to come up and says whether it
// resumed.
func (e *gatewayEnv) up(t testing.TB, n int) bool {
	t.Helper()
	for {
		select {
		case u := <-e.api.up:
			if u.conn == n {
				return u.resumed
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("connection %d never came up; connections: %+v", n, e.api.records())
		}
	}
}

// define is a /define interaction with the given id.
func define(id string) gatewayEvent {
	return gatewayEvent{"INTERACTION_CREATE", withID(interaction(2, commandData("define", stringOpt("term", "mesa optimisation", false))), id)}
}

func interactionID(n int) string { return fmt.Sprintf("22%017d", n) }

// answeredOnce fails t unless exactly ids were answered, each once.
func answeredOnce(t testing.TB, api *fakeAPI, ids ...string) {
	t.Helper()
	got := api.waitCallbacks(t, len(ids), 10*time.Second)
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("interaction %s answered %d times, want once", id, got[id])
		}
	}
	if len(got) != len(ids) {
		t.Errorf("answered %v, want exactly %v", got, ids)
	}
}

// TestGatewayWithheldHello: a gateway that upgrades the websocket and says
// nothing (or reads IDENTIFY and sends no READY) is abandoned after the
// step timeout, logged with the step, and the next connection serves.
func TestGatewayWithheldHello(t *testing.T) {
	for _, tc := range []struct {
		name, step string
		plan       connPlan
	}{
		{"HELLO", "HELLO", connPlan{noHello: true}},
		{"READY", "READY", connPlan{noReady: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newGatewayEnv(t, nil)
			e.api.plan = func(n int) connPlan {
				if n == 1 {
					return tc.plan
				}
				return connPlan{}
			}
			runGateway(t, e.a)
			if e.up(t, 2) {
				t.Error("connection 2 resumed; there was no session to resume")
			}
			e.api.events <- define(interactionID(1))
			answeredOnce(t, e.api, interactionID(1))
			recs := e.api.records()
			if tc.step == "HELLO" && len(recs[0].ops) != 0 {
				t.Errorf("connection 1 (no HELLO) got ops %v, want none", recs[0].ops)
			}
			if len(recs[1].ops) == 0 || recs[1].ops[0] != 2 {
				t.Errorf("connection 2 began with ops %v, want IDENTIFY (2)", recs[1].ops)
			}
			lines := e.lines("discord gateway reconnecting")
			if len(lines) != 1 || lines[0]["reason"] != "timeout" || lines[0]["step"] != tc.step || lines[0]["level"] != "WARN" || lines[0]["wait"] == nil {
				t.Errorf("reconnect lines = %v, want one WARN with reason timeout, step %s and the wait", lines, tc.step)
			}
			if r, _ := e.obs.counts(); r["discord/timeout"] != 1 || len(r) != 1 {
				t.Errorf("reconnects = %v, want discord/timeout once", r)
			}
		})
	}
}

// TestGatewayShutdownWhileConnecting: SIGTERM (ctx) while the gateway
// withholds HELLO or READY ends Run at once; nothing waits out the step
// timeout (20 s by default, longer than runGateway's guard).
func TestGatewayShutdownWhileConnecting(t *testing.T) {
	for _, plan := range []connPlan{{noHello: true}, {noReady: true}} {
		e := newGatewayEnv(t, func(c *Config) { c.Gateway = GatewayOptions{} })
		e.api.plan = func(int) connPlan { return plan }
		cancel, done := runGateway(t, e.a)
		for len(e.api.records()) == 0 || (plan.noReady && len(e.api.records()[0].ops) == 0) {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Run still waiting on a stalled connection (%+v) after cancel", plan)
		}
	}
}

// TestGatewayZombie: the gateway stops acknowledging heartbeats (and
// sending anything) while 8 interactions are waiting. refbot notices
// within two intervals, closes with a code that keeps the session (the
// fake's strict session ends on 1000/1001), resumes at
// resume_gateway_url, and answers all 8 from the replay, each once.
func TestGatewayZombie(t *testing.T) {
	e := newGatewayEnv(t, nil)
	e.api.interval = 300 // ms: refbot gives up on the zombie within 600 ms
	e.api.plan = func(n int) connPlan { return connPlan{zombie: n == 1} }
	var ids []string
	for n := range 8 {
		ids = append(ids, interactionID(n))
		e.api.events <- define(interactionID(n)) // queued before the first READY
	}
	runGateway(t, e.a)
	if !e.up(t, 2) {
		t.Fatal("connection 2 did not resume")
	}
	answeredOnce(t, e.api, ids...)
	recs := e.api.records()
	if c := recs[0].closeCode; c == 0 || c == 1000 || c == 1001 {
		t.Errorf("zombie closed with code %d, want one that keeps the session (not 1000/1001)", c)
	}
	if recs[0].unacked < 1 || recs[0].unacked > 2 {
		t.Errorf("%d heartbeats went unacknowledged before refbot gave up, want 1 or 2", recs[0].unacked)
	}
	if recs[1].path != "/resume" || recs[1].ops[0] != 6 || recs[1].replayed != 8 {
		t.Errorf("connection 2: path %s, ops %v, replayed %d; want a RESUME (6) at resume_gateway_url replaying 8", recs[1].path, recs[1].ops, recs[1].replayed)
	}
	if r, _ := e.obs.counts(); r["discord/zombie"] != 1 {
		t.Errorf("reconnects = %v, want discord/zombie once", r)
	}
	if lines := e.lines("discord gateway resumed"); len(lines) != 1 || lines[0]["replayed"] != 8.0 {
		t.Errorf("resumed lines = %v, want one with replayed=8", lines)
	}
}

// TestGatewayReconnectRequested: op 7 closes with a resumable code and
// resumes at resume_gateway_url; the session goes on.
func TestGatewayReconnectRequested(t *testing.T) {
	e := newGatewayEnv(t, nil)
	e.api.plan = func(n int) connPlan { return connPlan{op7: n == 1} }
	runGateway(t, e.a)
	if !e.up(t, 2) {
		t.Fatal("connection 2 did not resume after op 7")
	}
	e.api.events <- define(interactionID(1))
	answeredOnce(t, e.api, interactionID(1))
	recs := e.api.records()
	if c := recs[0].closeCode; c == 0 || c == 1000 || c == 1001 {
		t.Errorf("closed with code %d after op 7, want one that keeps the session", c)
	}
	if recs[1].path != "/resume" || recs[1].ops[0] != 6 {
		t.Errorf("connection 2: path %s, ops %v; want a RESUME at resume_gateway_url", recs[1].path, recs[1].ops)
	}
	lines := e.lines("discord gateway reconnecting")
	if len(lines) != 1 || lines[0]["reason"] != "reconnect" || lines[0]["op"] != 7.0 || lines[0]["level"] != "INFO" {
		t.Errorf("reconnect lines = %v, want one INFO with reason reconnect and op 7", lines)
	}
}

// TestGatewayInvalidSession: op 9 is answered on a new connection (never
// an IDENTIFY on the same one), after the wait Discord asks for: a RESUME
// when d is true, an IDENTIFY when it is false.
func TestGatewayInvalidSession(t *testing.T) {
	for _, resumable := range []bool{true, false} {
		t.Run(fmt.Sprint("d=", resumable), func(t *testing.T) {
			e := newGatewayEnv(t, nil)
			e.api.plan = func(n int) connPlan {
				if n == 1 {
					return connPlan{op9: &resumable}
				}
				return connPlan{}
			}
			runGateway(t, e.a)
			if got := e.up(t, 2); got != resumable {
				t.Errorf("connection 2 resumed = %v, want %v", got, resumable)
			}
			e.api.events <- define(interactionID(1))
			answeredOnce(t, e.api, interactionID(1))
			recs := e.api.records()
			identifies := 0
			for _, op := range recs[0].ops {
				if op == 2 {
					identifies++
				}
			}
			if slices.Index(recs[0].ops, 2) != 0 || identifies != 1 {
				t.Errorf("connection 1 ops %v, want one IDENTIFY and none after op 9", recs[0].ops)
			}
			want := 2
			if resumable {
				want = 6
			}
			if recs[1].ops[0] != want {
				t.Errorf("connection 2 began with op %d, want %d", recs[1].ops[0], want)
			}
			lines := e.lines("discord gateway reconnecting")
			if len(lines) != 1 || lines[0]["reason"] != "invalid_session" || lines[0]["d"] != resumable || lines[0]["wait"].(float64) < float64(quick.InvalidSessionWait) {
				t.Errorf("reconnect lines = %v, want reason invalid_session with d and a wait of at least InvalidSessionWait", lines)
			}
		})
	}
}

// TestGatewayFlapping: a gateway that closes every session right after
// READY is retried with a growing wait, not once a second for ever; when
// it recovers, interactions are answered.
func TestGatewayFlapping(t *testing.T) {
	const flaps = 6
	e := newGatewayEnv(t, nil)
	e.api.plan = func(n int) connPlan {
		if n <= flaps {
			return connPlan{closeAfterReady: 4000}
		}
		return connPlan{}
	}
	runGateway(t, e.a)
	e.up(t, flaps+1)
	e.api.events <- define(interactionID(1))
	answeredOnce(t, e.api, interactionID(1))
	lines := e.lines("discord gateway reconnecting")
	if len(lines) != flaps {
		t.Fatalf("%d reconnect lines, want %d", len(lines), flaps)
	}
	var waits []float64
	for _, l := range lines {
		if l["reason"] != "closed" || l["code"] != 4000.0 {
			t.Errorf("reconnect line %v, want reason closed, code 4000", l)
		}
		waits = append(waits, l["wait"].(float64))
	}
	for i := 1; i < len(waits); i++ {
		if waits[i] < waits[i-1] {
			t.Errorf("wait %d (%v) shorter than wait %d (%v): the backoff must grow", i, waits[i], i-1, waits[i-1])
		}
	}
	if waits[flaps-1] < 8*waits[0] {
		t.Errorf("waits %v: the last is not 8 times the first", waits)
	}
	if r, _ := e.obs.counts(); r["discord/closed"] != flaps {
		t.Errorf("reconnects = %v, want discord/closed %d times", r, flaps)
	}
}

// TestGatewayCloseCodes: after Discord closes a connection, refbot
// resumes when the code allows it and identifies anew when the session
// is gone (4007, 4009).
func TestGatewayCloseCodes(t *testing.T) {
	for _, tc := range []struct {
		code int
		op   int
	}{{4000, 6}, {4008, 6}, {1001, 6}, {4007, 2}, {4009, 2}} {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			e := newGatewayEnv(t, nil)
			e.api.plan = func(n int) connPlan {
				if n == 1 {
					return connPlan{closeAfterReady: tc.code}
				}
				return connPlan{}
			}
			runGateway(t, e.a)
			e.up(t, 2)
			if op := e.api.records()[1].ops[0]; op != tc.op {
				t.Errorf("after close %d connection 2 began with op %d, want %d", tc.code, op, tc.op)
			}
		})
	}
}

// TestGatewayStopsOnFatalClose: 4004 and 4014 stop Run with advice, after
// one attempt.
func TestGatewayStopsOnFatalClose(t *testing.T) {
	for code, advice := range map[int]string{4004: "DISCORD_BOT_TOKEN", 4014: "Message Content Intent"} {
		e := newGatewayEnv(t, nil)
		e.api.closing = code
		_, done := runGateway(t, e.a)
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), fmt.Sprint(code)) || !strings.Contains(err.Error(), advice) {
				t.Errorf("Run = %v, want code %d and advice naming %s", err, code, advice)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Run kept retrying after %d", code)
		}
		if n := len(e.api.records()); n != 1 {
			t.Errorf("%d connections after %d, want 1", n, code)
		}
	}
}

// TestGatewayDuplicates: an interaction dispatched three times is
// answered once; one without an id is not answered at all (no POST to
// /interactions//callback).
func TestGatewayDuplicates(t *testing.T) {
	e := newGatewayEnv(t, nil)
	runGateway(t, e.a)
	e.up(t, 1)
	for range 3 {
		e.api.events <- define(interactionID(1))
	}
	e.api.events <- define("")
	e.api.events <- define(interactionID(2))
	answeredOnce(t, e.api, interactionID(1), interactionID(2))
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, d := e.obs.counts()
		warned := len(e.lines("discord: an interaction without an id or token; ignored"))
		if d["discord/interaction"] == 2 && warned == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("duplicates %v, %d warnings; want 2 duplicates and 1 warning", d, warned)
		}
		time.Sleep(5 * time.Millisecond)
	}
	answeredOnce(t, e.api, interactionID(1), interactionID(2))
	for _, c := range e.api.Calls() {
		if strings.Contains(c.Path, "/interactions//") {
			t.Errorf("called %s", c.Path)
		}
	}
}

// TestGatewayBurst: 200 interactions at once are all in flight together
// (each callback is held until 200 are waiting), so no answer queues
// behind a fixed pool; each is answered once.
func TestGatewayBurst(t *testing.T) {
	const burst = 200
	e := newGatewayEnv(t, nil)
	e.api.holdCallbacks = burst
	runGateway(t, e.a)
	e.up(t, 1)
	var ids []string
	for n := range burst {
		ids = append(ids, interactionID(n))
		e.api.events <- define(interactionID(n))
	}
	// A long guard against a hang: 200 answers under -race on a shared
	// machine take a while. It is not a timing assertion.
	e.api.waitCallbacks(t, burst, time.Minute)
	answeredOnce(t, e.api, ids...)
	e.api.mu.Lock()
	most := e.api.maxInflight
	e.api.mu.Unlock()
	if most != burst {
		t.Errorf("at most %d callbacks in flight at once, want all %d", most, burst)
	}
}

// TestGatewayStopClosesSession: stopping refbot closes with 1000, which
// ends the session, as a deliberate stop should.
func TestGatewayStopClosesSession(t *testing.T) {
	e := newGatewayEnv(t, nil)
	cancel, done := runGateway(t, e.a)
	e.up(t, 1)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for e.api.records()[0].closeCode == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if c := e.api.records()[0].closeCode; c != 1000 {
		t.Errorf("closed with %d on stop, want 1000", c)
	}
}

// TestCallbackFailures: a rate-limited callback is waited out and sent
// once; one Discord refuses as already answered (40060) is a warning, not
// an error; one that cannot be sent at all is logged without the
// interaction's token, which is a credential.
func TestCallbackFailures(t *testing.T) {
	var i discordgo.Interaction
	if err := json.Unmarshal(define(interactionID(1)).d, &i); err != nil {
		t.Fatal(err)
	}
	t.Run("rate limited", func(t *testing.T) {
		e := newGatewayEnv(t, nil)
		e.api.limited = 2
		e.a.gatewayInteraction(t.Context(), &i)
		answeredOnce(t, e.api, i.ID)
		if n := strings.Count(e.logs.String(), "discord rate limited; waiting"); n != 2 {
			t.Errorf("%d rate-limit lines, want 2:\n%s", n, e.logs)
		}
	})
	t.Run("already answered", func(t *testing.T) {
		e := newGatewayEnv(t, nil)
		e.api.callbackError = `{"message":"Interaction has already been acknowledged.","code":40060}`
		e.a.gatewayInteraction(t.Context(), &i)
		lines := e.lines("discord: interaction already answered (delivered twice?)")
		if len(lines) != 1 || lines[0]["level"] != "WARN" || strings.Contains(e.logs.String(), `"level":"ERROR"`) {
			t.Errorf("log:\n%s\nwant one WARN and no ERROR", e.logs)
		}
	})
	t.Run("refused", func(t *testing.T) {
		e := newGatewayEnv(t, nil)
		e.api.callbackError = `{"message":"Unknown interaction","code":10062}`
		e.a.gatewayInteraction(t.Context(), &i)
		if lines := e.lines("discord interaction response"); len(lines) != 1 || !strings.Contains(fmt.Sprint(lines[0]["err"]), "10062") {
			t.Errorf("log:\n%s\nwant the refusal with its code", e.logs)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		e := newGatewayEnv(t, func(c *Config) { c.Client = &http.Client{Transport: failTransport{}} })
		e.a.gatewayInteraction(t.Context(), &i)
		if lines := e.lines("discord interaction response"); len(lines) != 1 {
			t.Errorf("log:\n%s\nwant the failure logged", e.logs)
		}
		if strings.Contains(e.logs.String(), i.Token) {
			t.Errorf("the log shows the interaction token:\n%s", e.logs)
		}
	})
}

// TestGatewayURL: the gateway URL gets the API version and encoding; a
// resume URL that is not a websocket URL is refused, and the next try
// goes to the main gateway.
func TestGatewayURL(t *testing.T) {
	e := newGatewayEnv(t, nil)
	g := &gateway{a: e.a, opts: quick.withDefaults(), url: "wss://gateway.example"}
	got, err := g.gatewayURL(t.Context())
	if err != nil || got != "wss://gateway.example/?encoding=json&v="+discordgo.APIVersion {
		t.Errorf("gatewayURL = %q, %v", got, err)
	}
	g.sess = gatewaySession{id: "s", seq: 3, resumeURL: "https://not-a-websocket.example"}
	if _, err := g.gatewayURL(t.Context()); err == nil {
		t.Error("an https resume URL was accepted")
	}
	g.sess.resumeURL = "wss://resume.example/path?x=1"
	if got, _ := g.gatewayURL(t.Context()); got != "wss://resume.example/path?encoding=json&v="+discordgo.APIVersion+"&x=1" {
		t.Errorf("resume URL = %q", got)
	}
}

// TestGatewayBadResumeURL: a resume_gateway_url refbot cannot use (not a
// websocket URL) or cannot reach costs one failed try; the next resumes
// the same session through the main gateway URL.
func TestGatewayBadResumeURL(t *testing.T) {
	for _, bad := range []string{"https://not-a-websocket.example", "ws://127.0.0.1:1/resume"} {
		t.Run(bad, func(t *testing.T) {
			e := newGatewayEnv(t, nil)
			e.api.resumeURL = bad
			e.api.plan = func(n int) connPlan {
				if n == 1 {
					return connPlan{closeAfterReady: 4000}
				}
				return connPlan{}
			}
			runGateway(t, e.a)
			if !e.up(t, 2) {
				t.Fatal("connection 2 did not resume")
			}
			e.api.events <- define(interactionID(1))
			answeredOnce(t, e.api, interactionID(1))
			recs := e.api.records()
			if len(recs) != 2 || recs[1].path != "/" || recs[1].ops[0] != 6 {
				t.Errorf("connections %+v, want a second one resuming (6) at the main URL", recs)
			}
			lines := e.lines("discord gateway reconnecting")
			if len(lines) != 2 || lines[0]["reason"] != "closed" || lines[1]["reason"] != "dial" || lines[1]["resume"] != true {
				t.Errorf("reconnect lines %v, want closed, then dial still resuming", lines)
			}
		})
	}
}
