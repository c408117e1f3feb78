package main

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"refbot/adapters/discord"
	"refbot/adapters/slack"
)

const examplePath = "../../config.example.yaml"

// load is loadConfig with the platforms refbot serves.
func load(path string, getenv func(string) string) (settings, error) {
	return loadConfig(path, getenv, platforms())
}

// sections are the Slack and Discord sections of cfg.
func sections(t *testing.T, cfg Config) (*slack.Section, *discord.Section) {
	t.Helper()
	s, ok1 := cfg.Platforms["slack"].(*slack.Section)
	d, ok2 := cfg.Platforms["discord"].(*discord.Section)
	if !ok1 || !ok2 {
		t.Fatalf("platform sections %+v", cfg.Platforms)
	}
	return s, d
}

func TestExampleConfigLoads(t *testing.T) {
	if _, err := load(examplePath, env(nil)); err != nil {
		t.Fatalf("config.example.yaml: %v", err)
	}
	// The example documents every key with its default.
	cfg, err := readConfig(examplePath, platforms())
	if err != nil {
		t.Fatal(err)
	}
	if want := defaultConfig(platforms()); !reflect.DeepEqual(cfg, want) {
		t.Errorf("config.example.yaml gives\n%+v\nthe defaults are\n%+v", cfg, want)
	}
}

// configKeys lists every key the program knows by section: the core's
// and each platform's.
func configKeys() map[string][]string {
	out := map[string][]string{}
	add := func(section string, typ reflect.Type) {
		for j := range typ.NumField() {
			if key := typ.Field(j).Tag.Get("yaml"); key != "" && key != "-" {
				out[section] = append(out[section], key)
			}
		}
	}
	top := reflect.TypeFor[Config]()
	for i := range top.NumField() {
		if name := top.Field(i).Tag.Get("yaml"); name != "-" {
			add(name, top.Field(i).Type)
		}
	}
	for _, p := range platforms() {
		add(p.Name(), reflect.TypeOf(p.Section()).Elem())
	}
	return out
}

// Every key the program knows, the platforms' included, appears in the
// example under its section.
func TestExampleConfigDocumentsEveryKey(t *testing.T) {
	raw, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	sections := exampleSections(string(raw))
	for name, keys := range configKeys() {
		body, ok := sections[name]
		if !ok {
			t.Errorf("section %s: is not in config.example.yaml", name)
			continue
		}
		for _, key := range keys {
			if !strings.Contains(body, "\n  "+key+":") {
				t.Errorf("%s.%s is not documented in config.example.yaml", name, key)
			}
		}
	}
}

// exampleSections splits a YAML file at its top-level keys.
func exampleSections(s string) map[string]string {
	out := map[string]string{}
	name := ""
	for _, line := range strings.SplitAfter(s, "\n") {
		if k, _, ok := strings.Cut(line, ":"); ok && line[0] >= 'a' && line[0] <= 'z' {
			name = k
		}
		if name != "" {
			out[name] += line
		}
	}
	return out
}

func writeConfig(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	writeFile(t, path, content)
	return path
}

func TestConfigEmptyFileIsDefaults(t *testing.T) {
	for _, content := range []string{"", "\n  \n", "# only a comment\n"} {
		cfg, err := readConfig(writeConfig(t, content), platforms())
		if err != nil {
			t.Errorf("%q: %v", content, err)
			continue
		}
		if !reflect.DeepEqual(cfg, defaultConfig(platforms())) {
			t.Errorf("%q gives %+v, want the defaults", content, cfg)
		}
	}
	if _, err := load("", env(nil)); err != nil {
		t.Errorf("no file: %v", err)
	}
}

