package slack

import (
	"flag"
	"io"
	"net/http"
	"strings"
	"testing"

	"refbot/adapters/platform"
	"refbot/bot"
)

func getenv(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// The "slack" section is checked once, every problem naming its key.
func TestSectionCompile(t *testing.T) {
	tests := []struct {
		name string
		sec  Section
		env  map[string]string
		want []string // substrings of the error; none: valid
	}{
		{"off needs nothing", Section{Mode: "carrier-pigeon"}, nil, nil},
		{"http without secrets", Section{Enabled: true, Mode: ModeHTTP}, nil,
			[]string{"slack.signing_secret: missing; set SLACK_SIGNING_SECRET", "slack.bot_token: missing; set SLACK_BOT_TOKEN"}},
		{"http from the environment", Section{Enabled: true, Mode: ModeHTTP},
			map[string]string{"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1"}, nil},
		{"socket without app token", Section{Enabled: true, Mode: ModeSocket, BotToken: "xoxb-1"}, nil, []string{"slack.app_token: missing", "SLACK_APP_TOKEN"}},
		{"socket with a bot token as app token", Section{Enabled: true, Mode: ModeSocket, BotToken: "xoxb-1", AppToken: "xoxb-2"}, nil, []string{"xapp-"}},
		{"bad mode", Section{Enabled: true, Mode: "carrier-pigeon", BotToken: "xoxb-1"}, nil, []string{`slack.mode: "carrier-pigeon" must be http or socket`}},
		{"bad api url", Section{Enabled: true, Mode: ModeHTTP, BotToken: "xoxb-1", SigningSecret: "s", APIURL: "ftp://x"}, nil, []string{"slack.api_url"}},
		// Issue 11.14: a blank secret from the file is missing, as one
		// from the environment is.
		{"blank secrets in the file", Section{Enabled: true, Mode: ModeHTTP, BotToken: " \t", SigningSecret: "   "}, nil,
			[]string{"slack.signing_secret: missing; set SLACK_SIGNING_SECRET", "slack.bot_token: missing; set SLACK_BOT_TOKEN"}},
		{"a blank app token in the file", Section{Enabled: true, Mode: ModeSocket, BotToken: "xoxb-1", AppToken: "\n"}, nil, []string{"slack.app_token: missing"}},
		{"blank secrets everywhere", Section{Enabled: true, Mode: ModeHTTP, BotToken: " ", SigningSecret: " "},
			map[string]string{"SLACK_SIGNING_SECRET": "  ", "SLACK_BOT_TOKEN": "\t"}, []string{"slack.signing_secret: missing", "slack.bot_token: missing"}},
		// Issue 12.7: a wrong api_url is refused at start.
		{"api url with another path", Section{Enabled: true, Mode: ModeHTTP, BotToken: "xoxb-1", SigningSecret: "s", APIURL: "https://proxy.example/slack"}, nil,
			[]string{`slack.api_url: "https://proxy.example/slack" must be a scheme and host (https://proxy.example: refbot adds /api/) or a URL ending in /api/`}},
		{"api url with a query", Section{Enabled: true, Mode: ModeHTTP, BotToken: "xoxb-1", SigningSecret: "s", APIURL: "https://proxy.example/api/?x=1"}, nil, []string{"slack.api_url"}},
		{"api url without a host", Section{Enabled: true, Mode: ModeHTTP, BotToken: "xoxb-1", SigningSecret: "s", APIURL: "https:///api/"}, nil, []string{"slack.api_url"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := tt.sec.Compile(getenv(tt.env))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				if (cfg != nil) != tt.sec.Enabled {
					t.Errorf("config = %v for enabled = %v", cfg, tt.sec.Enabled)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// slack.api_url takes Slack's form (a URL ending in /api/) and Discord's
// (a scheme and host): both mean the same Web API base (issue 12.7).
func TestSectionAPIURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"https://slack.com/api/", "https://slack.com/api/"},
		{"https://slack.com/api", "https://slack.com/api/"},
		{"https://proxy.example", "https://proxy.example/api/"},
		{"https://proxy.example/", "https://proxy.example/api/"},
		{"http://127.0.0.1:9000", "http://127.0.0.1:9000/api/"},
		{"https://proxy.example/slack/api/", "https://proxy.example/slack/api/"},
		{" https://proxy.example ", "https://proxy.example/api/"},
	} {
		sec := Section{Enabled: true, Mode: ModeHTTP, BotToken: "xoxb-1", SigningSecret: "s", APIURL: tt.in}
		cfg, err := sec.Compile(getenv(nil))
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got := cfg.(Config).APIURL; got != tt.want {
			t.Errorf("api_url %q = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Started through the contract: HTTP mode serves POST /slack/events,
// Socket Mode no route; both run and post scheduled prompts.
func TestStart(t *testing.T) {
	for _, mode := range []string{ModeHTTP, ModeSocket} {
		sec := Platform{}.Section().(*Section)
		sec.Enabled, sec.Mode = true, mode
		cfg, err := sec.Compile(getenv(map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "xapp-1"}))
		if err != nil {
			t.Fatal(err)
		}
		svc, err := cfg.Start(platform.Core{Bot: bot.New(testGlossary(t), bot.Config{})})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		for pattern, h := range svc.Routes {
			mux.Handle(pattern, h)
		}
		_, pattern := mux.Handler(postTo(Path))
		if (pattern != "") != (mode == ModeHTTP) || svc.Run == nil || svc.Poster == nil {
			t.Errorf("%s mode: route %q, run %v, poster %v", mode, pattern, svc.Run != nil, svc.Poster != nil)
		}
	}
}

func TestCheckChannel(t *testing.T) {
	for id, ok := range map[string]bool{"C0123ABCD": true, "G0123ABCD": true, "C1": false, "#general": false, "D0123ABCD": false, "123456789012345678": false} {
		if err := (Platform{}).CheckChannel(id); (err == nil) != ok {
			t.Errorf("CheckChannel(%q) = %v, want ok %v", id, err, ok)
		}
	}
	if err := (Platform{}).CheckChannel("#general"); !strings.Contains(err.Error(), "channel's details") {
		t.Errorf("error %q does not say where to find the id", err)
	}
}

// toolEnv runs a tool as refbot does, with the configuration file's facts
// given.
func toolEnv(t *testing.T, cfg platform.ToolConfig) (platform.ToolEnv, *strings.Builder) {
	t.Helper()
	var out strings.Builder
	return platform.ToolEnv{
		Stdout: &out, Stderr: io.Discard, Getenv: getenv(nil),
		Flags: func(name string) *flag.FlagSet {
			fs := flag.NewFlagSet(name, flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			return fs
		},
		Parse:    func(fs *flag.FlagSet, args []string) error { return fs.Parse(args) },
		Config:   func(path string) (platform.ToolConfig, error) { return cfg, nil },
		Commands: bot.New(testGlossary(t), bot.Config{}).Commands(),
	}, &out
}

// refbot slack manifest: the manifest for the core's commands, with
// auto-linking's events when the configuration file turns it on.
func TestManifestTool(t *testing.T) {
	p := Platform{}
	tools := p.Tools()
	if p.Name() != "slack" || len(tools) != 3 || tools[0].Name != "manifest" || !strings.Contains(tools[0].Usage, "refbot slack manifest") {
		t.Fatalf("tools = %+v", tools)
	}
	run := tools[0].Run
	env, out := toolEnv(t, platform.ToolConfig{Autolink: true})
	if err := run(t.Context(), []string{"--url", "https://refbot.example.org", "--config", "refbot.yaml"}, env); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"/define"`, `"/refbot"`, "https://refbot.example.org/slack/events", "message.channels"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("manifest lacks %s:\n%s", want, out)
		}
	}
	env, out = toolEnv(t, platform.ToolConfig{})
	if err := run(t.Context(), []string{"--socket"}, env); err != nil || strings.Contains(out.String(), "message.channels") || !strings.Contains(out.String(), `"socket_mode_enabled": true`) {
		t.Errorf("--socket: %v\n%s", err, out)
	}
	// --config with slack.oauth on: the redirect under its public URL.
	env, out = toolEnv(t, platform.ToolConfig{Section: &Section{OAuth: OAuthSection{Enabled: true, PublicURL: "https://bot.example.org"}}})
	if err := run(t.Context(), []string{"--config", "refbot.yaml"}, env); err != nil || !strings.Contains(out.String(), "https://bot.example.org/slack/oauth_redirect") || !strings.Contains(out.String(), "app_uninstalled") {
		t.Errorf("--config with slack.oauth: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"--url", "https://x", "extra"}, {}} {
		env, _ := toolEnv(t, platform.ToolConfig{})
		if _, ok := platform.IsUsage(run(t.Context(), args, env)); !ok {
			t.Errorf("%q: want a usage error", args)
		}
	}
}
