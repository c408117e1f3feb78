package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"refbot/adapters/platform"
)

// This file is refbot's own Socket Mode client. slack-go still opens the
// connection (apps.connections.open) and its types decode what arrives,
// but its managed client (socketmode.Client.RunContext) cannot be made to
// behave under faults from outside:
//
//   - it resets its backoff on every successful connect, so a socket
//     Slack drops right after opening it is reopened in a tight loop
//     (47,072 apps.connections.open calls in 20 s in a test);
//   - a "disconnect" envelope tears the socket down at once, dropping
//     envelopes still arriving on it, and a "warning" disconnect forces a
//     reconnect too;
//   - a failed ack write is only an event, and the reply in it is gone;
//   - a silent socket is noticed after up to twice its ping interval,
//     with no log line saying why; missing_scope is retried for ever.
//
// The protocol is small — hello, envelopes, acks, disconnect — so the
// connection is ours: each socket has a reader and a pinger, the
// supervisor (runSocket) opens a new socket before closing an old one,
// and reconnects are paced by how long the last socket lasted.

// SocketOptions tunes Socket Mode. Zero values are the defaults, chosen
// for Slack; tests shorten them.
type SocketOptions struct {
	// ConnectTimeout bounds each step of connecting: apps.connections.open,
	// the websocket handshake, and Slack's hello after it. Default 20 s.
	ConnectTimeout time.Duration
	// PingInterval is how often refbot pings Slack. Default 10 s.
	PingInterval time.Duration
	// Silence is how long a socket may go without anything from Slack —
	// a message, a ping, a pong — before refbot takes it for dead and
	// reconnects. Default 30 s.
	Silence time.Duration
	// MinBackoff and MaxBackoff bound the wait before reconnecting after a
	// socket that failed or did not last StableAfter: it doubles from
	// MinBackoff (1 s) up to MaxBackoff (2 min), with jitter.
	MinBackoff, MaxBackoff time.Duration
	// StableAfter is how long a socket must last for the next reconnect
	// to follow at once and the backoff to reset. Default 1 minute.
	StableAfter time.Duration
	// WriteTimeout bounds one write (an ack, a ping). Default 10 s.
	WriteTimeout time.Duration
	// Drain bounds how long a socket being replaced or closed waits for
	// the envelopes it is still answering. Default 10 s.
	Drain time.Duration
}

func (o SocketOptions) withDefaults() SocketOptions {
	set := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	set(&o.ConnectTimeout, 20*time.Second)
	set(&o.PingInterval, 10*time.Second)
	set(&o.Silence, 30*time.Second)
	set(&o.MinBackoff, time.Second)
	set(&o.MaxBackoff, 2*time.Minute)
	set(&o.StableAfter, time.Minute)
	set(&o.WriteTimeout, 10*time.Second)
	set(&o.Drain, 10*time.Second)
	return o
}

// Why a socket ended or could not be opened: the reason label of
// refbot_reconnects_total{platform="slack"} and of the log line.
const (
	reasonRefresh  = "refresh_requested" // Slack asked for a new socket
	reasonDiscon   = "disconnect"        // Slack sent another disconnect reason (in the log)
	reasonTimeout  = "timeout"           // no hello, or a silent socket
	reasonClosed   = "closed"            // Slack closed the socket (the log has the code)
	reasonNetwork  = "network"           // the socket broke without a close code
	reasonOpen     = "open_failed"       // apps.connections.open failed
	reasonDial     = "dial"              // the websocket handshake failed
	reasonProtocol = "protocol"          // Slack sent something refbot could not follow

	maxSocketFrame = 8 << 20
	// envelopeTimeout bounds answering one envelope, ack included.
	envelopeTimeout = 15 * time.Second
)

// socketConn is one Socket Mode websocket.
type socketConn struct {
	n     int // 1 for the first socket of this run
	ws    *websocket.Conn
	wmu   sync.Mutex // one data writer at a time (control frames need none)
	dead  atomic.Bool
	up    time.Time
	done  chan struct{} // closed when the reader has returned
	pings sync.WaitGroup

	mu       sync.Mutex
	busy     int        // envelopes being answered
	idle     *sync.Cond // signalled when busy drops to 0 or draining gives up
	stopping bool       // refbot is stopping: take no new envelope
	closing  bool       // the socket is being closed: take no new envelope
}

