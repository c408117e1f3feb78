package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"refbot/adapters/platform"
)

// This file is refbot's own Discord gateway client. discordgo's Session
// still makes every REST call, and its types decode what arrives, but its
// gateway connection (Session.Open and the goroutines it starts) cannot be
// made to behave under faults, and none of it can be fixed from outside:
//
//   - Open reads HELLO and READY with no deadline while holding the
//     Session's lock, so a gateway that upgrades the websocket and then
//     says nothing hangs refbot, shutdown included;
//   - its heartbeat gives up only after five missed intervals (a
//     constant) and then closes with code 1000, which ends the session,
//     so the RESUME fails and what happened in the gap is lost;
//   - it never uses READY's resume_gateway_url, answers op 9 INVALID
//     SESSION with an immediate IDENTIFY on the same connection and
//     never resumes after op 9 with d=true, and its reconnect loop
//     retries a gateway that drops every session about once a second.
//
// Replacing the connection is a smaller change than working around each
// of these from outside (rewriting close frames, racing its unexported
// state). The protocol is small: HELLO, IDENTIFY or RESUME, READY or
// RESUMED, heartbeats and their ACKs, dispatches, op 7 and op 9.

// GatewayOptions tunes the gateway connection. Zero values are the
// defaults, chosen for Discord; tests shorten them. The heartbeat interval
// itself comes from Discord's HELLO.
type GatewayOptions struct {
	// StepTimeout bounds each step of connecting: the websocket
	// handshake, HELLO after it, and READY or RESUMED after IDENTIFY or
	// RESUME (each event replayed while resuming starts the step anew). A
	// step that takes longer abandons the connection. Default 20 s.
	StepTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before retrying after a
	// connection that failed or did not last StableAfter: it doubles from
	// MinBackoff (1 s) up to MaxBackoff (2 min), with jitter.
	MinBackoff, MaxBackoff time.Duration
	// StableAfter is how long a connection must last for a drop to be
	// retried at once and the backoff reset. Default 1 minute.
	StableAfter time.Duration
	// InvalidSessionWait is the shortest wait after op 9 INVALID SESSION,
	// for which Discord asks a random 1 to 5 seconds: the wait is drawn
	// between it and five times it. Default 1 s.
	InvalidSessionWait time.Duration
	// WriteTimeout bounds one write to the gateway. Default 10 s.
	WriteTimeout time.Duration
}

func (o GatewayOptions) withDefaults() GatewayOptions {
	set := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	set(&o.StepTimeout, 20*time.Second)
	set(&o.MinBackoff, time.Second)
	set(&o.MaxBackoff, 2*time.Minute)
	set(&o.StableAfter, time.Minute)
	set(&o.InvalidSessionWait, time.Second)
	set(&o.WriteTimeout, 10*time.Second)
	return o
}

// Why a gateway connection ended: the reason label of
// refbot_reconnects_total{platform="discord"} and of the log line.
const (
	reasonDial       = "dial"            // the gateway could not be reached
	reasonTimeout    = "timeout"         // a step of connecting took longer than StepTimeout
	reasonZombie     = "zombie"          // a heartbeat went unacknowledged
	reasonClosed     = "closed"          // Discord closed the connection (the log has the code)
	reasonNetwork    = "network"         // the connection broke without a close code
	reasonReconnect  = "reconnect"       // op 7: Discord asked refbot to reconnect
	reasonInvalid    = "invalid_session" // op 9: the session was invalidated
	reasonProtocol   = "protocol"        // Discord sent something refbot could not follow
	closeResumable   = 4000              // a close code that keeps the session resumable (not 1000/1001)
	maxGatewayFrame  = 16 << 20          // READY of a big bot lists its servers
	handlerTimeout   = 15 * time.Second  // one dispatch's handler, REST calls included
	gatewayOpHello   = 10
	gatewayOpACK     = 11
	gatewayOpBeat    = 1
	gatewayOpIdent   = 2
	gatewayOpResume  = 6
	gatewayOpRecon   = 7
	gatewayOpInvalid = 9
)