// Keys a file leaves out keep their defaults, also inside a section the
// file does mention.
func TestConfigPartialFileKeepsDefaults(t *testing.T) {
	cfg, err := readConfig(writeConfig(t, "http:\nslack:\n  enabled: true\ndiscord:\n  guild_ids: [\"1000000000000000001\"]\n"), platforms())
	if err != nil {
		t.Fatal(err)
	}
	want := defaultConfig(platforms())
	ws, wd := sections(t, want)
	ws.Enabled = true
	wd.GuildIDs = []string{"1000000000000000001"}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got\n%+v\nwant\n%+v", cfg, want)
	}
	if _, err := cfg.compile(env(map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}), platforms()); err != nil {
		t.Errorf("compile: %v", err)
	}
}

func TestConfigUnknownKey(t *testing.T) {
	tests := []struct{ content, want string }{
		{"http:\n  addr: \"127.0.0.1:8080\"\n  adress: x\n", `:3: http.adress: unknown field; check its spelling against config.example.yaml`},
		{"log:\n  level: info\nautolinks: {}\n", `:3: autolinks: unknown section; the sections are autolink, curation, glossary, http, log, reading, state, web, discord, slack`},
		{"slack:\n  enabled: false\n  bot_tokn: x\n", `:3: slack.bot_tokn: unknown field (did you mean "bot_token"?)`},
	}
	for _, tt := range tests {
		path := writeConfig(t, tt.content)
		_, err := load(path, env(nil))
		if err == nil || !strings.Contains(err.Error(), path+tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.content, err, path+tt.want)
		}
	}
}

