package discord

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"refbot/adapters/platform"
	"refbot/bot"
)

func getenv(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// The "discord" section is checked once, every problem naming its key;
// the public key is decoded here and nowhere else.
func TestSectionCompile(t *testing.T) {
	key := strings.Repeat("ab", 32)
	secrets := map[string]string{"DISCORD_BOT_TOKEN": "t", "DISCORD_APPLICATION_ID": "1000000000000000001"}
	with := func(mod func(*Section)) Section {
		s := *Platform{}.Section().(*Section)
		s.Enabled = true
		if mod != nil {
			mod(&s)
		}
		return s
	}
	tests := []struct {
		name string
		sec  Section
		env  map[string]string
		want []string // substrings of the error; none: valid
	}{
		{"off needs nothing", Section{Mode: "carrier-pigeon"}, nil, nil},
		{"gateway without secrets", with(nil), nil,
			[]string{"discord.token: missing; set DISCORD_BOT_TOKEN", "discord.application_id: missing; set DISCORD_APPLICATION_ID"}},
		{"gateway from the environment", with(nil), secrets, nil},
		{"http without key", with(func(s *Section) { s.Mode = ModeHTTP }), secrets, []string{"discord.public_key: missing", "DISCORD_PUBLIC_KEY"}},
		{"http with a bad key", with(func(s *Section) { s.Mode, s.PublicKey = ModeHTTP, "zz" }), secrets, []string{"discord.public_key: must be 64 hexadecimal"}},
		{"http with a short key", with(func(s *Section) { s.Mode, s.PublicKey = ModeHTTP, "abcd" }), secrets, []string{"discord.public_key: must be 64 hexadecimal"}},
		{"http complete", with(func(s *Section) { s.Mode, s.PublicKey = ModeHTTP, key }), secrets, nil},
		{"bad mode", with(func(s *Section) { s.Mode = "carrier-pigeon" }), secrets, []string{`discord.mode: "carrier-pigeon" must be gateway or http`}},
		{"shard id out of range", with(func(s *Section) { s.ShardID, s.ShardCount = 2, 2 }), secrets, []string{"discord.shard_id: 2 must be from 0 to shard_count-1 (1)"}},
		{"negative shard id", with(func(s *Section) { s.ShardID = -1 }), secrets, []string{"discord.shard_id"}},
		{"no shards", with(func(s *Section) { s.ShardCount = 0 }), secrets, []string{"discord.shard_count"}},
		{"last shard", with(func(s *Section) { s.ShardID, s.ShardCount = 3, 4 }), secrets, nil},
		{"bad api url", with(func(s *Section) { s.APIURL = "ftp://x" }), secrets, []string{"discord.api_url"}},
		{"api url without a host", with(func(s *Section) { s.APIURL = "http://" }), secrets, []string{"discord.api_url"}},
		// Issue 12.7: a path refbot would ignore is refused.
		{"api url with another path", with(func(s *Section) { s.APIURL = "https://proxy.example/v2" }), secrets,
			[]string{`discord.api_url: "https://proxy.example/v2" must be a scheme and host (https://proxy.example) or a URL ending in /api or /api/v9`}},
		{"api url with a prefix that is not the api", with(func(s *Section) { s.APIURL = "https://proxy.example/discord/" }), secrets, []string{"discord.api_url"}},
		{"api url of another version", with(func(s *Section) { s.APIURL = "https://proxy.example/api/v10" }), secrets, []string{"discord.api_url", "/api/v9"}},
		{"api url with a query", with(func(s *Section) { s.APIURL = "https://proxy.example/?a=b" }), secrets, []string{"discord.api_url"}},
		// Issue 12.8: ids are snowflakes, checked at load.
		{"application id not a number", with(nil), map[string]string{"DISCORD_BOT_TOKEN": "t", "DISCORD_APPLICATION_ID": "my-app"},
			[]string{`discord.application_id: "my-app" is not a Discord id (a number of 17 to 20 digits)`}},
		{"application id too short", with(nil), map[string]string{"DISCORD_BOT_TOKEN": "t", "DISCORD_APPLICATION_ID": "1234"}, []string{"discord.application_id"}},
		{"application id too large", with(nil), map[string]string{"DISCORD_BOT_TOKEN": "t", "DISCORD_APPLICATION_ID": "99999999999999999999"}, []string{"discord.application_id"}},
		{"guild ids not numbers", with(func(s *Section) { s.GuildIDs = []string{"123456789012345678", "my-server", ""} }), secrets,
			[]string{`discord.guild_ids[1]: "my-server" is not a Discord id`, `discord.guild_ids[2]: "" is not a Discord id`}},
		// Issue 11.14: blank secrets from the file are missing.
		{"blank secrets in the file", with(func(s *Section) { s.Mode, s.Token, s.ApplicationID, s.PublicKey = ModeHTTP, "  ", "\t", " " }), nil,
			[]string{"discord.token: missing", "discord.application_id: missing", "discord.public_key: missing"}},
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

// Started through the contract: HTTP mode serves POST
// /discord/interactions with the decoded key, the gateway no route; the
// message-content intent only with auto-linking over the gateway.
func TestStart(t *testing.T) {
	key := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		mode     string
		autolink bool
		route    bool
		intent   bool
	}{
		{ModeHTTP, false, true, false},
		{ModeHTTP, true, true, false},
		{ModeGateway, false, false, false},
		{ModeGateway, true, false, true},
	} {
		sec := Platform{}.Section().(*Section)
		sec.Enabled, sec.Mode, sec.PublicKey, sec.APIURL = true, tc.mode, key, "http://127.0.0.1:9"
		cfg, err := sec.Compile(getenv(map[string]string{"DISCORD_BOT_TOKEN": "t", "DISCORD_APPLICATION_ID": "1000000000000000001"}))
		if err != nil {
			t.Fatal(err)
		}
		b := newBot(t)
		if tc.autolink {
			b = bot.New(b.Glossary(), bot.Config{Autolink: bot.AutolinkConfig{Enabled: true}})
		}
		svc, err := cfg.Start(platform.Core{Bot: b})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		for pattern, h := range svc.Routes {
			mux.Handle(pattern, h)
		}
		h, pattern := mux.Handler(&http.Request{Method: http.MethodPost, URL: &url.URL{Path: Path}, Host: "x"})
		if (pattern != "") != tc.route || svc.Run == nil || svc.Poster == nil {
			t.Errorf("%s: route %q, run %v, poster %v", tc.mode, pattern, svc.Run != nil, svc.Poster != nil)
		}
		a, _ := svc.Poster.(*Adapter)
		if a == nil || a.cfg.MessageContent != tc.intent || a.s.Client.Transport == nil {
			t.Errorf("%s autolink %v: adapter %+v, want message content %v and the api_url client", tc.mode, tc.autolink, a, tc.intent)
		}
		if tc.route && (h != http.Handler(a) || len(a.cfg.PublicKey) != 32) {
			t.Errorf("the route does not serve the adapter with the decoded key")
		}
	}
}

func TestCheckChannel(t *testing.T) {
	for id, ok := range map[string]bool{"123456789012345678": true, "4000000000000000004": true, "C0123ABCD": false, "#general": false, "12": false} {
		if err := (Platform{}).CheckChannel(id); (err == nil) != ok {
			t.Errorf("CheckChannel(%q) = %v, want ok %v", id, err, ok)
		}
	}
	if err := (Platform{}).CheckChannel("#general"); !strings.Contains(err.Error(), "Copy Channel ID") {
		t.Errorf("error %q does not say where to find the id", err)
	}
}

// toolEnv runs a tool as refbot does, with the configuration file's facts
// given and env as the environment.
func toolEnv(cfg platform.ToolConfig, env map[string]string) (platform.ToolEnv, *strings.Builder, *strings.Builder) {
	var out, errs strings.Builder
	return platform.ToolEnv{
		Stdout: &out, Stderr: &errs, Getenv: getenv(env),
		Flags: func(name string) *flag.FlagSet {
			fs := flag.NewFlagSet(name, flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			return fs
		},
		Parse:  func(fs *flag.FlagSet, args []string) error { return fs.Parse(args) },
		Config: func(path string) (platform.ToolConfig, error) { return cfg, nil },
	}, &out, &errs
}

// refbot discord invite: the application id from the flag, else the
// environment, else the file; the permissions the configured features need.
func TestInviteTool(t *testing.T) {
	p := Platform{}
	tools := p.Tools()
	if p.Name() != "discord" || len(tools) != 1 || tools[0].Name != "invite" {
		t.Fatalf("tools = %+v", tools)
	}
	run := tools[0].Run
	file := &Section{ApplicationID: "3000000000000000003"}
	tests := []struct {
		name  string
		args  []string
		cfg   platform.ToolConfig
		env   map[string]string
		id    string
		perms int64
		notes []string
	}{
		{"flag", []string{"--application-id", "1000000000000000001"}, platform.ToolConfig{}, map[string]string{"DISCORD_APPLICATION_ID": "2"}, "1000000000000000001", Permissions(Features{}), nil},
		{"environment", nil, platform.ToolConfig{}, map[string]string{"DISCORD_APPLICATION_ID": "2000000000000000002"}, "2000000000000000002", Permissions(Features{}), nil},
		{"file, with features", []string{"--config", "refbot.yaml"}, platform.ToolConfig{Section: file, Autolink: true, Schedules: 1}, nil,
			"3000000000000000003", Permissions(Features{AutoLink: true, Reading: true}), []string{"Create Public Threads", "Add Reactions"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env, out, errs := toolEnv(tc.cfg, tc.env)
			if err := run(t.Context(), tc.args, env); err != nil {
				t.Fatal(err)
			}
			if want := InviteURL(tc.id, Features{AutoLink: tc.cfg.Autolink, Reading: tc.cfg.Schedules > 0}); out.String() != want+"\n" || !strings.Contains(want, fmt.Sprint(tc.perms)) {
				t.Errorf("printed %q, want %q", out.String(), want)
			}
			for _, n := range tc.notes {
				if !strings.Contains(errs.String(), n) {
					t.Errorf("stderr %q lacks %q", errs.String(), n)
				}
			}
		})
	}
	for _, args := range [][]string{nil, {"--application-id", "my-bot"}} {
		env, _, _ := toolEnv(platform.ToolConfig{}, nil)
		if _, ok := platform.IsUsage(run(t.Context(), args, env)); !ok {
			t.Errorf("%q: want a usage error", args)
		}
	}
}

// discord.api_url takes a scheme and host, or a URL ending in /api or
// /api/v9 under a proxy's prefix; REST calls keep their /api/v9 paths
// under it (issue 12.7).
func TestRESTClientForms(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.URL.Path }))
	defer srv.Close()
	for _, tt := range []struct{ suffix, want string }{
		{"", "/api/v9/gateway"},
		{"/", "/api/v9/gateway"},
		{"/api", "/api/v9/gateway"},
		{"/api/", "/api/v9/gateway"},
		{"/api/v9", "/api/v9/gateway"},
		{"/api/v9/", "/api/v9/gateway"},
		{"/discord/api/v9", "/discord/api/v9/gateway"},
	} {
		c, err := restClient(srv.URL + tt.suffix)
		if err != nil {
			t.Errorf("%q: %v", tt.suffix, err)
			continue
		}
		res, err := c.Get("https://discord.com/api/v9/gateway")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if p := <-got; p != tt.want {
			t.Errorf("api_url …%s: request reached %s, want %s", tt.suffix, p, tt.want)
		}
	}
}

// discord.api_url sends every REST call to its scheme and host, paths
// unchanged.
func TestRESTClientRewritesHost(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.Host + r.URL.Path }))
	defer srv.Close()
	c, err := restClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Get("https://discord.com/api/v9/gateway")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if want := strings.TrimPrefix(srv.URL, "http://") + "/api/v9/gateway"; <-got != want {
		t.Errorf("request did not reach %s", want)
	}
}