func newSocketConn(n int, ws *websocket.Conn) *socketConn {
	c := &socketConn{n: n, ws: ws, up: time.Now(), done: make(chan struct{})}
	c.idle = sync.NewCond(&c.mu)
	return c
}

// socketEvent is what a socket tells the supervisor.
type socketEvent struct {
	c      *socketConn
	kind   string // "refresh", "warning", "closed"
	reason string // for the log and the metric
	attrs  []any
}

// socketRun is one runSocket's sockets.
type socketRun struct {
	a      *Adapter
	opts   SocketOptions
	events chan socketEvent
	n      int
	wg     sync.WaitGroup // readers, retiring sockets
}

// runSocket keeps a Socket Mode connection and answers what arrives on it
// until ctx is done. It returns an error only when Slack refuses the
// app-level token.
func (a *Adapter) runSocket(ctx context.Context) error {
	s := &socketRun{a: a, opts: a.cfg.Socket.withDefaults(), events: make(chan socketEvent, 16)}
	backoff := platform.Backoff{Min: s.opts.MinBackoff, Max: s.opts.MaxBackoff, Stable: s.opts.StableAfter}
	var current, old *socketConn
	var wait time.Duration
	stop := func() {
		for _, c := range []*socketConn{current, old} {
			if c != nil {
				s.retire(c, true)
			}
		}
		s.wg.Wait()
	}
	for {
		if current == nil {
			if !sleep(ctx, wait) {
				stop()
				return nil
			}
			c, err := s.open(ctx)
			if err != nil {
				var fatal *fatalError
				switch {
				case ctx.Err() != nil:
					stop()
					return nil
				case errors.As(err, &fatal):
					stop()
					return fatal.err
				}
				reason, attrs := openReason(err)
				wait = backoff.Wait(0)
				var rl *slack.RateLimitedError
				if errors.As(err, &rl) {
					wait = max(wait, rl.RetryAfter)
				}
				a.log.WarnContext(ctx, "slack: Socket Mode connection failed; retrying", append(append([]any{"reason", reason}, attrs...), "wait", wait.Round(time.Millisecond))...)
				a.observeReconnect(reason)
				continue
			}
			current = c
			a.log.InfoContext(ctx, "slack: Socket Mode connected", "connection", c.n)
			if old != nil {
				// The new socket is up: the old one may close once it has
				// answered what it is still answering.
				retiring := old
				s.wg.Go(func() { s.retire(retiring, false) })
				old = nil
			}
		}
		select {
		case <-ctx.Done():
			stop()
			return nil
		case ev := <-s.events:
			switch {
			case ev.kind == "warning":
				// Slack will refresh this socket soon; nothing to do yet.
				a.log.InfoContext(ctx, "slack: Slack says it will refresh the Socket Mode connection soon", "connection", ev.c.n)
				continue
			case ev.c == old && ev.kind == "closed":
				old = nil
				continue
			case ev.c != current:
				continue
			}
			lasted := time.Since(ev.c.up)
			wait = backoff.Wait(lasted)
			level := slog.LevelWarn
			if ev.kind == "refresh" {
				// Keep serving the old socket until the new one is up.
				old = current
				level = slog.LevelInfo
			}
			current = nil
			attrs := append([]any{"reason", ev.reason}, ev.attrs...)
			attrs = append(attrs, "connection", ev.c.n, "lasted", lasted.Round(time.Millisecond), "wait", wait.Round(time.Millisecond))
			a.log.Log(ctx, level, "slack: Socket Mode reconnecting", attrs...)
			a.observeReconnect(ev.reason)
		}
	}
}

// sleep waits d, or reports false when ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// fatalError is a failure reconnecting cannot fix.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }

