// Package slack is refbot's Slack adapter. It takes slash commands
// (/define, /refbot), buttons, menus and @mentions, over HTTP (POST
// /slack/events, one URL as Bolt uses) or Socket Mode, hands them to the
// core as bot.Requests and renders the replies as Block Kit.
//
// Both transports feed the same code: a request is answered within Slack's
// 3-second deadline in the HTTP response or the Socket Mode ack, and
// anything that needs the Web API or a response_url afterwards (a reply
// in a thread, Share in channel) is queued and posted by the workers Run
// starts.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"refbot/adapters/platform"
	"refbot/bot"
)

// Transport modes.
const (
	ModeHTTP   = "http"
	ModeSocket = "socket"
)

// Path is where Slack sends commands, interactivity and events in HTTP mode.
const Path = "/slack/events"

// platformName is bot.Request.Platform for Slack.
const platformName = "slack"

const (
	// maxBody caps a request body; Slack's are a few KiB.
	maxBody = 64 << 10
	// eventMemory is how long an event or envelope id is remembered;
	// Slack retries within minutes.
	eventMemory = 15 * time.Minute
	// maxEventIDs bounds that memory.
	maxEventIDs = 50_000
	// queueSize is how many posts may wait for a worker.
	queueSize = 256
	// workers post queued replies; chat.postMessage allows about one
	// message a second per channel, so a few are plenty.
	workers = 4
	// postTimeout bounds one queued post, rate-limit waits included.
	postTimeout = 2 * time.Minute
	// maxRetries bounds retries after a 429.
	maxRetries = 5
	// maxAck is the largest Socket Mode ack refbot sends; Slack drops
	// acks of 20 KB or more, so bigger replies go to the response_url.
	maxAck = 19 << 10
)

// Config is what the adapter needs, validated: Section.Compile builds it
// from the configuration file and the environment.
type Config struct {
	Mode          string // ModeHTTP (default) or ModeSocket
	APIURL        string // Slack's Web API; empty for https://slack.com/api/
	BotToken      string // xoxb-…; one workspace (empty in OAuth mode)
	AppToken      string // xapp-…, Socket Mode only
	SigningSecret string // HTTP mode only
	// Socket tunes Socket Mode; the zero value suits Slack.
	Socket SocketOptions
	// Observer counts Socket Mode reconnects and duplicate deliveries;
	// nil counts nothing.
	Observer platform.Observer
	// OAuth, when set, serves many workspaces: each installs refbot
	// through GET /slack/install and has its own token (oauth.go).
	OAuth *OAuthConfig
}

// OAuthConfig is OAuth mode: Slack's "Add to Slack" install flow and a
// token per workspace, kept sealed in the state store.
type OAuthConfig struct {
	ClientID     string // Basic Information > App Credentials
	ClientSecret string
	// PublicURL is where browsers reach refbot ("https://refbot.example.org"):
	// the install page and the redirect Slack sends installers back to.
	PublicURL string
	// Scopes are the bot scopes asked for; Start derives them from the
	// features enabled, as the manifest does.
	Scopes []string
	// Store keeps the installations; Start takes the state store's. nil:
	// in memory (tests).
	Store InstallStore
	// Now is the clock for install links and token expiry; nil: the
	// system's.
	Now  func() time.Time
	keys *keyring
}

// Adapter connects the core to Slack. Build it with New.
type Adapter struct {
	bot    *bot.Bot
	log    *slog.Logger
	cfg    Config
	api    *slack.Client  // the one workspace's; in OAuth mode it has no bot token
	events *platform.Seen // Events API event ids already handled
	// envelopes are the Socket Mode envelope ids already handled.
	envelopes *platform.Seen
	outbox    chan job
	self      atomic.Pointer[identity]
	// rejections counts requests that fail verification; Start shares
	// refbot's, which it exports as a metric.
	rejections *platform.Rejections
	// installs is OAuth mode's workspaces; nil with one bot token.
	installs *installs
}

// identity is who refbot is in the workspace, learned from auth.test.
type identity struct{ userID, botID string }

// job is a post to make after a request has been answered.
type job struct {
	what string // for the log
	run  func(ctx context.Context) error
}

