package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"golang.org/x/term"

	"refbot/adapters/platform"
	"refbot/adapters/shell"
	"refbot/adapters/web"
	"refbot/bot"
	"refbot/bot/sqlite"
	"refbot/glossary"
	"refbot/glossary/data"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

// usage lists refbot's commands, the platforms' tools among them.
func usage(ps []platform.Platform) string {
	var b strings.Builder
	b.WriteString(`refbot — a reference bot for AI-safety study groups

Usage:
  refbot                                 interactive console on the embedded glossary
  refbot console [--glossary DIR]        the same, optionally with your own entries
  refbot define [--json] TERM...         look a term up once; exit 1 when not found
                                         (--config FILE: the glossary that config serves)
  refbot search [--json] DESCRIPTION...  find entries by topic or description; exit 1 when none
  refbot scan [--json] < MESSAGE         print the glossary terms a chat message mentions
  refbot glossary lint [--alone] [DIR]   check a glossary directory (default: the embedded one)
  refbot glossary import [-o DIR] FILE...  turn saved reference pages into entry files
  refbot glossary history [--config FILE] ID  who suggested, approved or rejected each change
  refbot glossary export [--config FILE] DIR  write the entries curated in chat as entry files
  refbot glossary site -o DIR [--base-url URL]  write the glossary as a static website
  refbot web [--addr HOST:PORT]          serve the glossary website locally (embedded glossary)
                                         (both take --config FILE: what that config serves)
  refbot serve --config FILE             run the configured platforms and the HTTP server
  refbot reading preview [CURRICULUM]    print every step of a curriculum as it would be posted
  refbot stats [--config FILE] [--platform NAME] [--n N] [--json]
                                         lookup statistics: found, missing, only suggested
  refbot state migrate --to URL          copy the SQLite state into PostgreSQL, checked
`)
	for _, p := range ps {
		for _, t := range p.Tools() {
			use := strings.TrimSpace("refbot " + p.Name() + " " + t.Name + " " + t.Args)
			if len(use) > 38 {
				fmt.Fprintf(&b, "  %s\n  %-38s %s\n", use, "", t.Summary)
				continue
			}
			fmt.Fprintf(&b, "  %-38s %s\n", use, t.Summary)
		}
	}
	b.WriteString(`  refbot version                         print the version

Run "refbot COMMAND --help" for a command's flags. See README.md and docs/ for set-up.
`)
	return b.String()
}

// run is the whole program; main only wires the process to it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, getenv, stdin, stdout, stderr)
	var ex exitError
	if errors.As(err, &ex) && ex.code == 0 && ex.msg == "" {
		return nil // a command's -h: done, successfully
	}
	return err
}

func dispatch(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		return runConsole(ctx, nil, getenv, stdin, stdout, stderr)
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "console":
		return runConsole(ctx, rest, getenv, stdin, stdout, stderr)
	case "define":
		return runDefine(ctx, rest, getenv, stdout, stderr)
	case "search":
		return runSearch(ctx, rest, getenv, stdout, stderr)
	case "scan":
		return runScan(ctx, rest, stdin, stdout, stderr)
	case "glossary":
		return runGlossary(ctx, rest, getenv, stdout, stderr)
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "web":
		return runWeb(ctx, rest, getenv, stdout, stderr)
	case "reading":
		return runReading(ctx, rest, getenv, stdout, stderr)
	case "stats":
		return runStats(ctx, rest, getenv, stdout, stderr)
	case "state":
		return runState(ctx, rest, getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "refbot", versionString())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage(platforms()))
		return nil
	}
	for _, p := range platforms() {
		if cmd == p.Name() {
			return runTool(ctx, p, rest, getenv, stdout, stderr)
		}
	}
	fmt.Fprint(stderr, usage(platforms()))
	return exitError{code: 2, msg: fmt.Sprintf("unknown command %q", cmd)}
}