// stepError is a failed step of connecting, with its reason.
type stepError struct {
	reason string
	err    error
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

func openReason(err error) (string, []any) {
	var se *stepError
	if errors.As(err, &se) {
		return se.reason, []any{"err", se.err}
	}
	return reasonOpen, []any{"err", err}
}

// Errors of apps.connections.open that mean the app-level token will never
// work as it is.
var refusedToken = map[string]bool{
	"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true,
	"token_expired": true, "not_allowed_token_type": true, "invalid_token": true,
}

// open opens one socket: apps.connections.open, the websocket, and
// Slack's hello, each step bounded by ConnectTimeout.
func (s *socketRun) open(ctx context.Context) (*socketConn, error) {
	a, opts := s.a, s.opts
	octx, cancel := context.WithTimeout(ctx, opts.ConnectTimeout)
	defer cancel()
	_, wsURL, err := a.api.StartSocketModeContext(octx)
	if err != nil {
		var se slack.SlackErrorResponse
		var sc slack.StatusCodeError
		switch {
		case errors.As(err, &se) && se.Err == "missing_scope":
			scope := se.Needed
			if scope == "" {
				scope = "connections:write"
			}
			return nil, &fatalError{fmt.Errorf("slack: the app-level token (SLACK_APP_TOKEN) lacks the %s scope: in your app's settings open Basic Information > App-Level Tokens, generate a token with the %s scope, and set SLACK_APP_TOKEN to it", scope, scope)}
		case errors.As(err, &se) && refusedToken[se.Err]:
			return nil, &fatalError{fmt.Errorf("slack: Socket Mode stopped: Slack refused the app-level token (%s); check SLACK_APP_TOKEN (an xapp- token with connections:write, from Basic Information > App-Level Tokens) and that Socket Mode is on in the app settings", se.Err)}
		case errors.As(err, &sc) && sc.Code == http.StatusNotFound:
			return nil, &fatalError{fmt.Errorf("slack: Socket Mode stopped: apps.connections.open answered 404; check slack.api_url")}
		}
		return nil, &stepError{reasonOpen, fmt.Errorf("apps.connections.open: %w", err)}
	}
	dialer := websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: opts.ConnectTimeout,
		// Slack does not reassemble continuation frames: an ack must go
		// in one frame, and acks are under 20 KB.
		WriteBufferSize: 32 << 10,
	}
	ws, res, err := dialer.DialContext(octx, wsURL, http.Header{"Origin": {"https://api.slack.com"}})
	if res != nil && res.Body != nil {
		res.Body.Close()
	}
	if err != nil {
		return nil, &stepError{reasonDial, err}
	}
	ws.SetReadLimit(maxSocketFrame)
	// The first message is hello; anything else, or nothing in time, and
	// this socket is abandoned.
	ws.SetReadDeadline(time.Now().Add(opts.ConnectTimeout))
	stopWatch := context.AfterFunc(ctx, func() { ws.Close() }) // shutdown never waits on a silent socket
	_, data, err := ws.ReadMessage()
	stopWatch()
	var hello struct {
		Type string `json:"type"`
	}
	switch {
	case err != nil && ctx.Err() != nil:
		ws.Close()
		return nil, ctx.Err()
	case isTimeout(err):
		ws.Close()
		return nil, &stepError{reasonTimeout, fmt.Errorf("no hello from Slack within %v", opts.ConnectTimeout)}
	case err != nil:
		ws.Close()
		return nil, &stepError{reasonNetwork, err}
	case json.Unmarshal(data, &hello) != nil || hello.Type != "hello":
		ws.Close()
		return nil, &stepError{reasonProtocol, fmt.Errorf("expected hello, got %.100q", data)}
	}
	s.n++
	c := newSocketConn(s.n, ws)
	alive := func() { ws.SetReadDeadline(time.Now().Add(opts.Silence)) }
	alive()
	ws.SetPingHandler(func(data string) error {
		alive()
		err := ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(opts.WriteTimeout))
		if errors.Is(err, websocket.ErrCloseSent) || isTimeout(err) {
			return nil
		}
		return err
	})
	ws.SetPongHandler(func(string) error { alive(); return nil })
	s.wg.Go(func() { s.read(ctx, c) })
	c.pings.Go(func() { s.ping(c) })
	return c, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// ping pings Slack every PingInterval, so a dead socket shows itself by
// its silence even when Slack sends nothing.
func (s *socketRun) ping(c *socketConn) {
	t := time.NewTicker(s.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if c.ws.WriteControl(websocket.PingMessage, []byte("refbot"), time.Now().Add(s.opts.WriteTimeout)) != nil {
				return
			}
		}
	}
}

