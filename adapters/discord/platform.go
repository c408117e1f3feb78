package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"refbot/adapters/platform"
)

// Platform is Discord as refbot serve runs it: the "discord" section of
// the configuration file, the gateway or POST /discord/interactions, and
// the scheduled reading prompts (adapters/platform).
type Platform struct{}

var _ platform.Platform = Platform{}

// Transport modes.
const (
	ModeGateway = "gateway"
	ModeHTTP    = "http"
)

// Name implements platform.Platform.
func (Platform) Name() string { return Name }

// channelID is a snowflake: a long number.
var channelID = regexp.MustCompile(`^[0-9]{15,21}$`)

// CheckChannel implements platform.Platform.
func (Platform) CheckChannel(id string) error {
	if !channelID.MatchString(id) {
		return fmt.Errorf("%q is not a Discord channel id (a long number): turn on Developer Mode, right-click the channel, Copy Channel ID", id)
	}
	return nil
}

// Section implements platform.Platform: the "discord" section, with its
// defaults.
func (Platform) Section() platform.Section {
	return &Section{Mode: ModeGateway, RegisterCommands: true, GuildIDs: []string{}, ShardCount: 1}
}

// Section is the "discord" section of the configuration file;
// config.example.yaml documents each key.
type Section struct {
	Enabled          bool     `yaml:"enabled"`
	Mode             string   `yaml:"mode"`
	APIURL           string   `yaml:"api_url"`
	Token            string   `yaml:"token"`
	ApplicationID    string   `yaml:"application_id"`
	PublicKey        string   `yaml:"public_key"`
	RegisterCommands bool     `yaml:"register_commands"`
	GuildIDs         []string `yaml:"guild_ids"`
	ShardID          int      `yaml:"shard_id"`
	ShardCount       int      `yaml:"shard_count"`
}