// runTool runs "refbot PLATFORM TOOL ARGS...", one of the platform's own
// subcommands.
func runTool(ctx context.Context, p platform.Platform, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	tools := p.Tools()
	printUsage := func() {
		for _, t := range tools {
			fmt.Fprint(stderr, t.Usage)
		}
	}
	if len(args) == 0 {
		printUsage()
		return exitError{code: 2}
	}
	i := slices.IndexFunc(tools, func(t platform.Tool) bool { return t.Name == args[0] })
	if i < 0 {
		printUsage()
		return exitError{code: 2, msg: fmt.Sprintf("unknown %s command %q", p.Name(), args[0])}
	}
	cmds, err := commandTable()
	if err != nil {
		return err
	}
	env := platform.ToolEnv{
		Stdout: stdout, Stderr: stderr, Getenv: getenv,
		Flags: func(name string) *flag.FlagSet { return newFlags(name, stderr) },
		Parse: parseFlags,
		Config: func(path string) (platform.ToolConfig, error) {
			cfg, err := readConfig(path, platforms())
			if err != nil {
				return platform.ToolConfig{}, err
			}
			n := 0
			for _, s := range cfg.Reading.Schedules {
				if s.Platform == p.Name() {
					n++
				}
			}
			return platform.ToolConfig{Section: cfg.Platforms[p.Name()], Autolink: cfg.Autolink.Enabled, Schedules: n}, nil
		},
		Commands: cmds,
		State: func(ctx context.Context, path string) (any, func() error, error) {
			_, store, _, err := openExistingState(ctx, path, getenv)
			if err != nil {
				return nil, nil, err
			}
			return store, store.Close, nil
		},
	}
	err = tools[i].Run(ctx, args[1:], env)
	if msg, ok := platform.IsUsage(err); ok {
		return exitError{code: 2, msg: msg}
	}
	return err
}

// commandTable is the core's command table, which does not depend on the
// glossary: an empty one will do.
func commandTable() ([]bot.CommandInfo, error) {
	g, err := glossary.New(nil, nil)
	if err != nil {
		return nil, err
	}
	return bot.New(g, bot.Config{}).Commands(), nil
}

func versionString() string {
	info, _ := debug.ReadBuildInfo()
	return describeVersion(version, info)
}

// describeVersion says which refbot this is: the version stamped with
// -ldflags, else the module's (go install refbot@v1.2.3 records it),
// then the commit and its date when Go recorded them (a build in a git
// clone), "modified" for uncommitted changes, and the Go version. Without
// any of that it says how to stamp one.
func describeVersion(stamped string, info *debug.BuildInfo) string {
	v := stamped
	if info == nil {
		info = &debug.BuildInfo{}
	}
	if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	var vcs []string
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && len(s.Value) >= 12:
			vcs = append([]string{s.Value[:12]}, vcs...)
		case s.Key == "vcs.time" && len(s.Value) >= 10:
			vcs = append(vcs, s.Value[:10])
		case s.Key == "vcs.modified" && s.Value == "true":
			vcs = append(vcs, "modified")
		}
	}
	// Go 1.24 and later name a build in a git clone with a pseudo-version
	// that already holds the commit, its time and +dirty: said once.
	if len(vcs) > 0 && strings.Contains(v, vcs[0]) {
		vcs = nil
	}
	if v == "dev" && len(vcs) == 0 {
		vcs = append(vcs, `no version stamped: go build -ldflags "-X main.version=v1.2.3"`)
	}
	if len(vcs) > 0 {
		v += " (" + strings.Join(vcs, ", ") + ")"
	}
	if info.GoVersion != "" {
		v += " " + info.GoVersion
	}
	return v
}

// newFlags returns a FlagSet that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("refbot "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args; -h prints usage and ends the command cleanly.
// Flags may follow the other arguments, as people type them ("refbot
// define mesa --json"); "--" ends the flags ("refbot define -- -x").
func parseFlags(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			return exitError{code: 0}
		}
		if err != nil {
			return exitError{code: 2}
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Leave exactly the positional arguments in fs.Args().
	return fs.Parse(append([]string{"--"}, positional...))
}

// loadGlossary loads the embedded glossary, extended or replaced by dir.
func loadGlossary(dir, mode string) (*glossary.Glossary, error) {
	layers, err := glossaryLayers(dir, mode)
	if err != nil {
		return nil, err
	}
	return glossary.Load(layers...)
}

