package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"refbot/adapters/discord"
)

// newDiscord builds the Discord adapter (adapters/discord): in http mode
// it serves POST /discord/interactions, in gateway mode Run holds the
// gateway connection; both register the commands at start when
// discord.register_commands is set.
func newDiscord(cfg DiscordConfig, d deps) (platform, error) {
	var key ed25519.PublicKey
	if cfg.Mode == "http" {
		k, err := hex.DecodeString(cfg.PublicKey)
		if err != nil || len(k) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("discord.public_key must be 64 hexadecimal characters (DISCORD_PUBLIC_KEY, from the Developer Portal > General Information)")
		}
		key = k
	}
	client, err := discordClient(cfg.APIURL)
	if err != nil {
		return nil, err
	}
	a, err := discord.New(d.bot, discord.Config{
		Token:            cfg.Token,
		ApplicationID:    cfg.ApplicationID,
		PublicKey:        key,
		RegisterCommands: cfg.RegisterCommands,
		GuildIDs:         cfg.GuildIDs,
		ShardID:          cfg.ShardID,
		ShardCount:       cfg.ShardCount,
		// Reading messages needs a privileged intent: ask only when
		// auto-linking is on, and only the gateway delivers messages.
		MessageContent: d.bot.AutolinkEnabled() && cfg.Mode == "gateway",
		Client:         client,
	}, d.log.With("platform", "discord"))
	if err != nil {
		return nil, err
	}
	return &discordPlatform{a: a, http: cfg.Mode == "http"}, nil
}

type discordPlatform struct {
	a    *discord.Adapter
	http bool
}

func (p *discordPlatform) Routes(mux *http.ServeMux) {
	if p.http {
		mux.Handle("POST "+discord.Path, p.a)
	}
}

func (p *discordPlatform) Run(ctx context.Context) error {
	if p.http {
		// Interactions arrive over HTTP; only the registration is left.
		return p.a.Register(ctx)
	}
	return p.a.Run(ctx)
}

// discordClient returns the HTTP client for Discord's REST API. With
// discord.api_url set, requests go to that scheme and host instead, paths
// unchanged (/api/v9/...): discordgo fixes its endpoint URLs at start-up,
// so a proxy or a test fake is reached by rewriting each request.
func discordClient(apiURL string) (*http.Client, error) {
	if apiURL == "" {
		return &http.Client{Timeout: 20 * time.Second}, nil
	}
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("discord.api_url: %q must be an http(s) URL such as https://proxy.example:8443", apiURL)
	}
	return &http.Client{
		Timeout:   20 * time.Second,
		Transport: hostRewriter{scheme: u.Scheme, host: u.Host, next: http.DefaultTransport},
	}, nil
}

type hostRewriter struct {
	scheme, host string
	next         http.RoundTripper
}

func (h hostRewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = h.scheme, h.host, h.host
	return h.next.RoundTrip(r)
}

// runDiscordCommand runs "refbot discord invite": it prints the OAuth2 URL
// a server admin opens to add the bot.
func runDiscordCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "invite" {
		fmt.Fprintln(stderr, "usage: refbot discord invite [--config FILE] [--application-id ID]")
		return exitError{code: 2}
	}
	fs := newFlags("discord invite", stderr)
	path := fs.String("config", "", "configuration file to read discord.application_id from")
	appID := fs.String("application-id", "", "the application id (Developer Portal > General Information); or DISCORD_APPLICATION_ID")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	cfg := defaultConfig()
	if *path != "" {
		data, err := os.ReadFile(*path)
		if err != nil {
			return fmt.Errorf("read config: %w", err)
		}
		if err := decodeConfig(*path, data, &cfg); err != nil {
			return err
		}
	}
	id := strings.TrimSpace(*appID)
	if id == "" {
		id = strings.TrimSpace(getenv("DISCORD_APPLICATION_ID"))
	}
	if id == "" {
		id = cfg.Discord.ApplicationID
	}
	if id == "" {
		return exitError{code: 2, msg: "no application id: pass --application-id, set DISCORD_APPLICATION_ID, or set discord.application_id (Developer Portal > General Information > Application ID)"}
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return exitError{code: 2, msg: fmt.Sprintf("application id %q should be digits only (Developer Portal > General Information > Application ID)", id)}
		}
	}
	reading := len(cfg.Reading.Schedules) > 0
	features := discord.Features{AutoLink: cfg.Autolink.Enabled, Reading: reading}
	fmt.Fprintln(stdout, discord.InviteURL(id, features))
	fmt.Fprintln(stderr, "Open this URL as a server admin to add refbot. It asks for: View Channels, Send Messages,\nSend Messages in Threads and Embed Links (docs/discord.md says why).")
	if reading {
		fmt.Fprintln(stderr, "For reading.schedules it also asks for Create Public Threads (a discussion thread on each prompt)\nand Read Message History (to check after a crash whether a prompt already went out).")
	}
	if features.AutoLink {
		fmt.Fprintln(stderr, "For auto-linking it also asks for Read Message History (to reply to a message) and Add Reactions\n(the quiet 📖 style).")
	}
	return nil
}
