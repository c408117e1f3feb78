// Package platform is the contract between refbot's program (cmd/refbot)
// and the chat platforms it serves: what a platform is, how its part of
// the configuration file is read, and what it runs once started. Each
// platform is one package under adapters/ implementing Platform;
// cmd/refbot holds the list of them and loops over it, so adding a
// platform is a new package and one line in that list.
//
// A platform's life in refbot serve:
//
//	sec := p.Section()                // its section, holding the defaults
//	// cmd/refbot decodes the file's "NAME:" section into sec
//	cfg, err := sec.Compile(getenv)   // validated once; nil: switched off
//	svc, err := cfg.Start(core)       // the adapter, built on the core
//	// svc.Routes join the one HTTP server, svc.Run runs beside it, and
//	// svc.Poster (if any) posts the platform's reading.schedules
//
// The core's side of the contract is package bot: adapters hand it
// bot.Requests through bot.Bot.Answer and render the bot.Replies.
package platform

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"refbot/bot"
)

// Platform is one chat platform refbot can serve.
type Platform interface {
	// Name is the platform's name: its section of the configuration
	// file, the platform: key of reading.schedules and autolink.channels,
	// bot.Request.Platform, its subcommand (refbot NAME ...) and the
	// metrics' platform label. Lower case, one word.
	Name() string
	// CheckChannel says why id is not a channel id on the platform and
	// how to find the right one, or returns nil when it is one. refbot
	// checks the channels of reading.schedules and autolink.channels with
	// it, naming the key.
	CheckChannel(id string) error
	// Section returns the platform's section of the configuration file
	// holding its defaults: a pointer to a struct with yaml tags, into
	// which refbot decodes the file's section. Keys the struct lacks are
	// errors.
	Section() Section
	// Tools are the platform's own subcommands ("refbot slack manifest"),
	// or none.
	Tools() []Tool
}

// Section is a platform's section of the configuration file, decoded.
type Section interface {
	// Compile checks the section, with secrets from the environment
	// (getenv) over the file's, and returns the validated configuration,
	// or nil when the section switches the platform off. It reports every
	// problem at once, each on its own line and naming its key as
	// "NAME.key: ..." with what to do about it.
	Compile(getenv func(string) string) (Config, error)
}

// Config is a platform's validated configuration, ready to start.
type Config interface {
	// Start builds the platform's adapter on the core. It makes no
	// network calls; those wait for Service.Run.
	Start(core Core) (Service, error)
}

// TeamChecker is implemented by a Config whose scheduled posts need to
// know the team (workspace) a channel is in, beside the channel: a
// platform that serves several workspaces with credentials of their own
// (Slack installed through OAuth). refbot checks each reading.schedules
// entry's team with it, naming the key; for a Config without it, a
// schedule may not name a team.
type TeamChecker interface {
	// CheckTeam says why team is wrong here (missing, malformed, or not
	// used in this configuration) and what to write instead, or returns
	// nil.
	CheckTeam(team string) error
}

// Core is what a platform is started on.
type Core struct {
	// Bot is the core. Adapters ask it through Bot.Answer, which
	// recovers, logs, measures and bounds every request.
	Bot *bot.Bot
	// Log is for the platform's own events (connected, rejected a forged
	// request), already labelled with the platform's name.
	Log *slog.Logger
	// Rejections counts and logs (sparingly) the requests the platform's
	// routes refuse before authenticating them; refbot exports the count.
	// nil: the platform makes its own.
	Rejections *Rejections
	// State is refbot's state store (bot/sqlite's, or another backend's),
	// for a platform that keeps state of its own: the platform declares
	// the small interface it needs and asserts it (Slack's OAuth mode,
	// adapters/slack.InstallStore). nil where there is none.
	State any
	// Observer counts the platform's connection events; nil counts
	// nothing.
	Observer Observer
}