// glossaryLayers are the embedded glossary and dir, or dir alone when
// mode is "replace", or the embedded glossary alone when dir is "".
func glossaryLayers(dir, mode string) ([]glossary.Layer, error) {
	layers := []glossary.Layer{{Name: "embedded", FS: data.FS()}}
	if dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("glossary directory: %w", err)
		}
		l := glossary.Layer{Name: dir, FS: glossary.DirFS(dir)}
		if mode == "replace" {
			layers = layers[:0]
		}
		layers = append(layers, l)
	}
	return layers, nil
}

// useColor reports whether to style output for w: only on a terminal,
// and not when NO_COLOR is set (https://no-color.org) or TERM is dumb.
func useColor(getenv func(string) string, w io.Writer) bool {
	return isTerminal(w) && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

func runConsole(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("console", stderr)
	dir := fs.String("glossary", "", "a glossary directory to extend the embedded one with")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	g, err := loadGlossary(*dir, "extend")
	if err != nil {
		return err
	}
	store, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		return err
	}
	defer store.Close()
	opt := shell.Options{
		Interactive: isTerminal(stdin) && isTerminal(stdout),
		Color:       useColor(getenv, stdout),
	}
	if opt.Interactive {
		// A terminal gets the line editor (arrow keys, history), which
		// reads the keys themselves: raw mode, restored however Run ends.
		in, out := stdin.(*os.File), stdout.(*os.File)
		if old, err := term.MakeRaw(int(in.Fd())); err == nil {
			defer term.Restore(int(in.Fd()), old)
			opt.Editor = true
			if w, _, err := term.GetSize(int(out.Fd())); err == nil {
				opt.Columns = w
			}
			stderr = crlf{stderr} // raw mode does not turn \n into \r\n
		}
	}
	b := bot.New(g, bot.Config{Stats: bot.NewMemoryStats(), Reading: bot.ReadingConfig{Store: store}, Autolink: consoleAutolink(), AutolinkStore: store,
		CurationStore: store, Logger: stderrLogger(stderr)})
	return shell.Run(ctx, b, stdin, stdout, opt)
}

// crlf writes each newline as CRLF, for a terminal in raw mode.
type crlf struct{ w io.Writer }

func (c crlf) Write(p []byte) (int, error) {
	if _, err := c.w.Write(bytes.ReplaceAll(p, []byte("\n"), []byte("\r\n"))); err != nil {
		return 0, err
	}
	return len(p), nil
}

func runDefine(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("define", stderr)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	dir := fs.String("glossary", "", "a glossary directory to extend the embedded one with")
	path := fs.String("config", "", "the glossary a refbot serve configuration serves: its files and the entries curated in chat (default: $REFBOT_CONFIG)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	query := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(query) == "" {
		fmt.Fprintln(stderr, "usage: refbot define [--json] [--glossary DIR | --config FILE] TERM...")
		return exitError{code: 2}
	}
	chosen, err := chooseGlossary(ctx, *dir, *path, getenv, bot.Config{Logger: stderrLogger(stderr)})
	if err != nil {
		return err
	}
	defer chosen.done()
	b := chosen.b
	g := b.Glossary()
	if *asJSON {
		// The same shape as GET /api/v1/define; scripts rely on it.
		out := web.Define(g, query)
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
		if out.Match == nil {
			return exitError{code: 1}
		}
		return nil
	}
	reply := b.Answer(ctx, bot.Request{Platform: "cli", Kind: bot.Command, Command: bot.CommandDefine, Text: query})
	if err := shell.Render(stdout, reply, shell.Options{Color: useColor(getenv, stdout)}); err != nil {
		return err
	}
	if reply.Card == nil {
		return exitError{code: 1}
	}
	return nil
}

// stderrLogger is the console's and the one-shot commands' log: warnings
// and errors only, as text, so a failure is seen without drowning the
// answer.
func stderrLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func newLogger(cfg LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level)) // validated by Config.validate
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