// New returns an adapter for a validated configuration (Section.Compile);
// it does nothing until Run (and, in HTTP mode, until its handler is
// served).
func New(b *bot.Bot, cfg Config, log *slog.Logger) *Adapter {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Mode == "" {
		cfg.Mode = ModeHTTP
	}
	apiURL := cfg.APIURL
	if apiURL == "" {
		apiURL = slack.APIURL
	}
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/" // slack-go joins method names onto it
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	sdkLog := slog.NewLogLogger(log.Handler(), slog.LevelDebug)
	opts := []slack.Option{
		slack.OptionAPIURL(apiURL),
		slack.OptionLog(sdkLog),
		slack.OptionHTTPClient(rateLimitLogger{hc: hc, log: log}),
		// A 429 waits for Retry-After and tries again, up to maxRetries.
		slack.OptionRetryConfig(slack.RetryConfig{
			MaxRetries:         maxRetries,
			RetryAfterDuration: 5 * time.Second,
			RetryAfterJitter:   500 * time.Millisecond,
		}),
	}
	workspaceOpts := slices.Clone(opts) // per-workspace clients: no app-level token
	newAPI := func(token string) *slack.Client { return slack.New(token, workspaceOpts...) }
	if cfg.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(cfg.AppToken))
	}
	a := &Adapter{
		bot:       b,
		log:       log,
		cfg:       cfg,
		api:       slack.New(cfg.BotToken, opts...),
		events:    platform.NewSeen(eventMemory, maxEventIDs),
		envelopes: platform.NewSeen(eventMemory, maxEventIDs),
		outbox:    make(chan job, queueSize),

		rejections: platform.NewRejections(log, 0),
	}
	if o := cfg.OAuth; o != nil {
		if o.Store == nil {
			o.Store = bot.NewMemoryInstallations()
		}
		if o.Now == nil {
			o.Now = time.Now
		}
		a.installs = &installs{
			store: o.Store, keys: o.keys, oauth: *o, apiURL: apiURL, hc: hc,
			newAPI: newAPI, now: o.Now, log: log, cache: map[string]cachedWorkspace{},
		}
	}
	return a
}

// workspace returns the workspace team's requests are answered in: with
// one bot token, that token's whatever team says; in OAuth mode, team's
// installation, or errNotInstalled.
func (a *Adapter) workspace(ctx context.Context, team string) (*workspace, error) {
	if a.installs == nil {
		return &workspace{team: team, api: a.api, self: a.self.Load()}, nil
	}
	return a.installs.workspace(ctx, team)
}

// Run checks the bot token (in OAuth mode: the installations), then posts
// queued replies, refreshes rotating tokens (OAuth mode) and, in Socket
// Mode, keeps the Socket Mode connection, until ctx is done. It returns
// an error only when Slack rejects the tokens or the installations cannot
// be read.
func (a *Adapter) Run(ctx context.Context) error {
	if a.installs == nil {
		if err := a.whoami(ctx); err != nil {
			return err
		}
	} else if err := a.startOAuth(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped before the installations were read: nothing failed
		}
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() { a.work(ctx) })
	}
	if a.installs != nil {
		wg.Go(func() { a.keepFresh(ctx) })
	}
	var err error
	if a.cfg.Mode == ModeSocket {
		err = a.runSocket(ctx)
		cancel()
	} else {
		<-ctx.Done()
	}
	wg.Wait()
	if n := len(a.outbox); n > 0 {
		a.log.Warn("slack: shutting down with replies not yet posted", "count", n)
	}
	return err
}

// whoami asks auth.test who refbot is, so it can ignore its own messages
// and strip its own mention. A rejected token stops refbot with a message
// saying what to fix; a network problem only logs (mentions still work).
func (a *Adapter) whoami(ctx context.Context) error {
	res, err := a.api.AuthTestContext(ctx)
	if err != nil {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) {
			return fmt.Errorf("slack: Slack rejected the bot token (%w); copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page into SLACK_BOT_TOKEN", err)
		}
		a.log.Warn("slack: could not check the bot token; carrying on", "err", err)
		return nil
	}
	a.self.Store(&identity{userID: res.UserID, botID: res.BotID})
	a.log.Info("slack: connected", "team", res.Team, "bot_user", res.UserID, "mode", a.cfg.Mode)
	return nil
}

// enqueue hands a post to the workers; false when the queue is full.
func (a *Adapter) enqueue(j job) bool {
	select {
	case a.outbox <- j:
		return true
	default:
		a.log.Error("slack: reply queue full; not posting", "what", j.what)
		return false
	}
}

func (a *Adapter) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-a.outbox:
			a.runJob(ctx, j)
		}
	}
}

func (a *Adapter) runJob(ctx context.Context, j job) {
	defer a.survive(ctx, j.what)
	ctx, cancel := context.WithTimeout(ctx, postTimeout)
	defer cancel()
	if err := j.run(ctx); err != nil {
		a.log.ErrorContext(ctx, "slack: post failed", "what", j.what, "err", err)
	}
}

// survive, deferred on the goroutines the adapter owns (queued posts, the
// Socket Mode loop), logs a panic in the adapter's own code instead of
// ending refbot. The core's panics never get here: bot.Answer recovers
// them.
func (a *Adapter) survive(ctx context.Context, what string) {
	if p := recover(); p != nil {
		a.log.ErrorContext(ctx, "slack: bug: panic", "what", what, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	}
}

// rateLimitLogger logs each 429 so waiting is visible; the retry itself is
// slack-go's. It never logs URLs: a response_url is a credential.
type rateLimitLogger struct {
	hc  *http.Client
	log *slog.Logger
}

func (c rateLimitLogger) Do(req *http.Request) (*http.Response, error) {
	res, err := c.hc.Do(req)
	if err == nil && res.StatusCode == http.StatusTooManyRequests {
		c.log.Warn("slack: rate limited; waiting before retrying", "retry_after", res.Header.Get("Retry-After"))
	}
	return res, err
}