// gatewaySession is what lets a new connection resume the last one.
type gatewaySession struct {
	id        string // READY's session_id
	resumeURL string // READY's resume_gateway_url
	seq       int64  // the last dispatch's sequence number
}

func (s gatewaySession) resumable() bool { return s.id != "" && s.seq > 0 }

// gateway holds one Run's connections: the session they share and the
// handlers they started.
type gateway struct {
	a        *Adapter
	opts     GatewayOptions
	sess     gatewaySession
	url      string         // GET /gateway's answer, kept until a dial fails
	handlers sync.WaitGroup // dispatch handlers in flight; Run waits for them
}

// ending is how one connection ended and what to do next.
type ending struct {
	reason string
	attrs  []any     // for the log: code, op, step, err
	warn   bool      // log at WARN; INFO when Discord asked for it (op 7)
	up     time.Time // when READY or RESUMED arrived; zero if never
	resume bool      // the session is still good for a RESUME
	wait   time.Duration
	fatal  error // reconnecting cannot help
	done   bool  // ctx ended
}

// run keeps a gateway connection until ctx is done or Discord refuses
// refbot for good.
func (g *gateway) run(ctx context.Context) error {
	backoff := platform.Backoff{Min: g.opts.MinBackoff, Max: g.opts.MaxBackoff, Stable: g.opts.StableAfter}
	log := g.a.log
	for {
		end := g.connect(ctx)
		switch {
		case end.done || ctx.Err() != nil:
			return nil
		case end.fatal != nil:
			return end.fatal
		}
		if !end.resume {
			g.sess = gatewaySession{}
		}
		var lasted time.Duration
		if !end.up.IsZero() {
			lasted = time.Since(end.up)
		}
		wait := max(backoff.Wait(lasted), end.wait)
		level := slog.LevelInfo
		if end.warn {
			level = slog.LevelWarn
		}
		attrs := append([]any{"reason", end.reason}, end.attrs...)
		attrs = append(attrs, "resume", g.sess.resumable(), "lasted", lasted.Round(time.Millisecond), "wait", wait.Round(time.Millisecond))
		log.Log(ctx, level, "discord gateway reconnecting", attrs...)
		g.a.observeReconnect(end.reason)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// gatewayURL is where the next connection goes: the session's resume URL
// when resuming, else the URL GET /gateway gives, with the API version.
func (g *gateway) gatewayURL(ctx context.Context) (string, error) {
	base := g.sess.resumeURL
	if !g.sess.resumable() || base == "" {
		if g.url == "" {
			ctx, cancel := context.WithTimeout(ctx, g.opts.StepTimeout)
			u, err := g.a.s.Gateway(discordgo.WithContext(ctx))
			cancel()
			if err != nil {
				return "", fmt.Errorf("GET /gateway: %w", err)
			}
			g.url = u
		}
		base = g.url
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.Host == "" {
		return "", fmt.Errorf("gateway URL %q is not a websocket URL", base)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	q := u.Query()
	q.Set("v", discordgo.APIVersion)
	q.Set("encoding", "json")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// forgetURL drops the URL a connection failed to reach: the session's
// resume URL first, so the next try resumes through the main gateway URL,
// then that one, so the try after asks GET /gateway anew.
func (g *gateway) forgetURL() {
	if g.sess.resumeURL != "" {
		g.sess.resumeURL = ""
	} else {
		g.url = ""
	}
}

// payload is one gateway message.
type payload struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s,omitempty"`
	T  string          `json:"t,omitempty"`
}

// connect runs one connection from dial to its end.
func (g *gateway) connect(ctx context.Context) ending {
	opts := g.opts
	target, err := g.gatewayURL(ctx)
	if err != nil {
		g.forgetURL()
		return ending{reason: reasonDial, warn: true, resume: true, attrs: []any{"err", err}}
	}
	dialer := websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: opts.StepTimeout}
	dctx, cancel := context.WithTimeout(ctx, opts.StepTimeout)
	conn, res, err := dialer.DialContext(dctx, target, nil)
	cancel()
	if res != nil && res.Body != nil {
		res.Body.Close()
	}
	if err != nil {
		if ctx.Err() != nil {
			return ending{done: true}
		}
		g.forgetURL()
		return ending{reason: reasonDial, warn: true, resume: true, attrs: []any{"err", err}}
	}
	conn.SetReadLimit(maxGatewayFrame)

	// The reader hands messages to this goroutine, which alone writes to
	// the connection and owns the session; closing the connection ends
	// the reader.
	msgs := make(chan []byte)
	readErr := make(chan error, 1)
	stop := make(chan struct{})
	var reader sync.WaitGroup
	defer func() {
		close(stop)
		conn.Close()
		reader.Wait()
	}()
	reader.Go(func() {
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				readErr <- err
				return
			}
			select {
			case msgs <- data:
			case <-stop:
				return
			}
		}
	})

	write := func(v any) error {
		conn.SetWriteDeadline(time.Now().Add(opts.WriteTimeout))
		return conn.WriteJSON(v)
	}
	// closeWith sends a close frame and drops the connection without
	// waiting for Discord's answer. Any code but 1000 and 1001 keeps the
	// session resumable.
	closeWith := func(code int, text string) {
		conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
		conn.Close()
	}

	step := time.NewTimer(opts.StepTimeout)
	defer step.Stop()
	st := connState{step: "HELLO", acked: true}
	var (
		beat  *time.Timer
		beats <-chan time.Time
	)
	defer func() {
		if beat != nil {
			beat.Stop()
		}
	}()
	broken := func(err error) ending {
		return ending{reason: reasonNetwork, warn: true, up: st.up, resume: true, attrs: []any{"err", err}}
	}

	for {
		select {
		case <-ctx.Done():
			// refbot is stopping: 1000 ends the session, as it should.
			closeWith(websocket.CloseNormalClosure, "refbot stopping")
			return ending{done: true}
		case <-step.C:
			closeWith(closeResumable, "timed out")
			return ending{reason: reasonTimeout, warn: true, resume: true, attrs: []any{"step", st.step, "timeout", opts.StepTimeout}}
		case <-beats:
			if !st.acked {
				// A zombie connection: Discord asks for a close with any
				// code but 1000/1001 and a RESUME on a new connection.
				closeWith(closeResumable, "heartbeat not acknowledged")
				return ending{reason: reasonZombie, warn: true, up: st.up, resume: true, attrs: []any{"interval", st.interval}}
			}
			if err := write(g.heartbeat()); err != nil {
				return broken(err)
			}
			st.acked = false
			beat.Reset(st.interval)
		case err := <-readErr:
			return g.readEnded(err, st.up)
		case data := <-msgs:
			ef := g.receive(ctx, &st, data)
			for _, v := range ef.send {
				if err := write(v); err != nil {
					return broken(err)
				}
			}
			if ef.firstBeat > 0 {
				beat = time.NewTimer(ef.firstBeat)
				beats = beat.C
			}
			switch ef.step {
			case stepRestart:
				step.Reset(opts.StepTimeout)
			case stepDone:
				step.Stop()
			}
			if ef.end != nil {
				closeWith(closeResumable, ef.end.reason)
				return *ef.end
			}
		}
	}
}

// connState is one connection's protocol state.
type connState struct {
	hello    bool          // HELLO arrived: heartbeats run
	interval time.Duration // from HELLO
	acked    bool          // the last heartbeat was acknowledged
	up       time.Time     // when READY or RESUMED arrived
	step     string        // the step of connecting under way: HELLO, READY, RESUMED
	replayed int           // events replayed before RESUMED
}

// effect is what the connection does after a message: write these
// payloads, start heartbeating, restart or stop the step timer, or end
// (closing with a resumable code).
type effect struct {
	send      []any
	firstBeat time.Duration // > 0: HELLO arrived; the first heartbeat after this
	step      int
	end       *ending
}

const (
	stepKeep = iota
	stepRestart
	stepDone
)

// maxHeartbeat bounds the heartbeat interval HELLO may ask for (Discord's
// is about 41 s).
const maxHeartbeat = 5 * time.Minute

// receive follows the protocol for one message from the gateway: it
// updates the connection's state and the session and says what to do;
// dispatches go to their handlers. It does no I/O of its own, so a fuzz
// test can drive it.
func (g *gateway) receive(ctx context.Context, st *connState, data []byte) effect {
	a := g.a
	protocol := func(attrs ...any) effect {
		return effect{end: &ending{reason: reasonProtocol, warn: true, up: st.up, resume: true, attrs: attrs}}
	}
	var p payload
	if err := json.Unmarshal(data, &p); err != nil {
		return protocol("err", fmt.Errorf("undecodable message: %w", err))
	}
	if !st.hello && p.Op != gatewayOpHello {
		return protocol("op", p.Op, "want", "HELLO (op 10)")
	}
	switch p.Op {
	case gatewayOpHello:
		if st.hello {
			return effect{} // a second HELLO changes nothing
		}
		var h struct {
			Interval int64 `json:"heartbeat_interval"`
		}
		if json.Unmarshal(p.D, &h) != nil || h.Interval <= 0 || h.Interval > maxHeartbeat.Milliseconds() {
			return protocol("op", p.Op, "err", "HELLO without a usable heartbeat interval")
		}
		st.hello, st.interval = true, time.Duration(h.Interval)*time.Millisecond
		// The first heartbeat after interval × a random fraction, as
		// Discord asks, so reconnecting clients spread out.
		ef := effect{firstBeat: max(time.Millisecond, time.Duration(rand.Float64()*float64(st.interval))), step: stepRestart}
		if g.sess.resumable() {
			st.step = "RESUMED"
			ef.send = []any{map[string]any{"op": gatewayOpResume, "d": map[string]any{
				"token": a.s.Token, "session_id": g.sess.id, "seq": g.sess.seq,
			}}}
		} else {
			st.step = "READY"
			ef.send = []any{map[string]any{"op": gatewayOpIdent, "d": a.identify()}}
		}
		return ef
	case gatewayOpACK:
		st.acked = true
	case gatewayOpBeat: // Discord asks for a heartbeat now
		return effect{send: []any{g.heartbeat()}}
	case gatewayOpRecon:
		return effect{end: &ending{reason: reasonReconnect, up: st.up, resume: true, attrs: []any{"op", p.Op}}}
	case gatewayOpInvalid:
		var resumable bool
		json.Unmarshal(p.D, &resumable)
		// Discord asks for a random 1–5 s before the next try, on a new
		// connection: a RESUME when d is true, else IDENTIFY.
		wait := g.opts.InvalidSessionWait + time.Duration(rand.Float64()*float64(4*g.opts.InvalidSessionWait))
		return effect{end: &ending{reason: reasonInvalid, warn: true, up: st.up, resume: resumable, wait: wait, attrs: []any{"op", p.Op, "d", resumable}}}
	case 0:
		if p.S != nil && *p.S > g.sess.seq {
			g.sess.seq = *p.S
		}
		switch p.T {
		case "READY":
			var r struct {
				SessionID string            `json:"session_id"`
				ResumeURL string            `json:"resume_gateway_url"`
				User      *discordgo.User   `json:"user"`
				Guilds    []json.RawMessage `json:"guilds"`
			}
			if err := json.Unmarshal(p.D, &r); err != nil || r.SessionID == "" {
				ef := protocol("err", "READY without a session id")
				ef.end.resume = false
				return ef
			}
			g.sess.id, g.sess.resumeURL = r.SessionID, r.ResumeURL
			a.ready(&discordgo.Ready{SessionID: r.SessionID, User: r.User})
			st.up = time.Now()
			a.log.InfoContext(ctx, "discord gateway connected", "shard", a.cfg.ShardID, "shards", a.cfg.ShardCount, "servers", len(r.Guilds), "heartbeat", st.interval)
			return effect{step: stepDone}
		case "RESUMED":
			st.up = time.Now()
			a.log.InfoContext(ctx, "discord gateway resumed", "replayed", st.replayed)
			return effect{step: stepDone}
		}
		g.dispatch(ctx, p.T, p.D)
		if st.up.IsZero() { // replayed while resuming: the step goes on
			st.replayed++
			return effect{step: stepRestart}
		}
	default:
		a.log.DebugContext(ctx, "discord gateway: ignoring an op", "op", p.Op)
	}
	return effect{}
}

// heartbeat is op 1 with the last sequence number (null before the
// first dispatch).
func (g *gateway) heartbeat() map[string]any {
	var seq any
	if g.sess.seq > 0 {
		seq = g.sess.seq
	}
	return map[string]any{"op": gatewayOpBeat, "d": seq}
}

// readEnded says what a failed read means: Discord closed with a code
// (fatal, a new session, or resumable) or the network broke.
func (g *gateway) readEnded(err error, up time.Time) ending {
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		return ending{reason: reasonNetwork, warn: true, up: up, resume: true, attrs: []any{"err", err}}
	}
	if advice := fatalClose[ce.Code]; advice != "" {
		return ending{fatal: fmt.Errorf("discord gateway closed with code %d: %s", ce.Code, advice)}
	}
	// 4007 (invalid seq) and 4009 (session timed out) need a new
	// session; any other code may be resumed.
	resume := ce.Code != 4007 && ce.Code != 4009
	return ending{reason: reasonClosed, warn: true, up: up, resume: resume, attrs: []any{"code", ce.Code, "text", ce.Text}}
}

