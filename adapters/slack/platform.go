package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"refbot/adapters/platform"
)

// Platform is Slack as refbot serve runs it: the "slack" section of the
// configuration file, POST /slack/events or a Socket Mode connection, and
// the scheduled reading prompts (adapters/platform).
type Platform struct{}

var _ platform.Platform = Platform{}

// Name implements platform.Platform.
func (Platform) Name() string { return platformName }

// channelID is a public (C…) or private (G…) channel's id.
var channelID = regexp.MustCompile(`^[CG][A-Z0-9]{6,}$`)

// CheckChannel implements platform.Platform.
func (Platform) CheckChannel(id string) error {
	if !channelID.MatchString(id) {
		return fmt.Errorf("%q is not a Slack channel id (like C0123ABCD): in Slack open the channel's details; the id is at the bottom", id)
	}
	return nil
}

// Section implements platform.Platform: the "slack" section, with its
// defaults.
func (Platform) Section() platform.Section { return &Section{Mode: ModeHTTP} }

// Section is the "slack" section of the configuration file;
// config.example.yaml documents each key.
type Section struct {
	Enabled       bool   `yaml:"enabled"`
	Mode          string `yaml:"mode"`
	APIURL        string `yaml:"api_url"`
	BotToken      string `yaml:"bot_token"`
	AppToken      string `yaml:"app_token"`
	SigningSecret string `yaml:"signing_secret"`
}

// Compile implements platform.Section: the tokens from the environment
// over the file's, every problem at once.
func (s *Section) Compile(getenv func(string) string) (platform.Config, error) {
	platform.Secret(getenv, "SLACK_BOT_TOKEN", &s.BotToken)
	platform.Secret(getenv, "SLACK_APP_TOKEN", &s.AppToken)
	platform.Secret(getenv, "SLACK_SIGNING_SECRET", &s.SigningSecret)
	if !s.Enabled {
		return nil, nil
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch s.Mode {
	case ModeHTTP:
		if s.SigningSecret == "" {
			bad("slack.signing_secret: missing; set SLACK_SIGNING_SECRET (Slack app > Basic Information > Signing Secret)")
		}
	case ModeSocket:
		if s.AppToken == "" {
			bad("slack.app_token: missing; set SLACK_APP_TOKEN (an xapp- token with connections:write)")
		} else if !strings.HasPrefix(s.AppToken, "xapp-") {
			bad("slack.app_token: must be an app-level token starting with xapp- (SLACK_APP_TOKEN)")
		}
	default:
		bad("slack.mode: %q must be %s or %s", s.Mode, ModeHTTP, ModeSocket)
	}
	if s.BotToken == "" {
		bad("slack.bot_token: missing; set SLACK_BOT_TOKEN (an xoxb- token from OAuth & Permissions)")
	}
	apiURL, err := apiBase(s.APIURL)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return Config{Mode: s.Mode, APIURL: apiURL, BotToken: s.BotToken, AppToken: s.AppToken, SigningSecret: s.SigningSecret}, nil
}

// apiBase is slack.api_url as the base slack-go joins method names onto.
// Two forms mean the same: Slack's own, a URL ending in /api/
// (https://slack.com/api/), and a scheme and host as discord.api_url takes
// (https://proxy.example, to which /api/ is added). Any other path, a query
// or a fragment would send every call astray, so it is refused.
func apiBase(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	path := ""
	if err == nil {
		path = strings.TrimSuffix(u.Path, "/")
	}
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil:
		return "", fmt.Errorf("slack.api_url: %q must be an http(s) URL such as https://slack-proxy.example", raw)
	case u.RawQuery != "" || u.Fragment != "" || path != "" && !strings.HasSuffix(path, "/api"):
		return "", fmt.Errorf("slack.api_url: %q must be a scheme and host (https://proxy.example: refbot adds /api/) or a URL ending in /api/ (https://proxy.example/slack/api/)", raw)
	}
	if path == "" {
		path = "/api"
	}
	return u.Scheme + "://" + u.Host + path + "/", nil
}

// Start implements platform.Config: in HTTP mode Slack reaches refbot at
// POST /slack/events; Run checks the token, posts queued replies and, in
// Socket Mode, holds the connection.
func (c Config) Start(core platform.Core) (platform.Service, error) {
	a := New(core.Bot, c, core.Log)
	svc := platform.Service{Run: a.Run, Poster: a}
	if c.Mode != ModeSocket {
		svc.Routes = map[string]http.Handler{"POST " + Path: a}
	}
	return svc, nil
}

// Tools implements platform.Platform: refbot slack manifest.
func (Platform) Tools() []platform.Tool {
	return []platform.Tool{{
		Name: "manifest", Args: "--url URL | --socket [--autolink | --config FILE]", Summary: "print a Slack app manifest to paste into api.slack.com",
		Usage: manifestUsage, Run: manifestTool,
	}}
}

const manifestUsage = `usage: refbot slack manifest --url https://HOST   (HTTP mode)
       refbot slack manifest --socket              (Socket Mode)
       add --autolink (or --config FILE with autolink.enabled) for auto-linking's
       message events and scopes

Prints a Slack app manifest (JSON) built from refbot's command table. Paste it
at https://api.slack.com/apps → Create New App → From a manifest.
`

// manifestTool prints the app manifest for the core's commands.
func manifestTool(ctx context.Context, args []string, env platform.ToolEnv) error {
	fs := env.Flags("slack manifest")
	url := fs.String("url", "", "refbot's public HTTPS address, e.g. https://refbot.example.org (HTTP mode)")
	socket := fs.Bool("socket", false, "Socket Mode: no public URL needed")
	autolink := fs.Bool("autolink", false, "add the message events and scopes auto-linking needs")
	path := fs.String("config", "", "configuration file: auto-linking is included when autolink.enabled is set")
	if err := env.Parse(fs, args); err != nil {
		return err
	}
	if *path != "" {
		cfg, err := env.Config(*path)
		if err != nil {
			return err
		}
		*autolink = *autolink || cfg.Autolink
	}
	if fs.NArg() > 0 {
		return platform.Usage(fmt.Sprintf("unexpected argument %q; usage: refbot slack manifest --url https://HOST | --socket [--autolink]", strings.Join(fs.Args(), " ")))
	}
	out, err := Manifest(env.Commands, ManifestOptions{URL: *url, Socket: *socket, Autolink: *autolink})
	if err != nil {
		return platform.Usage(err.Error())
	}
	_, err = fmt.Fprintf(env.Stdout, "%s\n", out)
	return err
}