// read reads one socket until it fails or is closed, handing each
// envelope to its own goroutine: a slow answer never holds up the next.
func (s *socketRun) read(ctx context.Context, c *socketConn) {
	defer close(c.done)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.dead.Store(true)
			c.ws.Close()
			c.mu.Lock()
			ours := c.closing
			c.mu.Unlock()
			if !ours {
				s.tell(ctx, s.ended(c, err))
			}
			return
		}
		c.ws.SetReadDeadline(time.Now().Add(s.opts.Silence)) // a message is a sign of life too
		s.message(ctx, c, data)
	}
}

// message handles one message from a socket: a disconnect goes to the
// supervisor, an envelope to a goroutine of its own.
func (s *socketRun) message(ctx context.Context, c *socketConn, data []byte) {
	var req socketmode.Request
	if err := json.Unmarshal(data, &req); err != nil {
		s.a.log.WarnContext(ctx, "slack: a Socket Mode message refbot cannot read; ignored", "err", err)
		return
	}
	switch req.Type {
	case socketmode.RequestTypeHello:
	case socketmode.RequestTypeDisconnect:
		kind, reason := "refresh", reasonDiscon
		switch req.Reason {
		case "warning":
			kind = "warning"
		case "refresh_requested":
			reason = reasonRefresh
		}
		s.tell(ctx, socketEvent{c: c, kind: kind, reason: reason, attrs: []any{"slack_reason", req.Reason}})
	default:
		if req.EnvelopeID == "" {
			s.a.log.DebugContext(ctx, "slack: ignoring a Socket Mode message", "type", req.Type)
			return
		}
		c.mu.Lock()
		if c.stopping || c.closing {
			// Unacknowledged, Slack delivers it again on another socket.
			c.mu.Unlock()
			return
		}
		c.busy++
		c.mu.Unlock()
		s.wg.Go(func() {
			defer c.done1()
			hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), envelopeTimeout)
			defer cancel()
			s.a.envelope(hctx, c, req)
		})
	}
}

func (c *socketConn) done1() {
	c.mu.Lock()
	c.busy--
	if c.busy == 0 {
		c.idle.Broadcast()
	}
	c.mu.Unlock()
}

// tell hands an event to the supervisor, or drops it once refbot stops.
func (s *socketRun) tell(ctx context.Context, ev socketEvent) {
	select {
	case s.events <- ev:
	case <-ctx.Done():
	}
}

// ended says why a read failed.
func (s *socketRun) ended(c *socketConn, err error) socketEvent {
	var ce *websocket.CloseError
	switch {
	case isTimeout(err):
		return socketEvent{c: c, kind: "closed", reason: reasonTimeout, attrs: []any{"silence", s.opts.Silence}}
	case errors.As(err, &ce):
		return socketEvent{c: c, kind: "closed", reason: reasonClosed, attrs: []any{"code", ce.Code, "text", ce.Text}}
	}
	return socketEvent{c: c, kind: "closed", reason: reasonNetwork, attrs: []any{"err", err}}
}

// retire closes a socket once it has answered the envelopes it took (for
// at most Drain). stopping: refbot is stopping, so it takes no new ones;
// otherwise it keeps taking them while it drains.
func (s *socketRun) retire(c *socketConn, stopping bool) {
	c.mu.Lock()
	if stopping {
		c.stopping = true
	}
	giveUp := time.AfterFunc(s.opts.Drain, func() {
		c.mu.Lock()
		c.closing = true
		c.idle.Broadcast()
		c.mu.Unlock()
	})
	for c.busy > 0 && !c.closing {
		c.idle.Wait()
	}
	c.closing = true
	c.mu.Unlock()
	giveUp.Stop()
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	c.dead.Store(true)
	c.ws.Close()
	<-c.done
	c.pings.Wait()
}

// errSocketGone is an ack to a socket that has closed.
var errSocketGone = errors.New("the Socket Mode connection it came on has closed")

// send writes one ack to the socket the envelope came on.
func (c *socketConn) send(envelopeID string, payload any, timeout time.Duration) error {
	if c.dead.Load() {
		return errSocketGone
	}
	body, err := json.Marshal(socketmode.Response{EnvelopeID: envelopeID, Payload: payload})
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(timeout))
	return c.ws.WriteMessage(websocket.TextMessage, body)
}

