package slack

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"refbot/bot"
)

// ManifestOptions say how the Slack app reaches refbot.
type ManifestOptions struct {
	// URL is refbot's public HTTPS address ("https://refbot.example.org"
	// or the full ".../slack/events"); required unless Socket.
	URL string
	// Socket turns on Socket Mode: no public URL, an app-level token.
	Socket bool
	// Autolink adds the message events and scopes auto-linking needs
	// (AutolinkScopes).
	Autolink bool
	// OAuth is for many workspaces (slack.oauth): it adds the redirect URL
	// under URL (required then, Socket Mode too) and the app_uninstalled
	// and tokens_revoked events.
	OAuth bool
}

// Scopes are the bot token scopes refbot asks for, each for a reason.
func Scopes() map[string]string {
	return map[string]string{
		"commands":          "the /define and /refbot slash commands",
		"chat:write":        "answering @refbot mentions in their thread (chat.postMessage; chat.postEphemeral for help and errors only the asker needs)",
		"app_mentions:read": "receiving the app_mention event when someone writes @refbot",
		"users:read":        "telling workspace admins and owners (who review suggested terms, and turn auto-linking on or off) from members (users.info)",
	}
}

// manifest is a Slack app manifest (api.slack.com/reference/manifests),
// only the parts refbot uses.
type manifest struct {
	Display     slack.Display    `json:"display_information"`
	Features    manifestFeatures `json:"features"`
	OAuthConfig struct {
		RedirectURLs []string          `json:"redirect_urls,omitempty"`
		Scopes       slack.OAuthScopes `json:"scopes"`
	} `json:"oauth_config"`
	Settings manifestSettings `json:"settings"`
}

type manifestFeatures struct {
	BotUser       slack.BotUser                `json:"bot_user"`
	SlashCommands []slack.ManifestSlashCommand `json:"slash_commands"`
}

type manifestSettings struct {
	EventSubscriptions   slack.EventSubscriptions `json:"event_subscriptions"`
	Interactivity        slack.Interactivity      `json:"interactivity"`
	OrgDeployEnabled     bool                     `json:"org_deploy_enabled"`
	SocketModeEnabled    bool                     `json:"socket_mode_enabled"`
	TokenRotationEnabled bool                     `json:"token_rotation_enabled"`
}

// usageHint names /refbot's subcommands within Slack's 100 characters:
// with their arguments when they fit, else by name, so every one is named.
func usageHint(usages, names []string) string {
	if h := strings.Join(usages, " | "); len([]rune(h)) <= 100 {
		return h
	}
	return cutManifest(strings.Join(names, " | "), 100)
}

// Manifest returns the app manifest, as JSON, for the commands in cmds:
// paste it into api.slack.com/apps → Create New App → From a manifest.
func Manifest(cmds []bot.CommandInfo, opt ManifestOptions) ([]byte, error) {
	endpoint := ""
	if opt.Socket && opt.URL != "" && !opt.OAuth {
		return nil, errors.New("--socket needs no --url: in Socket Mode refbot connects out to Slack and Slack sends nothing to a URL; drop --url, or drop --socket for HTTP mode")
	}
	if !opt.Socket {
		var err error
		if endpoint, err = eventsURL(opt.URL); err != nil {
			return nil, err
		}
	}
	var m manifest
	if opt.OAuth {
		redirect, err := redirectURL(opt.URL)
		if err != nil {
			return nil, err
		}
		m.OAuthConfig.RedirectURLs = []string{redirect}
	}
	m.Display = slack.Display{
		Name:            "refbot",
		Description:     "Looks up AI-safety terms: /define mesa optimisation",
		LongDescription: "refbot is a reference bot for AI-safety study groups. /define TERM shows a glossary card with a plain-language summary, key points, sources and related terms, even for misspelt or British spellings. /refbot help lists every command; in a thread, mention @refbot define TERM.",
		BackgroundColor: "#1d3557",
	}
	m.Features.BotUser = slack.BotUser{DisplayName: "refbot", AlwaysOnline: true}

	var direct []bot.CommandInfo
	var subs, names []string
	for _, c := range cmds {
		if isDirect(c.Name) {
			direct = append(direct, c)
		}
		subs = append(subs, strings.TrimSpace(c.Usage(mentioned)))
		names = append(names, c.Name)
	}
	for _, c := range direct {
		hint := strings.TrimSpace(strings.TrimPrefix(c.Usage(mentioned), c.Name))
		if len(c.Examples) > 0 {
			hint += " (e.g. " + c.Examples[0] + ")"
		}
		m.Features.SlashCommands = append(m.Features.SlashCommands, slack.ManifestSlashCommand{
			Command:     "/" + c.Name,
			Description: cutManifest(c.Description, 100),
			UsageHint:   cutManifest(hint, 100),
			Url:         endpoint,
		})
	}
	m.Features.SlashCommands = append(m.Features.SlashCommands, slack.ManifestSlashCommand{
		Command:     "/" + bot.Umbrella,
		Description: "refbot's glossary commands; /refbot help lists them",
		UsageHint:   usageHint(subs, names),
		Url:         endpoint,
	})

	for s := range Scopes() {
		m.OAuthConfig.Scopes.Bot = append(m.OAuthConfig.Scopes.Bot, s)
	}
	events := []string{"app_mention"}
	if opt.Autolink {
		for s := range AutolinkScopes() {
			m.OAuthConfig.Scopes.Bot = append(m.OAuthConfig.Scopes.Bot, s)
		}
		events = append(events, autolinkEvents...)
	}
	if opt.OAuth {
		events = append(events, oauthEvents...)
	}
	slices.Sort(m.OAuthConfig.Scopes.Bot)
	m.Settings = manifestSettings{
		EventSubscriptions: slack.EventSubscriptions{RequestUrl: endpoint, BotEvents: events},
		Interactivity:      slack.Interactivity{IsEnabled: true, RequestUrl: endpoint, MessageMenuOptionsUrl: endpoint},
		SocketModeEnabled:  opt.Socket,
	}
	return json.MarshalIndent(m, "", "  ")
}

// oauthEvents are the events OAuth mode needs: they delete a workspace's
// tokens as soon as it removes refbot. They need no scope.
var oauthEvents = []string{"app_uninstalled", "tokens_revoked"}

// redirectURL turns "https://host" (or "https://host/slack/events") into
// "https://host/slack/oauth_redirect".
func redirectURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("--url is required with --oauth: refbot's public HTTPS address, e.g. https://refbot.example.org, where Slack sends installers back")
	}
	events, err := eventsURL(raw)
	if err != nil {
		return "", err
	}
	u, _ := url.Parse(events) // eventsURL made it
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, Path), "/") + RedirectPath
	return u.String(), nil
}

// eventsURL turns "https://host" into "https://host/slack/events".
func eventsURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("--url is required for HTTP mode: refbot's public HTTPS address, e.g. https://refbot.example.org (or use --socket)")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("--url %q is not a URL; give refbot's public address, e.g. https://refbot.example.org", raw)
	}
	if u.Scheme != "https" {
		return "", fmt.Errorf("--url %q must start with https://: Slack only sends requests to HTTPS addresses (put a TLS proxy in front of refbot, or use --socket)", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = Path
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String(), nil
}

func cutManifest(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + ellipsis
	}
	return s
}
