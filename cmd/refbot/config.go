package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// Config is refbot's configuration file; config.example.yaml documents
// every key.
type Config struct {
	HTTP     HTTPConfig     `yaml:"http"`
	Glossary GlossaryConfig `yaml:"glossary"`
	State    StateConfig    `yaml:"state"`
	Log      LogConfig      `yaml:"log"`
	Slack    SlackConfig    `yaml:"slack"`
	Discord  DiscordConfig  `yaml:"discord"`
	Reading  ReadingConfig  `yaml:"reading"`
	Autolink AutolinkConfig `yaml:"autolink"`
	Web      WebConfig      `yaml:"web"`
}

type HTTPConfig struct {
	Addr string `yaml:"addr"`
}

type GlossaryConfig struct {
	Dir         string        `yaml:"dir"`
	Mode        string        `yaml:"mode"`
	ProposeHint string        `yaml:"propose_hint"`
	Reload      time.Duration `yaml:"reload"`
}

type StateConfig struct {
	Dir string `yaml:"dir"`
}

type LogConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

type SlackConfig struct {
	Enabled       bool   `yaml:"enabled"`
	Mode          string `yaml:"mode"`
	APIURL        string `yaml:"api_url"`
	BotToken      string `yaml:"bot_token"`
	AppToken      string `yaml:"app_token"`
	SigningSecret string `yaml:"signing_secret"`
}

type DiscordConfig struct {
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

func defaultConfig() Config {
	return Config{
		HTTP:     HTTPConfig{Addr: "127.0.0.1:8080"},
		Glossary: GlossaryConfig{Mode: "extend", Reload: 30 * time.Second},
		State:    StateConfig{Dir: "./refbot-data"},
		Log:      LogConfig{Level: "info", Format: "text"},
		Slack:    SlackConfig{Mode: "http"},
		Discord:  DiscordConfig{Mode: "gateway", RegisterCommands: true, ShardCount: 1},
		Reading:  ReadingConfig{Schedules: []ScheduleConfig{}},
		Autolink: defaultAutolink(),
		Web:      defaultWeb(),
	}
}

// loadConfig reads the file at path (none when path is ""), applies the
// environment's secrets over it and validates the result.
func loadConfig(path string, getenv func(string) string) (Config, error) {
	cfg := defaultConfig()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("read config: %w", err)
		}
		if err := decodeConfig(path, data, &cfg); err != nil {
			return cfg, err
		}
	}
	for _, s := range []struct {
		env string
		dst *string
	}{
		{"SLACK_BOT_TOKEN", &cfg.Slack.BotToken},
		{"SLACK_APP_TOKEN", &cfg.Slack.AppToken},
		{"SLACK_SIGNING_SECRET", &cfg.Slack.SigningSecret},
		{"DISCORD_BOT_TOKEN", &cfg.Discord.Token},
		{"DISCORD_PUBLIC_KEY", &cfg.Discord.PublicKey},
		{"DISCORD_APPLICATION_ID", &cfg.Discord.ApplicationID},
	} {
		if v := strings.TrimSpace(getenv(s.env)); v != "" {
			*s.dst = v
		}
	}
	return cfg, cfg.validate()
}

func decodeConfig(path string, data []byte, cfg *Config) (err error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	// The YAML library can panic on malformed input (FuzzDecodeConfig
	// found one); a bad file must be an error, not a crash.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: cannot parse YAML: %v", path, r)
		}
	}()
	// Decode into a copy: on a file of only comments the decoder reports
	// io.EOF after zeroing its target, and every key must keep its default.
	out := *cfg
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.DisallowUnknownField())
	if err := dec.Decode(&out); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		var ye yaml.Error
		if errors.As(err, &ye) {
			line := 0
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				line = tk.Position.Line
			}
			var uf *yaml.UnknownFieldError
			if errors.As(err, &uf) && uf.Token != nil {
				return fmt.Errorf("%s:%d: unknown key %q: check its spelling against config.example.yaml", path, line, uf.Token.Value)
			}
			return fmt.Errorf("%s:%d: %s", path, line, ye.GetMessage())
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	*cfg = out
	return nil
}