// Observer receives a platform's connection measurements (Prometheus in
// refbot serve). Requests are measured by the core (bot.Observer); this
// is what only the adapter sees.
type Observer interface {
	// ObserveReconnect counts one reconnect of the platform's long-lived
	// connection (Discord's gateway, Slack's Socket Mode) and why: one
	// word from a small fixed set the platform's page in docs/ lists.
	ObserveReconnect(platform, reason string)
	// ObserveDuplicate counts one delivery the platform sent again
	// (kind: "interaction", "envelope", "event") that refbot recognised
	// and did not handle a second time.
	ObserveDuplicate(platform, kind string)
}

// Service is a started platform: what refbot serves and runs for it.
type Service struct {
	// Routes are its endpoints on refbot's one HTTP server, by pattern
	// ("POST /slack/events"); none when it serves no HTTP.
	Routes map[string]http.Handler
	// Run does its background work until ctx is done — a gateway or
	// socket connection, queued posts — and returns nil then, or an
	// error that says what to fix; nil when it has none.
	Run func(ctx context.Context) error
	// Poster posts the scheduled reading prompts of the platform's
	// channels; nil when the platform cannot post on its own, and then
	// reading.schedules may not name it.
	Poster bot.Poster
}

// Tool is a platform's own subcommand: "refbot NAME TOOL ARGS...".
type Tool struct {
	Name    string // "manifest"
	Args    string // "--url URL", for refbot's usage
	Summary string // "print a Slack app manifest to paste into api.slack.com"
	// Usage is printed when the tool is called wrongly: one or a few
	// lines starting "usage: refbot NAME TOOL".
	Usage string
	Run   func(ctx context.Context, args []string, env ToolEnv) error
}

// ToolEnv is what a tool gets from refbot: its output, the environment,
// the flag conventions of every refbot command, the configuration file and
// the core's command table.
type ToolEnv struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Flags returns a flag set for the tool that reports errors instead
	// of exiting; Parse parses args with it the way every refbot command
	// does (flags may follow other arguments; -h prints the usage).
	Flags func(name string) *flag.FlagSet
	Parse func(fs *flag.FlagSet, args []string) error
	// Config reads the configuration file at path as tools need it: the
	// platform's section as written (not compiled: a tool may need only
	// one key of an incomplete section) and a few facts about the rest.
	Config func(path string) (ToolConfig, error)
	// Commands is the core's command table.
	Commands []bot.CommandInfo
	// State opens the state store refbot serve would use with the
	// configuration file at path ("" for the defaults), for a tool that
	// reads it (refbot slack installations); close it when done. It
	// fails with a message saying what to do when there is no store yet.
	State func(ctx context.Context, path string) (state any, close func() error, err error)
}

// ToolConfig is what a tool learns from a configuration file.
type ToolConfig struct {
	// Section is the platform's section, of the type its Section returns.
	Section Section
	// Autolink is autolink.enabled.
	Autolink bool
	// Schedules counts the reading.schedules that name the platform.
	Schedules int
}

// UsageError is a tool's complaint about how it was called; refbot prints
// it and exits with status 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usage returns a UsageError; an empty msg means the usage was printed
// already.
func Usage(msg string) error { return &UsageError{Msg: msg} }

// IsUsage reports whether err is a UsageError, and its message.
func IsUsage(err error) (msg string, ok bool) {
	var u *UsageError
	if errors.As(err, &u) {
		return u.Msg, true
	}
	return "", false
}

// Env sets *dst to the environment variable name when it is set (after
// trimming space), so secrets from the environment win over the file's.
func Env(getenv func(string) string, name string, dst *string) {
	if v := strings.TrimSpace(getenv(name)); v != "" {
		*dst = v
	}
}

// Secret is Env for a secret or a key: the file's value is trimmed too,
// so that one of only spaces is missing, whichever source it came from,
// and a stray newline pasted with a token is not sent with it.
func Secret(getenv func(string) string, name string, dst *string) {
	*dst = strings.TrimSpace(*dst)
	Env(getenv, name, dst)
}
