package main

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"refbot/adapters/platform"
	"refbot/bot"
	"refbot/bot/postgres"
	"refbot/glossary"
)

// Config is refbot's configuration file as written: the core's sections,
// decoded here, and one section per platform, decoded into the platform's
// own type (adapters/platform). config.example.yaml documents every key.
type Config struct {
	HTTP     HTTPConfig     `yaml:"http"`
	Glossary GlossaryConfig `yaml:"glossary"`
	State    StateConfig    `yaml:"state"`
	Log      LogConfig      `yaml:"log"`
	Reading  ReadingConfig  `yaml:"reading"`
	Autolink AutolinkConfig `yaml:"autolink"`
	Curation CurationConfig `yaml:"curation"`
	Web      WebConfig      `yaml:"web"`
	// Platforms are the platforms' sections by name, holding their
	// defaults where the file is silent.
	Platforms map[string]platform.Section `yaml:"-"`
}

type HTTPConfig struct {
	Addr           string `yaml:"addr"`
	MaxConnections int    `yaml:"max_connections"`
}

type GlossaryConfig struct {
	Dir         string        `yaml:"dir"`
	Mode        string        `yaml:"mode"`
	ProposeHint string        `yaml:"propose_hint"`
	Reload      time.Duration `yaml:"reload"`
}

type StateConfig struct {
	Dir string `yaml:"dir"`
	URL string `yaml:"url"`
}

type LogConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

func defaultConfig(ps []platform.Platform) Config {
	c := Config{
		HTTP:      HTTPConfig{Addr: "127.0.0.1:8080", MaxConnections: defaultMaxConnections},
		Glossary:  GlossaryConfig{Mode: "extend", Reload: 30 * time.Second},
		State:     StateConfig{Dir: "./refbot-data"},
		Log:       LogConfig{Level: "info", Format: "text"},
		Reading:   ReadingConfig{Schedules: []ScheduleConfig{}},
		Autolink:  defaultAutolink(),
		Curation:  defaultCuration(ps),
		Web:       defaultWeb(),
		Platforms: map[string]platform.Section{},
	}
	for _, p := range ps {
		c.Platforms[p.Name()] = p.Section()
	}
	return c
}

// defaultMaxConnections caps the HTTP server's open connections: far more
// than Slack and Discord open, and far below the file-descriptor limits
// of common systems (1,024 at the least), so that a flood of silent
// connections waits in the kernel's queue instead of taking every file
// descriptor refbot has (its database and glossary files need some too).
const defaultMaxConnections = 512

// settings is the configuration compiled: every value parsed and checked
// once, ready to run.
type settings struct {
	addr     string
	maxConns int
	glossary GlossaryConfig
	stateDir string
	// stateURL, when set, is the PostgreSQL database that holds the
	// state instead of stateDir's SQLite file.
	stateURL string
	log      LogConfig
	autolink bot.AutolinkConfig
	curation bot.CurationConfig
	// curationPoll is how often the curated layer is looked for in the
	// state store.
	curationPoll time.Duration
	schedules    []schedule
	web          webSettings
	// platforms are the enabled ones, in the order of the list.
	platforms []enabled
	// clock is the core's clock; nil means the system's. Tests set one
	// they move by hand.
	clock bot.Clock
}

// enabled is a platform the configuration switches on.
type enabled struct {
	name string
	cfg  platform.Config
}

// names are the enabled platforms' names, for the log.
func (s settings) names() []string {
	var out []string
	for _, p := range s.platforms {
		out = append(out, p.name)
	}
	return out
}

// loadConfig reads the file at path (none when path is ""), over the
// defaults, and compiles it with the environment's secrets. Every
// problem is reported at once, each on its own line naming the file, the
// line, the key and what it takes.
func loadConfig(path string, getenv func(string) string, ps []platform.Platform) (settings, error) {
	cfg, where, err := decodeConfigFile(path, ps)
	if err != nil && where.lines == nil {
		return settings{}, err // unreadable, or not YAML at all
	}
	s, cerr := cfg.compile(getenv, ps)
	if cerr = where.annotate(cerr); err != nil || cerr != nil {
		return settings{}, errors.Join(err, cerr)
	}
	return s, nil
}

// readConfig decodes the file at path (none when path is "") over the
// defaults, without checking the values: for commands that need only a
// few keys (refbot slack manifest --config).
func readConfig(path string, ps []platform.Platform) (Config, error) {
	cfg, _, err := decodeConfigFile(path, ps)
	return cfg, err
}