// identify is the IDENTIFY payload: the token, the intents refbot needs,
// and this process's shard.
func (a *Adapter) identify() map[string]any {
	d := map[string]any{
		"token":   a.s.Token,
		"intents": intents(a.cfg.MessageContent),
		"properties": map[string]string{
			"os": runtime.GOOS, "browser": "refbot", "device": "refbot",
		},
	}
	if a.cfg.ShardCount > 1 {
		d["shard"] = [2]int{a.cfg.ShardID, a.cfg.ShardCount}
	}
	return d
}

// dispatch hands one event to its handler on a goroutine of its own, so
// a slow answer never holds up the connection or another answer. Handlers
// outlive a cancelled ctx by up to handlerTimeout, so an interaction that
// arrived is still answered while refbot stops.
func (g *gateway) dispatch(ctx context.Context, t string, d json.RawMessage) {
	a := g.a
	run := func(f func(ctx context.Context)) {
		g.handlers.Go(func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), handlerTimeout)
			defer cancel()
			f(ctx)
		})
	}
	switch t {
	case "INTERACTION_CREATE":
		var ic discordgo.InteractionCreate
		if err := json.Unmarshal(d, &ic); err != nil || ic.Interaction == nil {
			a.log.WarnContext(ctx, "discord: an interaction refbot cannot read; ignored", "err", err)
			return
		}
		run(func(ctx context.Context) { a.gatewayInteraction(ctx, ic.Interaction) })
	case "MESSAGE_CREATE":
		if !a.cfg.MessageContent {
			return
		}
		var mc discordgo.MessageCreate
		if err := json.Unmarshal(d, &mc); err != nil || mc.Message == nil {
			a.log.WarnContext(ctx, "discord: a message refbot cannot read; ignored", "err", err)
			return
		}
		run(func(ctx context.Context) { a.gatewayMessage(ctx, mc.Message) })
	}
}