func TestConfigSyntaxAndTypeErrors(t *testing.T) {
	for _, content := range []string{
		"http:\n  addr: [unclosed\n",
		"discord:\n  shard_id: two\n",
		"slack:\n  enabled: maybe\n",
	} {
		path := writeConfig(t, content)
		_, err := load(path, env(nil))
		if err == nil || !strings.Contains(err.Error(), path+":") {
			t.Errorf("%q: err = %v, want one naming the file and line", content, err)
		}
	}
	if _, err := load(filepath.Join(t.TempDir(), "missing.yaml"), env(nil)); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

func TestConfigEnvironmentOverridesFile(t *testing.T) {
	path := writeConfig(t, `slack:
  bot_token: file-bot
  app_token: file-app
  signing_secret: file-secret
discord:
  token: file-token
  application_id: "1000000000000000002"
  public_key: file-key
`)
	read := func(kv map[string]string) (*slack.Section, *discord.Section) {
		t.Helper()
		cfg, err := readConfig(path, platforms())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cfg.compile(env(kv), platforms()); err != nil {
			t.Fatal(err)
		}
		return sections(t, cfg)
	}
	s, d := read(nil)
	if s.BotToken != "file-bot" || d.PublicKey != "file-key" {
		t.Errorf("file values not read: %+v %+v", s, d)
	}
	s, d = read(map[string]string{
		"SLACK_BOT_TOKEN":        "env-bot",
		"SLACK_APP_TOKEN":        "env-app",
		"SLACK_SIGNING_SECRET":   " env-secret\n",
		"DISCORD_BOT_TOKEN":      "env-token",
		"DISCORD_APPLICATION_ID": "1000000000000000003",
		"DISCORD_PUBLIC_KEY":     "env-key",
	})
	got := []string{s.BotToken, s.AppToken, s.SigningSecret, d.Token, d.ApplicationID, d.PublicKey}
	want := []string{"env-bot", "env-app", "env-secret", "env-token", "1000000000000000003", "env-key"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// An empty variable does not wipe the file's value.
	if s, _ = read(map[string]string{"SLACK_BOT_TOKEN": "  "}); s.BotToken != "file-bot" {
		t.Errorf("an empty SLACK_BOT_TOKEN replaced the file's token: %q", s.BotToken)
	}
}

func TestConfigValidation(t *testing.T) {
	key := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		content string
		env     map[string]string
		want    []string // substrings of the error; none means valid
	}{
		{"slack http without secrets", "slack: {enabled: true}", nil,
			[]string{"slack.signing_secret", "SLACK_SIGNING_SECRET", "slack.bot_token", "SLACK_BOT_TOKEN"}},
		{"slack http from the environment", "slack: {enabled: true}",
			map[string]string{"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1"}, nil},
		{"slack socket without app token", "slack: {enabled: true, mode: socket}",
			map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, []string{"slack.app_token", "SLACK_APP_TOKEN"}},
		{"slack socket with a bot token as app token", "slack: {enabled: true, mode: socket}",
			map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, []string{"xapp-"}},
		{"slack bad mode", "slack: {enabled: true, mode: carrier-pigeon}",
			map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, []string{"slack.mode", "carrier-pigeon"}},
		{"slack disabled needs nothing", "slack: {enabled: false, mode: whatever}", nil, nil},
		{"discord gateway without secrets", "discord: {enabled: true}", nil,
			[]string{"discord.token", "DISCORD_BOT_TOKEN", "discord.application_id", "DISCORD_APPLICATION_ID"}},
		{"discord http without key", "discord: {enabled: true, mode: http}",
			map[string]string{"DISCORD_BOT_TOKEN": "t", "DISCORD_APPLICATION_ID": "1000000000000000001"}, []string{"discord.public_key", "DISCORD_PUBLIC_KEY"}},
		{"discord http with a bad key", "discord: {enabled: true, mode: http}",
			map[string]string{"DISCORD_BOT_TOKEN": "t", "DISCORD_APPLICATION_ID": "1000000000000000001", "DISCORD_PUBLIC_KEY": "zz"}, []string{"64 hexadecimal"}},
		{"discord http complete", "discord: {enabled: true, mode: http}",
			map[string]string{"DISCORD_BOT_TOKEN": "t", "DISCORD_APPLICATION_ID": "1000000000000000001", "DISCORD_PUBLIC_KEY": key}, nil},
		{"shard id out of range", "discord: {enabled: true, shard_id: 2, shard_count: 2}",
			map[string]string{"DISCORD_BOT_TOKEN": "t", "DISCORD_APPLICATION_ID": "1000000000000000001"}, []string{"discord.shard_id", "0 to shard_count-1 (1)"}},
		{"negative shard id", "discord: {enabled: true, shard_id: -1}",
			map[string]string{"DISCORD_BOT_TOKEN": "t", "DISCORD_APPLICATION_ID": "1000000000000000001"}, []string{"discord.shard_id"}},
		{"no shards", "discord: {enabled: true, shard_count: 0}",
			map[string]string{"DISCORD_BOT_TOKEN": "t", "DISCORD_APPLICATION_ID": "1000000000000000001"}, []string{"discord.shard_count"}},
		{"last shard", "discord: {enabled: true, shard_id: 3, shard_count: 4}",
			map[string]string{"DISCORD_BOT_TOKEN": "t", "DISCORD_APPLICATION_ID": "1000000000000000001"}, nil},
		{"bad log level", "log: {level: verbose}", nil, []string{"log.level", `"verbose"`}},
		{"bad log format", "log: {format: xml}", nil, []string{"log.format", `"xml"`}},
		{"no port", `http: {addr: "localhost"}`, nil, []string{"http.addr", `"localhost"`}},
		{"empty addr", `http: {addr: ""}`, nil, []string{"http.addr"}},
		{"port out of range", `http: {addr: "127.0.0.1:99999"}`, nil, []string{"http.addr", "99999"}},
		{"port not a number", `http: {addr: "127.0.0.1:eighty"}`, nil, []string{"http.addr", "eighty"}},
		{"any interface", `http: {addr: ":8080"}`, nil, nil},
		{"ephemeral port", `http: {addr: "127.0.0.1:0"}`, nil, nil},
		{"no connections", `http: {max_connections: 0}`, nil, []string{"http.max_connections: 0 must be 1 or more (the default is 512)"}},
		{"negative connections", `http: {max_connections: -5}`, nil, []string{"http.max_connections: -5 must be 1 or more"}},
		{"one connection", `http: {max_connections: 1}`, nil, nil},
		{"bad glossary mode", "glossary: {mode: merge}", nil, []string{"glossary.mode", `"merge"`}},
		{"replace without a dir", "glossary: {mode: replace}", nil, []string{"glossary.mode", "glossary.dir"}},
		{"every problem at once", "log: {level: loud, format: xml}\nhttp: {addr: nowhere}\n", nil,
			[]string{"log.level", "log.format", "http.addr"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(writeConfig(t, tt.content), env(tt.env))
			if len(tt.want) == 0 {
				if err != nil {
					t.Errorf("err = %v, want none", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one naming %v", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// refbot serve reports config problems before doing anything else.
func TestServeBadConfig(t *testing.T) {
	r := runArgs(t, "", nil, "serve")
	wantCode(t, r, 2)
	if !strings.Contains(r.stderr, "--config") {
		t.Errorf("stderr = %q", r.stderr)
	}
	path := writeConfig(t, "log: {level: loud}\n")
	r = runArgs(t, "", nil, "serve", "--config", path)
	if r.err == nil || !strings.Contains(r.err.Error(), path) || !strings.Contains(r.err.Error(), "log.level") {
		t.Errorf("err = %v", r.err)
	}
	r = runArgs(t, "", map[string]string{"REFBOT_CONFIG": path}, "serve")
	if r.err == nil || !strings.Contains(r.err.Error(), "log.level") {
		t.Errorf("REFBOT_CONFIG: err = %v", r.err)
	}
}

// This input made the YAML library panic (found by FuzzDecodeConfig).
func TestConfigYAMLPanicIsAnError(t *testing.T) {
	path := writeConfig(t, "discord:\n  guild_ids: !0000\n00000000000")
	_, err := load(path, env(nil))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want an error naming the file", err)
	}
}

// state.url chooses PostgreSQL; DATABASE_URL wins over it; a URL that is
// not PostgreSQL's, or does not parse, is an error naming the key and
// never quoting the password.
func TestConfigStateURL(t *testing.T) {
	path := writeConfig(t, "state:\n  url: postgres://refbot:file-pw@db.internal:5432/refbot\n")
	s, err := load(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.stateURL != "postgres://refbot:file-pw@db.internal:5432/refbot" {
		t.Errorf("stateURL = %q", s.stateURL)
	}
	s, err = load(path, env(map[string]string{"DATABASE_URL": "postgresql://refbot@10.0.0.5/refbot?sslmode=require"}))
	if err != nil || s.stateURL != "postgresql://refbot@10.0.0.5/refbot?sslmode=require" {
		t.Errorf("with DATABASE_URL: %q, %v; want the variable's URL", s.stateURL, err)
	}
	if s, err := load("", env(nil)); err != nil || s.stateURL != "" {
		t.Errorf("default: %q, %v; want SQLite (no URL)", s.stateURL, err)
	}
	for _, bad := range []string{
		"mysql://refbot:s3cret@db/refbot",
		"postgres://refbot:s3cret@db:notaport/refbot",
		"refbot:s3cret@db",
		"postgres://refbot:s3cret@db/refbot?sslmode=sometimes",
	} {
		_, err := load(writeConfig(t, "state:\n  url: \""+bad+"\"\n"), env(nil))
		if err == nil || !strings.Contains(err.Error(), "state.url") {
			t.Errorf("%q: err = %v, want one naming state.url", bad, err)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: the error quotes the password: %v", bad, err)
		}
	}
}

// Hostile configuration files (issue 12.9): every problem is reported at
// once, each line naming the file, the line, the YAML path and what it
// takes; keys the file does not have point at their section.
func TestConfigErrorsNameFileLineAndKey(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-glossary")
	aFile := filepath.Join(t.TempDir(), "entries.yaml")
	writeFile(t, aFile, "id: x\n")
	tests := []struct {
		name, content string
		want          []string // each a line of the error, after "FILE:"
	}{
		{"a word where a bool goes", "slack: {enabled: yes please}\n",
			[]string{`1: slack.enabled: got "yes please"; want true or false`}},
		{"a number where a list goes", "discord:\n  guild_ids: 123\n",
			[]string{`2: discord.guild_ids: got "123"; want a list, such as [a, b]`}},
		{"a missing glossary directory", "glossary:\n  dir: " + missing + "\n",
			[]string{`2: glossary.dir: "` + missing + `" cannot be read (no such file or directory); want a directory with entries/*.yaml`}},
		{"a file as the glossary directory", "glossary:\n  dir: " + aFile + "\n",
			[]string{`2: glossary.dir: "` + aFile + `" is a file; want a directory`}},
		{"a duration that is not one", "glossary:\n  reload: soon\n",
			[]string{`2: glossary.reload: got "soon"; want a duration such as 30s, 5m or 2h`}},
		{"a scalar where a section goes", "http: 5\n",
			[]string{`1: http: got "5"; want a mapping of keys`}},
		{"a list where a section goes", "log:\n  - debug\n",
			[]string{`2: log: got a list; want a mapping of keys`}},
		{"schedules not a list", "reading:\n  schedules: {platform: slack}\n",
			[]string{`2: reading.schedules: got a mapping; want a list of mappings`}},
		{"a secret the file does not have points at its section", "log: {level: info}\nslack:\n  enabled: true\n",
			[]string{`2: slack.signing_secret: missing; set SLACK_SIGNING_SECRET`, `2: slack.bot_token: missing; set SLACK_BOT_TOKEN`}},
		{"checks after decoding point at their key", "http:\n  addr: nowhere\nlog:\n  level: loud\n",
			[]string{`2: http.addr: "nowhere" is not host:port`, `4: log.level: "loud" must be debug, info, warn or error`}},
		{"a section twice", "log: {level: info}\nlog: {format: json}\n",
			[]string{`2: log: appears twice; merge the two sections`}},
		{"a key twice", "log:\n  level: info\n  level: debug\n",
			[]string{`3: log.level: appears twice; keep one`}},
		{"an unknown section and an unknown key", "slak: {}\nhttp: {adress: x}\n",
			[]string{`1: slak: unknown section`, `2: http.adress: unknown field`}},
		{"every problem at once, a broken value checked once", "slack:\n  enabled: yes please\n  mode: carrier-pigeon\ndiscord: {shard_id: two, guild_ids: 123}\nlog: {level: loud}\nhtttp: {}\n",
			[]string{
				`2: slack.enabled: got "yes please"; want true or false`,
				`4: discord.shard_id: got "two"; want a whole number`,
				`4: discord.guild_ids: got "123"; want a list`,
				`6: htttp: unknown section`,
				`5: log.level: "loud" must be`,
			}},
		{"the top is a list", "- http\n- log\n", []string{`1: the file must be a mapping of sections`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.content)
			_, err := load(path, env(nil))
			if err == nil {
				t.Fatal("no error")
			}
			lines := strings.Split(err.Error(), "\n")
			for _, w := range tt.want {
				if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, path+":"+w) }) {
					t.Errorf("no line %q", path+":"+w)
				}
			}
			if len(lines) != len(tt.want) {
				t.Errorf("%d lines, want %d", len(lines), len(tt.want))
			}
			for _, l := range lines {
				if !regexp.MustCompile(`^` + regexp.QuoteMeta(path) + `:\d+: ([a-z_]+(\.[a-z_]+|\[\d+\])*: |the file)`).MatchString(l) {
					t.Errorf("line %q does not name the file, a line and a key", l)
				}
			}
			if t.Failed() {
				t.Log(err)
			}
		})
	}
}