// envelope answers one envelope, once per envelope id, and acknowledges
// it on the socket it came on.
func (a *Adapter) envelope(ctx context.Context, c *socketConn, req socketmode.Request) {
	defer a.survive(ctx, "Socket Mode envelope")
	if !a.envelopes.Add(req.EnvelopeID) {
		// Delivered again: acknowledge it, but do not run it twice.
		a.log.InfoContext(ctx, "slack: envelope delivered again; already handled", "type", req.Type, "envelope", req.EnvelopeID)
		a.observeDuplicate("envelope")
		a.ack(ctx, c, req.EnvelopeID, nil)
		return
	}
	switch req.Type {
	case socketmode.RequestTypeSlashCommands:
		var sc slack.SlashCommand
		if err := json.Unmarshal(req.Payload, &sc); err != nil {
			a.log.WarnContext(ctx, "slack: a slash command refbot cannot read", "err", err)
			a.ack(ctx, c, req.EnvelopeID, nil)
			return
		}
		msg, send := a.command(ctx, sc)
		if !send { // a form opened instead: nothing to say in the channel
			a.ack(ctx, c, req.EnvelopeID, nil)
			return
		}
		a.ackMessage(ctx, c, req.EnvelopeID, sc.ResponseURL, msg)
	case socketmode.RequestTypeInteractive:
		var ic slack.InteractionCallback
		if err := json.Unmarshal(req.Payload, &ic); err != nil {
			a.log.WarnContext(ctx, "slack: an interaction refbot cannot read", "err", err)
			a.ack(ctx, c, req.EnvelopeID, nil)
			return
		}
		a.ack(ctx, c, req.EnvelopeID, a.interaction(ctx, ic))
	case socketmode.RequestTypeEventsAPI:
		ev, err := slackevents.ParseEvent(req.Payload, slackevents.OptionNoVerifyToken())
		if err != nil {
			// An event type slack-go does not know: acknowledge it
			// anyway, or Slack retries it.
			a.log.DebugContext(ctx, "slack: acknowledging an event refbot cannot read", "err", err)
			a.ack(ctx, c, req.EnvelopeID, nil)
			return
		}
		if !a.event(ctx, ev) {
			// Unacknowledged, Slack delivers the event again later.
			a.envelopes.Forget(req.EnvelopeID)
			return
		}
		a.ack(ctx, c, req.EnvelopeID, nil)
	default:
		a.ack(ctx, c, req.EnvelopeID, nil)
	}
}

// ackMessage acknowledges a slash command with its reply. When the reply
// is too big for an ack, or the ack cannot be written (the socket
// dropped after the command was answered), the reply goes to the
// command's response_url instead.
func (a *Adapter) ackMessage(ctx context.Context, c *socketConn, envelopeID, responseURL string, msg message) {
	body, err := json.Marshal(msg)
	var ackErr error
	switch {
	case err == nil && len(body) < maxAck:
		if ackErr = c.send(envelopeID, json.RawMessage(body), a.writeTimeout()); ackErr == nil {
			return
		}
	default:
		a.ack(ctx, c, envelopeID, nil)
	}
	if responseURL == "" {
		a.log.ErrorContext(ctx, "slack: reply lost: it could not go in the ack and the command has no response_url", "bytes", len(body), "err", ackErr)
		return
	}
	if ackErr != nil {
		a.log.WarnContext(ctx, "slack: could not acknowledge a command; posting its reply to the response_url", "envelope", envelopeID, "err", ackErr)
	}
	a.enqueue(job{what: "command reply", run: func(ctx context.Context) error {
		return a.respond(ctx, responseURL, msg, false)
	}})
}

func (a *Adapter) ack(ctx context.Context, c *socketConn, envelopeID string, payload any) {
	if err := c.send(envelopeID, payload, a.writeTimeout()); err != nil {
		a.log.WarnContext(ctx, "slack: Socket Mode ack failed; Slack may deliver it again", "envelope", envelopeID, "err", err)
	}
}

func (a *Adapter) writeTimeout() time.Duration { return a.cfg.Socket.withDefaults().WriteTimeout }

func (a *Adapter) observeReconnect(reason string) {
	if a.cfg.Observer != nil {
		a.cfg.Observer.ObserveReconnect(platformName, reason)
	}
}

func (a *Adapter) observeDuplicate(kind string) {
	if a.cfg.Observer != nil {
		a.cfg.Observer.ObserveDuplicate(platformName, kind)
	}
}