// positions are where the file put each key, to point at them.
type positions struct {
	path  string
	lines map[string]int // key path ("slack.enabled") -> line; nil: nothing decoded
	// broken are the keys whose values did not decode: reported once,
	// not again by compile.
	broken map[string]bool
}

func decodeConfigFile(path string, ps []platform.Platform) (Config, positions, error) {
	cfg := defaultConfig(ps)
	where := positions{path: path}
	if path == "" {
		return cfg, where, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, where, fmt.Errorf("read config: %w", err)
	}
	err = decodeConfig(path, data, &cfg, &where)
	return cfg, where, err
}

// decodeConfig decodes data over cfg: each top-level key is a section,
// decoded into the core's struct for it or into the platform's. Every
// problem is reported, each naming the file, the line and the key: keys
// nobody owns, sections given twice, values of the wrong kind.
func decodeConfig(path string, data []byte, cfg *Config, where *positions) (err error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	// The YAML library can panic on malformed input (FuzzDecodeConfig
	// found one); a bad file must be an error, not a crash.
	defer func() {
		if r := recover(); r != nil {
			where.lines = nil
			err = fmt.Errorf("%s: cannot parse YAML: %v", path, r)
		}
	}()
	file, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return yamlError(path, err)
	}
	if len(file.Docs) == 0 || file.Docs[0].Body == nil {
		return nil // only comments
	}
	root, ok := file.Docs[0].Body.(*ast.MappingNode)
	if !ok {
		if mv, ok := file.Docs[0].Body.(*ast.MappingValueNode); ok {
			root = &ast.MappingNode{Values: []*ast.MappingValueNode{mv}}
		} else {
			return fmt.Errorf("%s:%d: the file must be a mapping of sections (http:, glossary:, ...)", path, line(file.Docs[0].Body))
		}
	}
	where.lines = glossary.YAMLLines(root, "")
	where.broken = map[string]bool{}
	core := map[string]any{
		"http": &cfg.HTTP, "glossary": &cfg.Glossary, "state": &cfg.State, "log": &cfg.Log,
		"reading": &cfg.Reading, "autolink": &cfg.Autolink, "curation": &cfg.Curation, "web": &cfg.Web,
	}
	var errs []error
	seen := map[string]bool{}
	for _, kv := range root.Values {
		name := kv.Key.GetToken().Value
		var into any
		if v, ok := core[name]; ok {
			into = v
		} else if s, ok := cfg.Platforms[name]; ok {
			into = s
		} else {
			errs = append(errs, fmt.Errorf("%s:%d: %s: unknown section; the sections are %s (see config.example.yaml)", path, line(kv.Key), name, sectionNames(core, cfg)))
			continue
		}
		if seen[name] {
			errs = append(errs, fmt.Errorf("%s:%d: %s: appears twice; merge the two sections", path, line(kv.Key), name))
			continue
		}
		seen[name] = true
		for _, p := range glossary.DecodeYAML(kv.Value, name, "check its spelling against config.example.yaml", into) {
			where.broken[p.Field] = true
			errs = append(errs, fmt.Errorf("%s:%d: %s: %s", path, p.Line, p.Field, p.Message))
		}
	}
	return errors.Join(errs...)
}

// sectionNames lists the sections a file may have: the core's, then the
// platforms'.
func sectionNames(core map[string]any, cfg *Config) string {
	names := slices.Sorted(maps.Keys(core))
	names = append(names, slices.Sorted(maps.Keys(cfg.Platforms))...)
	return strings.Join(names, ", ")
}

// annotate points each of compile's problems ("slack.bot_token: missing;
// set SLACK_BOT_TOKEN …") at the file and the line of its key, or of the
// nearest section above it when the file does not have the key, and
// drops those about keys whose values did not decode (reported already).
func (w positions) annotate(err error) error {
	if err == nil || w.path == "" {
		return err
	}
	var out []error
	for _, msg := range leafMessages(err) {
		key, _, ok := strings.Cut(msg, ": ")
		if !ok || strings.ContainsAny(key, " \t") {
			out = append(out, fmt.Errorf("%s: %s", w.path, msg))
			continue
		}
		if glossary.Broken(w.broken, key) {
			continue
		}
		if n := w.line(key); n > 0 {
			out = append(out, fmt.Errorf("%s:%d: %s", w.path, n, msg))
		} else {
			out = append(out, fmt.Errorf("%s: %s", w.path, msg))
		}
	}
	return errors.Join(out...)
}