// Compile implements platform.Section: the secrets from the environment
// over the file's, every problem at once. The public key is decoded here
// and nowhere else.
func (s *Section) Compile(getenv func(string) string) (platform.Config, error) {
	platform.Secret(getenv, "DISCORD_BOT_TOKEN", &s.Token)
	platform.Secret(getenv, "DISCORD_PUBLIC_KEY", &s.PublicKey)
	platform.Secret(getenv, "DISCORD_APPLICATION_ID", &s.ApplicationID)
	if !s.Enabled {
		return nil, nil
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	c := started{mode: s.Mode, cfg: Config{
		Token:            s.Token,
		ApplicationID:    s.ApplicationID,
		RegisterCommands: s.RegisterCommands,
		GuildIDs:         s.GuildIDs,
		ShardID:          s.ShardID,
		ShardCount:       s.ShardCount,
	}}
	switch s.Mode {
	case ModeGateway:
	case ModeHTTP:
		key, err := hex.DecodeString(s.PublicKey)
		switch {
		case s.PublicKey == "":
			bad("discord.public_key: missing; set DISCORD_PUBLIC_KEY (Developer Portal > General Information > Public Key)")
		case err != nil || len(key) != ed25519.PublicKeySize:
			bad("discord.public_key: must be 64 hexadecimal characters (DISCORD_PUBLIC_KEY)")
		default:
			c.cfg.PublicKey = key
		}
	default:
		bad("discord.mode: %q must be %s or %s", s.Mode, ModeGateway, ModeHTTP)
	}
	if s.Token == "" {
		bad("discord.token: missing; set DISCORD_BOT_TOKEN (Developer Portal > Bot > Reset Token)")
	}
	if s.ApplicationID == "" {
		bad("discord.application_id: missing; set DISCORD_APPLICATION_ID (Developer Portal > General Information)")
	} else if !snowflake(s.ApplicationID) {
		bad("discord.application_id: %q is not a Discord id (a number of 17 to 20 digits): Developer Portal > General Information > Application ID (DISCORD_APPLICATION_ID)", s.ApplicationID)
	}
	for i, g := range s.GuildIDs {
		if !snowflake(g) {
			bad("discord.guild_ids[%d]: %q is not a Discord id (a number of 17 to 20 digits): turn on Developer Mode, right-click the server, Copy Server ID", i, g)
		}
	}
	if s.ShardCount < 1 {
		bad("discord.shard_count: %d must be at least 1", s.ShardCount)
	} else if s.ShardID < 0 || s.ShardID >= s.ShardCount {
		bad("discord.shard_id: %d must be from 0 to shard_count-1 (%d)", s.ShardID, s.ShardCount-1)
	}
	client, err := restClient(s.APIURL)
	if err != nil {
		errs = append(errs, err)
	}
	c.cfg.Client = client
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// snowflake reports whether id is a Discord id: digits that fit 64 bits,
// 17 or more of them (ids have had 17 digits since Discord's first year).
func snowflake(id string) bool {
	if len(id) < 17 || len(id) > 20 {
		return false
	}
	_, err := strconv.ParseUint(id, 10, 64)
	return err == nil
}

// restClient returns the HTTP client for Discord's REST API. With
// discord.api_url set, requests go there instead: discordgo fixes its
// endpoint URLs (https://discord.com/api/v9/…) at start-up, so a proxy or
// a test fake is reached by rewriting each request's scheme and host, and
// putting the URL's path prefix before its path. The URL is a scheme and
// host (https://proxy.example), or ends in /api or /api/v9 as Discord's
// own does (https://proxy.example/discord/api/v9); any other path would
// be ignored or doubled, so it is refused, as are a query and a fragment.
func restClient(apiURL string) (*http.Client, error) {
	apiURL = strings.TrimSpace(apiURL)
	if apiURL == "" {
		return &http.Client{Timeout: 20 * time.Second}, nil
	}
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
		return nil, fmt.Errorf("discord.api_url: %q must be an http(s) URL such as https://proxy.example:8443", apiURL)
	}
	p, version := strings.TrimSuffix(u.Path, "/"), "/api/v"+discordgo.APIVersion
	var prefix string
	switch {
	case u.RawQuery != "" || u.Fragment != "":
		p = "?" // refused below
	case strings.HasSuffix(p, version):
		prefix, p = strings.TrimSuffix(p, version), ""
	case strings.HasSuffix(p, "/api"):
		prefix, p = strings.TrimSuffix(p, "/api"), ""
	}
	if p != "" {
		return nil, fmt.Errorf("discord.api_url: %q must be a scheme and host (https://proxy.example) or a URL ending in /api or %s (the version refbot speaks)", apiURL, version)
	}
	return &http.Client{
		Timeout:   20 * time.Second,
		Transport: hostRewriter{scheme: u.Scheme, host: u.Host, prefix: prefix, next: http.DefaultTransport},
	}, nil
}

type hostRewriter struct {
	scheme, host, prefix string
	next                 http.RoundTripper
}

func (h hostRewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = h.scheme, h.host, h.host
	if h.prefix != "" {
		r.URL.Path = h.prefix + r.URL.Path
		r.URL.RawPath = ""
	}
	return h.next.RoundTrip(r)
}

// started is the validated "discord" section: the adapter's settings and
// the transport.
type started struct {
	mode string
	cfg  Config
}

// Start implements platform.Config. In HTTP mode Discord reaches refbot at
// POST /discord/interactions and Run only registers the commands; in
// gateway mode Run holds the gateway connection. Both register the
// commands at start when discord.register_commands is set.
func (s started) Start(core platform.Core) (platform.Service, error) {
	cfg := s.cfg
	cfg.Observer = core.Observer
	autolink := core.Bot.AutolinkEnabled()
	// Reading messages needs a privileged intent: ask only when
	// auto-linking is on, and only the gateway delivers messages.
	cfg.MessageContent = autolink && s.mode == ModeGateway
	if autolink && s.mode != ModeGateway && core.Log != nil {
		core.Log.Warn("auto-linking on Discord needs discord.mode: gateway (messages arrive only over the gateway); Discord channels will not be linked")
	}
	a, err := New(core.Bot, cfg, core.Log)
	if err != nil {
		return platform.Service{}, err
	}
	if core.Rejections != nil {
		a.rejections = core.Rejections
	}
	if s.mode == ModeHTTP {
		return platform.Service{
			Routes: map[string]http.Handler{"POST " + Path: a},
			Run:    a.Register, // interactions arrive over HTTP; only the registration is left
			Poster: a,
		}, nil
	}
	return platform.Service{Run: a.Run, Poster: a}, nil
}

// Tools implements platform.Platform: refbot discord invite.
func (Platform) Tools() []platform.Tool {
	return []platform.Tool{{
		Name: "invite", Args: "[--config FILE] [--application-id ID]", Summary: "print the Discord invite URL for the bot",
		Usage: "usage: refbot discord invite [--config FILE] [--application-id ID]\n", Run: inviteTool,
	}}
}

// inviteTool prints the OAuth2 URL a server admin opens to add the bot,
// with the permissions the configured features need.
func inviteTool(ctx context.Context, args []string, env platform.ToolEnv) error {
	fs := env.Flags("discord invite")
	path := fs.String("config", "", "configuration file to read discord.application_id from")
	appID := fs.String("application-id", "", "the application id (Developer Portal > General Information); or DISCORD_APPLICATION_ID")
	if err := env.Parse(fs, args); err != nil {
		return err
	}
	var cfg platform.ToolConfig
	fileID := ""
	if *path != "" {
		var err error
		if cfg, err = env.Config(*path); err != nil {
			return err
		}
		if s, ok := cfg.Section.(*Section); ok {
			fileID = s.ApplicationID
		}
	}
	id := strings.TrimSpace(*appID)
	if id == "" {
		id = strings.TrimSpace(env.Getenv("DISCORD_APPLICATION_ID"))
	}
	if id == "" {
		id = fileID
	}
	if id == "" {
		return platform.Usage("no application id: pass --application-id, set DISCORD_APPLICATION_ID, or set discord.application_id (Developer Portal > General Information > Application ID)")
	}
	if !snowflake(id) {
		return platform.Usage(fmt.Sprintf("application id %q is not a Discord id (a number of 17 to 20 digits): Developer Portal > General Information > Application ID", id))
	}
	features := Features{AutoLink: cfg.Autolink, Reading: cfg.Schedules > 0}
	fmt.Fprintln(env.Stdout, InviteURL(id, features))
	fmt.Fprintln(env.Stderr, "Open this URL as a server admin to add refbot. It asks for: View Channels, Send Messages,\nSend Messages in Threads and Embed Links (docs/discord.md says why).")
	if features.Reading {
		fmt.Fprintln(env.Stderr, "For reading.schedules it also asks for Create Public Threads (a discussion thread on each prompt)\nand Read Message History (to check after a crash whether a prompt already went out).")
	}
	if features.AutoLink {
		fmt.Fprintln(env.Stderr, "For auto-linking it also asks for Read Message History (to reply to a message) and Add Reactions\n(the quiet 📖 style).")
	}
	return nil
}
