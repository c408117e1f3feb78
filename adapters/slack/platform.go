package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"refbot/adapters/platform"
)

// Platform is Slack as refbot serve runs it: the "slack" section of the
// configuration file, POST /slack/events or a Socket Mode connection, and
// the scheduled reading prompts (adapters/platform).
type Platform struct{}

var (
	_ platform.Platform    = Platform{}
	_ platform.TeamChecker = Config{}
)

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
	Enabled       bool         `yaml:"enabled"`
	Mode          string       `yaml:"mode"`
	APIURL        string       `yaml:"api_url"`
	BotToken      string       `yaml:"bot_token"`
	AppToken      string       `yaml:"app_token"`
	SigningSecret string       `yaml:"signing_secret"`
	OAuth         OAuthSection `yaml:"oauth"`
}

// OAuthSection is slack.oauth: many workspaces, each installing refbot
// through the Add to Slack page.
type OAuthSection struct {
	Enabled      bool   `yaml:"enabled"`
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
	PublicURL    string `yaml:"public_url"`
}

// clientID is Slack's form of an app's client id.
var clientID = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)

// Compile implements platform.Section: the tokens from the environment
// over the file's, every problem at once.
func (s *Section) Compile(getenv func(string) string) (platform.Config, error) {
	platform.Secret(getenv, "SLACK_BOT_TOKEN", &s.BotToken)
	platform.Secret(getenv, "SLACK_APP_TOKEN", &s.AppToken)
	platform.Secret(getenv, "SLACK_SIGNING_SECRET", &s.SigningSecret)
	platform.Secret(getenv, "SLACK_CLIENT_ID", &s.OAuth.ClientID)
	platform.Secret(getenv, "SLACK_CLIENT_SECRET", &s.OAuth.ClientSecret)
	if !s.Enabled {
		return nil, nil
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	var oauth *OAuthConfig
	if s.OAuth.Enabled {
		oauth = s.OAuth.compile(getenv, bad)
		if s.BotToken != "" {
			bad("slack.bot_token: set, but slack.oauth.enabled is true: each workspace's token then comes from its installation; unset SLACK_BOT_TOKEN (and bot_token)")
		}
	}
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
	if s.BotToken == "" && !s.OAuth.Enabled {
		bad("slack.bot_token: missing; set SLACK_BOT_TOKEN (an xoxb- token from OAuth & Permissions), or turn on slack.oauth to serve many workspaces")
	}
	apiURL, err := apiBase(s.APIURL)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return Config{Mode: s.Mode, APIURL: apiURL, BotToken: s.BotToken, AppToken: s.AppToken, SigningSecret: s.SigningSecret, OAuth: oauth}, nil
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

// compile checks slack.oauth and the secret key, reporting through bad.
func (o OAuthSection) compile(getenv func(string) string, bad func(string, ...any)) *OAuthConfig {
	if o.ClientID == "" {
		bad("slack.oauth.client_id: missing; set SLACK_CLIENT_ID (Slack app > Basic Information > App Credentials > Client ID)")
	} else if !clientID.MatchString(o.ClientID) {
		bad("slack.oauth.client_id: %q is not a Slack client id (digits, a dot, digits); copy it from Basic Information > App Credentials", o.ClientID)
	}
	if o.ClientSecret == "" {
		bad("slack.oauth.client_secret: missing; set SLACK_CLIENT_SECRET (Slack app > Basic Information > App Credentials > Client Secret)")
	}
	public, err := publicURL(o.PublicURL)
	if err != nil {
		bad("slack.oauth.public_url: %v", err)
	}
	keys, err := parseKeys(getenv(EnvSecretKey), getenv(EnvSecretKeyOld))
	if err != nil {
		bad("slack.oauth: %v", err)
	}
	return &OAuthConfig{ClientID: o.ClientID, ClientSecret: o.ClientSecret, PublicURL: public, keys: keys}
}

// publicURL checks refbot's public address and returns it without a
// trailing slash. It must be https, except on this machine (a test
// install through a tunnel-less browser).
func publicURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("missing; refbot's public address, e.g. https://refbot.example.org: installers open PUBLIC_URL" + InstallPath + " and Slack sends them back to PUBLIC_URL" + RedirectPath)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not an address like https://refbot.example.org", raw)
	}
	local := u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1" || u.Hostname() == "::1"
	if u.Scheme != "https" && !(u.Scheme == "http" && local) {
		return "", fmt.Errorf("%q must start with https:// (Slack sends installers back only to HTTPS addresses, and the install cookie is Secure); plain http is accepted for localhost only", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// CheckTeam implements platform.TeamChecker: in OAuth mode a reading
// schedule names the workspace its channel is in; with one bot token it
// names none.
func (c Config) CheckTeam(team string) error {
	if c.OAuth == nil {
		if team != "" {
			return errors.New("only used with slack.oauth.enabled: true, when refbot serves many workspaces; remove it")
		}
		return nil
	}
	if team == "" {
		return errors.New("missing: with slack.oauth refbot serves many workspaces; give the id (like T0123ABCD) of the one the channel is in (refbot slack installations lists them)")
	}
	if !teamChars.MatchString(team) {
		return fmt.Errorf("%q is not a Slack workspace id (like T0123ABCD); refbot slack installations lists them", team)
	}
	return nil
}

// scopesFor are the bot scopes refbot asks for: the base ones, and
// auto-linking's when it is enabled.
func scopesFor(autolink bool) []string {
	var out []string
	for s := range Scopes() {
		out = append(out, s)
	}
	if autolink {
		for s := range AutolinkScopes() {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// Start implements platform.Config: in HTTP mode Slack reaches refbot at
// POST /slack/events; Run checks the token, posts queued replies and, in
// Socket Mode, holds the connection. In OAuth mode the install pages join
// the routes and the installations live in the core's state store.
func (c Config) Start(core platform.Core) (platform.Service, error) {
	c.Observer = core.Observer
	if c.OAuth != nil {
		o := *c.OAuth
		store, ok := core.State.(InstallStore)
		if !ok {
			return platform.Service{}, fmt.Errorf("slack.oauth: the state store (%T) cannot keep Slack installations", core.State)
		}
		o.Store = store
		o.Scopes = scopesFor(core.Bot.AutolinkEnabled())
		c.OAuth = &o
	}
	a := New(core.Bot, c, core.Log)
	if core.Rejections != nil {
		a.rejections = core.Rejections
	}
	svc := platform.Service{Run: a.Run, Poster: a, Routes: map[string]http.Handler{}}
	if c.Mode != ModeSocket {
		svc.Routes["POST "+Path] = a
	}
	if c.OAuth != nil {
		svc.Routes["GET "+InstallPath] = http.HandlerFunc(a.serveInstall)
		svc.Routes["GET "+RedirectPath] = http.HandlerFunc(a.serveRedirect)
	}
	return svc, nil
}

// Tools implements platform.Platform: refbot slack manifest,
// installations and secret-key.
func (Platform) Tools() []platform.Tool {
	return []platform.Tool{{
		Name: "manifest", Args: "--url URL | --socket [--autolink | --config FILE]", Summary: "print a Slack app manifest to paste into api.slack.com",
		Usage: manifestUsage, Run: manifestTool,
	}, {
		Name: "installations", Summary: "list the workspaces that installed refbot (slack.oauth), no tokens",
		Usage: installationsUsage, Run: installationsTool,
	}, {
		Name: "secret-key", Summary: "print a new random REFBOT_SECRET_KEY",
		Usage: secretKeyUsage, Run: secretKeyTool,
	}}
}

const manifestUsage = `usage: refbot slack manifest --url https://HOST   (HTTP mode)
       refbot slack manifest --socket              (Socket Mode)
       add --autolink (or --config FILE with autolink.enabled) for auto-linking's
       message events and scopes, and --oauth (or --config FILE with
       slack.oauth.enabled) for many workspaces: the redirect URL under --url

Prints a Slack app manifest (JSON) built from refbot's command table. Paste it
at https://api.slack.com/apps → Create New App → From a manifest.
`

// manifestTool prints the app manifest for the core's commands.
func manifestTool(ctx context.Context, args []string, env platform.ToolEnv) error {
	fs := env.Flags("slack manifest")
	url := fs.String("url", "", "refbot's public HTTPS address, e.g. https://refbot.example.org (HTTP mode, and --oauth)")
	socket := fs.Bool("socket", false, "Socket Mode: no public URL needed")
	autolink := fs.Bool("autolink", false, "add the message events and scopes auto-linking needs")
	oauth := fs.Bool("oauth", false, "many workspaces (slack.oauth): add the install redirect URL and the uninstall events")
	path := fs.String("config", "", "configuration file: auto-linking is included when autolink.enabled is set, OAuth when slack.oauth.enabled is")
	if err := env.Parse(fs, args); err != nil {
		return err
	}
	if *path != "" {
		cfg, err := env.Config(*path)
		if err != nil {
			return err
		}
		*autolink = *autolink || cfg.Autolink
		if sec, ok := cfg.Section.(*Section); ok && sec.OAuth.Enabled {
			*oauth = true
			if *url == "" {
				*url = sec.OAuth.PublicURL
			}
		}
	}
	if fs.NArg() > 0 {
		return platform.Usage(fmt.Sprintf("unexpected argument %q; usage: refbot slack manifest --url https://HOST | --socket [--autolink] [--oauth]", strings.Join(fs.Args(), " ")))
	}
	out, err := Manifest(env.Commands, ManifestOptions{URL: *url, Socket: *socket, Autolink: *autolink, OAuth: *oauth})
	if err != nil {
		return platform.Usage(err.Error())
	}
	_, err = fmt.Fprintf(env.Stdout, "%s\n", out)
	return err
}

const installationsUsage = `usage: refbot slack installations [--config FILE] [--json]

Lists the workspaces that installed refbot through its Add to Slack page
(slack.oauth), from the state store refbot serve uses with FILE (default:
$REFBOT_CONFIG, else the defaults): id, name, when and by whom, scopes, and
when the token expires. Never the tokens.
`

// installationJSON is one line of refbot slack installations --json.
type installationJSON struct {
	Team        string    `json:"team"`
	Name        string    `json:"name"`
	Enterprise  string    `json:"enterprise,omitempty"`
	InstalledAt time.Time `json:"installed_at"`
	InstalledBy string    `json:"installed_by"`
	BotUser     string    `json:"bot_user"`
	Scopes      []string  `json:"scopes"`
	ExpiresAt   time.Time `json:"token_expires_at,omitzero"`
}

// installationsTool lists the installations without their secrets.
func installationsTool(ctx context.Context, args []string, env platform.ToolEnv) error {
	fs := env.Flags("slack installations")
	path := fs.String("config", "", "the configuration file refbot serve runs with (default: $REFBOT_CONFIG)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := env.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return platform.Usage("unexpected argument; usage: refbot slack installations [--config FILE] [--json]")
	}
	if *path == "" {
		*path = env.Getenv("REFBOT_CONFIG")
	}
	installPage := "PUBLIC_URL" + InstallPath
	if cfg, err := env.Config(*path); err == nil {
		if sec, ok := cfg.Section.(*Section); ok && sec.OAuth.PublicURL != "" {
			installPage = strings.TrimRight(sec.OAuth.PublicURL, "/") + InstallPath
		}
	}
	state, closeState, err := env.State(ctx, *path)
	if err != nil {
		return err
	}
	defer closeState()
	store, ok := state.(InstallStore)
	if !ok {
		return fmt.Errorf("the state store (%T) keeps no Slack installations", state)
	}
	list, err := store.Installations(ctx, platformName)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]installationJSON, 0, len(list))
		for _, in := range list {
			scopes := in.Scopes
			if scopes == nil {
				scopes = []string{}
			}
			out = append(out, installationJSON{Team: in.Team, Name: in.TeamName, Enterprise: in.Enterprise,
				InstalledAt: in.InstalledAt, InstalledBy: in.Installer, BotUser: in.BotUser, Scopes: scopes, ExpiresAt: in.ExpiresAt})
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(list) == 0 {
		_, err := fmt.Fprintf(env.Stdout, "No workspace has installed refbot yet. With slack.oauth on, install it from %s\n", installPage)
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TEAM\tNAME\tINSTALLED (UTC)\tBY\tTOKEN EXPIRES (UTC)\tSCOPES")
	for _, in := range list {
		expires := "never"
		if !in.ExpiresAt.IsZero() {
			expires = in.ExpiresAt.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", in.Team, oneLine(in.TeamName), in.InstalledAt.UTC().Format("2006-01-02 15:04"),
			in.Installer, expires, strings.Join(in.Scopes, ","))
	}
	return tw.Flush()
}

// oneLine keeps a workspace's name on one line of the table, whatever it
// contains.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\t' {
			return ' '
		}
		return r
	}, s)
}

const secretKeyUsage = `usage: refbot slack secret-key

Prints a new random key for REFBOT_SECRET_KEY (32 bytes, base64), under which
refbot encrypts each workspace's Slack token (slack.oauth). Keep it as safe as
the tokens: whoever has the key and the state database has the tokens.
`

// secretKeyTool prints a fresh REFBOT_SECRET_KEY.
func secretKeyTool(ctx context.Context, args []string, env platform.ToolEnv) error {
	fs := env.Flags("slack secret-key")
	if err := env.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return platform.Usage("unexpected argument; usage: refbot slack secret-key")
	}
	_, err := fmt.Fprintln(env.Stdout, newSecretKey())
	return err
}