// line is the line of key, or of its nearest parent in the file; 0 when
// the file has neither.
func (w positions) line(key string) int {
	for k := key; k != ""; {
		if n, ok := w.lines[k]; ok {
			return n
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

// leafMessages are the lines of err's joined errors, one problem each.
func leafMessages(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			if e != nil {
				out = append(out, leafMessages(e)...)
			}
		}
		return out
	}
	return strings.Split(err.Error(), "\n")
}

// line is the line a node starts on, or 0.
func line(n ast.Node) int {
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line
	}
	return 0
}

// yamlError says what is wrong with the file, and where.
func yamlError(path string, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return fmt.Errorf("%s: %w", path, err)
	}
	line := 0
	if tk := ye.GetToken(); tk != nil && tk.Position != nil {
		line = tk.Position.Line
	}
	return fmt.Errorf("%s:%d: %s", path, line, ye.GetMessage())
}

// compile checks the whole configuration and turns it into the values
// refbot runs on, reporting every problem at once, each naming its key.
func (c Config) compile(getenv func(string) string, ps []platform.Platform) (settings, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if _, port, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		bad("http.addr: %q is not host:port (for example 127.0.0.1:8080)", c.HTTP.Addr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		bad("http.addr: %q needs a port number from 0 to 65535", c.HTTP.Addr)
	}
	if c.HTTP.MaxConnections < 1 {
		bad("http.max_connections: %d must be 1 or more (the default is %d)", c.HTTP.MaxConnections, defaultMaxConnections)
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
	if dir := c.Glossary.Dir; dir != "" {
		if fi, err := os.Stat(dir); err != nil {
			bad("glossary.dir: %q cannot be read (%v); want a directory with entries/*.yaml, or nothing for the embedded glossary", dir, errors.Unwrap(err))
		} else if !fi.IsDir() {
			bad("glossary.dir: %q is a file; want a directory with entries/*.yaml, or nothing for the embedded glossary", dir)
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level: %q must be debug, info, warn or error", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format: %q must be text or json", c.Log.Format)
	}
	s := settings{addr: c.HTTP.Addr, maxConns: c.HTTP.MaxConnections, glossary: c.Glossary, stateDir: c.State.Dir, stateURL: c.State.URL, log: c.Log}
	if u := getenv("DATABASE_URL"); u != "" {
		s.stateURL = u
	}
	if s.stateURL != "" {
		if err := postgres.CheckURL(s.stateURL); err != nil {
			bad("state.url (or DATABASE_URL): %v", err)
		}
	}
	broken := map[string]bool{}
	for _, p := range ps {
		cfg, err := c.Platforms[p.Name()].Compile(getenv)
		if err != nil {
			errs = append(errs, err)
			broken[p.Name()] = true
		}
		if cfg != nil {
			s.platforms = append(s.platforms, enabled{name: p.Name(), cfg: cfg})
		}
	}
	on := make(map[string]platform.Config, len(s.platforms))
	for _, p := range s.platforms {
		on[p.name] = p.cfg
	}
	known := platformSet{ps: ps, on: on, broken: broken}
	var err error
	if s.schedules, err = c.Reading.compile(known); err != nil {
		errs = append(errs, err)
	}
	if s.autolink, err = c.Autolink.compile(known); err != nil {
		errs = append(errs, err)
	}
	if s.curation, s.curationPoll, err = c.Curation.compile(known); err != nil {
		errs = append(errs, err)
	}
	if s.web, err = c.Web.compile(); err != nil {
		errs = append(errs, err)
	}
	if c.Autolink.LinkTo == "page" && (!c.Web.Enabled || c.Web.PublicURL == "") {
		bad("autolink.link_to: page needs the web site on (web.enabled) and web.public_url set, so links have somewhere to point")
	}
	return s, errors.Join(errs...)
}

// platformSet is what reading.schedules and autolink.channels are checked
// against: the platforms refbot knows and those the file switches on,
// with their compiled configurations.
type platformSet struct {
	ps []platform.Platform
	on map[string]platform.Config
	// broken are the platforms whose own section has errors, already
	// reported: what depends on them is not checked again.
	broken map[string]bool
}

func (k platformSet) find(name string) (platform.Platform, bool) {
	i := slices.IndexFunc(k.ps, func(p platform.Platform) bool { return p.Name() == name })
	if i < 0 {
		return nil, false
	}
	return k.ps[i], true
}

// choice lists the platforms' names as a choice: "slack or discord".
func (k platformSet) choice() string {
	names := make([]string, len(k.ps))
	for i, p := range k.ps {
		names[i] = p.Name()
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