var hexKey = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// validate reports every problem at once, each naming its key.
func (c *Config) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if _, port, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		bad("http.addr: %q is not host:port (for example 127.0.0.1:8080)", c.HTTP.Addr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		bad("http.addr: %q needs a port number from 0 to 65535", c.HTTP.Addr)
	}
	if c.Glossary.Mode != "extend" && c.Glossary.Mode != "replace" {
		bad("glossary.mode: %q must be extend or replace", c.Glossary.Mode)
	}
	if c.Glossary.Reload < 0 {
		bad("glossary.reload: %v must be 0 (off) or a duration such as 30s", c.Glossary.Reload)
	}
	if c.Glossary.Mode == "replace" && c.Glossary.Dir == "" {
		bad("glossary.mode: replace needs glossary.dir")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level: %q must be debug, info, warn or error", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format: %q must be text or json", c.Log.Format)
	}
	if s := c.Slack; s.Enabled {
		switch s.Mode {
		case "http":
			if s.SigningSecret == "" {
				bad("slack.signing_secret: missing; set SLACK_SIGNING_SECRET (Slack app > Basic Information > Signing Secret)")
			}
		case "socket":
			if s.AppToken == "" {
				bad("slack.app_token: missing; set SLACK_APP_TOKEN (an xapp- token with connections:write)")
			} else if !strings.HasPrefix(s.AppToken, "xapp-") {
				bad("slack.app_token: must be an app-level token starting with xapp- (SLACK_APP_TOKEN)")
			}
		default:
			bad("slack.mode: %q must be http or socket", s.Mode)
		}
		if s.BotToken == "" {
			bad("slack.bot_token: missing; set SLACK_BOT_TOKEN (an xoxb- token from OAuth & Permissions)")
		}
		if s.APIURL != "" && !strings.HasPrefix(s.APIURL, "http") {
			bad("slack.api_url: %q must be an http(s) URL", s.APIURL)
		}
	}
	if d := c.Discord; d.Enabled {
		switch d.Mode {
		case "gateway":
		case "http":
			if d.PublicKey == "" {
				bad("discord.public_key: missing; set DISCORD_PUBLIC_KEY (Developer Portal > General Information > Public Key)")
			} else if !hexKey.MatchString(d.PublicKey) {
				bad("discord.public_key: must be 64 hexadecimal characters (DISCORD_PUBLIC_KEY)")
			}
		default:
			bad("discord.mode: %q must be gateway or http", d.Mode)
		}
		if d.Token == "" {
			bad("discord.token: missing; set DISCORD_BOT_TOKEN (Developer Portal > Bot > Reset Token)")
		}
		if d.ApplicationID == "" {
			bad("discord.application_id: missing; set DISCORD_APPLICATION_ID (Developer Portal > General Information)")
		}
		if d.ShardCount < 1 {
			bad("discord.shard_count: %d must be at least 1", d.ShardCount)
		} else if d.ShardID < 0 || d.ShardID >= d.ShardCount {
			bad("discord.shard_id: %d must be from 0 to shard_count-1 (%d)", d.ShardID, d.ShardCount-1)
		}
		if d.APIURL != "" && !strings.HasPrefix(d.APIURL, "http") {
			bad("discord.api_url: %q must be an http(s) URL", d.APIURL)
		}
	}
	errs = append(errs, c.Reading.validate(c)...)
	errs = append(errs, c.Autolink.validate()...)
	errs = append(errs, c.Web.validate()...)
	if c.Autolink.LinkTo == "page" && (!c.Web.Enabled || c.Web.PublicURL == "") {
		bad("autolink.link_to: page needs the web site on (web.enabled) and web.public_url set, so links have somewhere to point")
	}
	return errors.Join(errs...)
}
