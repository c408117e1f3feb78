package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing/fstest"
	"time"

	"github.com/goccy/go-yaml"

	"refbot/bot"
	"refbot/glossary"
	"refbot/glossary/data"
)

// The glossary in service, read from the command line: the files of the
// configuration's glossary.dir with the curated layer from its state store
// laid over them, as refbot serve lays it (refbot define --config), and the
// curated layer's history and export (refbot glossary history|export).

// servedBot is a core on the glossary the configuration at path serves:
// its files, with the curated layer laid over them from its state store
// (openState: PostgreSQL at state.url or $DATABASE_URL, else the SQLite
// file under state.dir when it exists; none is created), and the
// configuration as read. It needs none of the secrets. store reports
// whether a state store was found (and so the curated layer read); done
// closes it.
func servedBot(ctx context.Context, path string, getenv func(string) string, cfg bot.Config) (b *bot.Bot, conf Config, store bool, done func() error, err error) {
	conf, err = readConfig(path, platforms())
	if err != nil {
		return nil, conf, false, nil, fmt.Errorf("config %s: %w", path, err)
	}
	g, err := loadGlossary(conf.Glossary.Dir, conf.Glossary.Mode)
	if err != nil {
		return nil, conf, false, nil, err
	}
	st, _, err := openState(ctx, conf, getenv)
	if err != nil {
		return nil, conf, false, nil, err
	}
	if st == nil {
		return bot.New(g, cfg), conf, false, func() error { return nil }, nil
	}
	cfg.CurationStore = st
	b = bot.New(g, cfg)
	if _, err := b.SyncCurated(ctx); err != nil {
		st.Close()
		return nil, conf, false, nil, err
	}
	return b, conf, true, st.Close, nil
}

// chosenGlossary is the glossary a command reads, as its flags say: the
// embedded one, extended by --glossary DIR, or with --config FILE (by
// default $REFBOT_CONFIG) the one that configuration serves, the entries
// curated in chat included.
type chosenGlossary struct {
	b     *bot.Bot
	conf  *Config // nil without --config
	store bool    // the state database was found: the curated layer is in b
	done  func() error
}

// chooseGlossary opens the glossary for --glossary dir or --config path.
func chooseGlossary(ctx context.Context, dir, path string, getenv func(string) string, cfg bot.Config) (chosenGlossary, error) {
	if path == "" && dir == "" {
		path = getenv("REFBOT_CONFIG")
	}
	if path != "" && dir != "" {
		return chosenGlossary{}, exitError{code: 2, msg: "--glossary and --config both say which glossary to read; give one"}
	}
	if path == "" {
		g, err := loadGlossary(dir, "extend")
		if err != nil {
			return chosenGlossary{}, err
		}
		return chosenGlossary{b: bot.New(g, cfg), done: func() error { return nil }}, nil
	}
	b, conf, store, done, err := servedBot(ctx, path, getenv, cfg)
	if err != nil {
		return chosenGlossary{}, err
	}
	return chosenGlossary{b: b, conf: &conf, store: store, done: done}, nil
}

// historyJSON is one change of refbot glossary history --json.
type historyJSON struct {
	Number   int64  `json:"number"`
	Kind     string `json:"kind"` // new | edit
	Status   string `json:"status"`
	Proposed string `json:"proposed"` // RFC 3339
	By       string `json:"proposed_by"`
	EditedBy string `json:"edited_by,omitempty"`
	Decided  string `json:"decided,omitempty"`
	Decider  string `json:"decided_by,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Version  int64  `json:"version,omitempty"`
	Title    string `json:"title"`
}

func runHistory(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := newFlags("glossary history", stderr)
	path := fset.String("config", "", "configuration file whose state.dir or state.url to read (default: $REFBOT_CONFIG, else $DATABASE_URL or ./refbot-data)")
	asJSON := fset.Bool("json", false, "print the history as JSON")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: refbot glossary history [--config FILE] [--json] ID")
		return exitError{code: 2}
	}
	id := fset.Arg(0)
	if *path == "" {
		*path = getenv("REFBOT_CONFIG")
	}
	_, store, name, err := openExistingState(ctx, *path, getenv)
	if err != nil {
		return err
	}
	defer store.Close()
	ps, err := store.Proposals(ctx, bot.DefaultScope, bot.ProposalFilter{EntryID: id})
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]historyJSON, 0, len(ps))
		for _, p := range ps {
			h := historyJSON{Number: p.ID, Kind: kind(p), Status: string(p.Status), Proposed: p.Proposed.Format(timeJSON), By: p.Author.String(),
				EditedBy: p.EditedBy.String(), Decider: p.DecidedBy.String(), Reason: p.Reason, Version: p.Version, Title: p.Entry.Title}
			if p.Status != bot.Pending {
				h.Decided = p.Decided.Format(timeJSON)
			}
			out = append(out, h)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(ps) == 0 {
		return exitError{code: 1, msg: fmt.Sprintf("no suggestion was ever made for %q in %s (entries from files have their history in git)", id, name)}
	}
	fmt.Fprintf(stdout, "%s: %d suggestion(s) in %s\n", id, len(ps), name)
	for _, p := range ps {
		fmt.Fprintf(stdout, "\n%d. %s, %q\n   proposed by %s on %s\n", p.ID, kind(p), p.Entry.Title, p.Author, stamp(p.Proposed))
		if p.EditedBy != (bot.Who{}) {
			fmt.Fprintf(stdout, "   edited by reviewer %s on %s\n", p.EditedBy, stamp(p.Edited))
		}
		switch p.Status {
		case bot.Approved:
			fmt.Fprintf(stdout, "   approved by %s on %s (curated version %d)\n", p.DecidedBy, stamp(p.Decided), p.Version)
		case bot.Rejected:
			fmt.Fprintf(stdout, "   rejected by %s on %s: %s\n", p.DecidedBy, stamp(p.Decided), oneLine(p.Reason))
		default:
			fmt.Fprintln(stdout, "   waiting for review")
		}
	}
	return nil
}

const timeJSON = "2006-01-02T15:04:05Z07:00"

func kind(p bot.Proposal) string {
	if p.Edit {
		return "edit"
	}
	return "new"
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// oneLine keeps a reason on its line of the history.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := newFlags("glossary export", stderr)
	path := fset.String("config", "", "configuration file whose glossary and state.dir or state.url to read (default: $REFBOT_CONFIG, else $DATABASE_URL or ./refbot-data)")
	force := fset.Bool("force", false, "overwrite entry files in DIR that refbot did not export")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: refbot glossary export [--config FILE] [--force] DIR")
		return exitError{code: 2}
	}
	dir := fset.Arg(0)
	if *path == "" {
		*path = getenv("REFBOT_CONFIG")
	}
	conf, store, _, err := openExistingState(ctx, *path, getenv)
	if err != nil {
		return err
	}
	defer store.Close()
	files := conf.Glossary
	base, err := loadGlossary(files.Dir, files.Mode)
	if err != nil {
		return err
	}
	entries, version, _, err := store.CuratedSince(ctx, bot.DefaultScope, 0)
	if err != nil {
		return err
	}
	// Export what is served: the curated entries that fit the files.
	_, held := base.Over(bot.CuratedLayer, entries)
	skip := map[string]bool{}
	for _, p := range held {
		skip[strings.TrimPrefix(p.File, bot.CuratedLayer+"/")] = true
		fmt.Fprintf(stderr, "not exported: %s\n", p)
	}
	out := fstest.MapFS{}
	bodies := map[string][]byte{}
	for _, e := range entries {
		if skip[e.ID] {
			continue
		}
		body, err := entryFile(ctx, store, e)
		if err != nil {
			return err
		}
		rel := "entries/" + e.ID + ".yaml"
		out[rel] = &fstest.MapFile{Data: body}
		bodies[rel] = body
	}
	// The files must load beside the ones they were approved over, as
	// glossary lint will read them, before anything touches the disk.
	layers := []glossary.Layer{{Name: "embedded", FS: data.FS()}}
	if files.Dir != "" && filepath.Clean(files.Dir) != filepath.Clean(dir) {
		if files.Mode == "replace" {
			layers = layers[:0]
		}
		layers = append(layers, glossary.Layer{Name: files.Dir, FS: os.DirFS(files.Dir)})
	}
	if d := existingDir(dir); d != "" {
		layers = append(layers, glossary.Layer{Name: d, FS: os.DirFS(d)})
	}
	layers = append(layers, glossary.Layer{Name: dir, FS: out})
	if _, err := glossary.Load(layers...); err != nil {
		return fmt.Errorf("the exported entries would not load beside the glossary files (nothing was written): %w", err)
	}
	wrote, same := 0, 0
	for _, rel := range slices.Sorted(maps.Keys(bodies)) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		old, err := os.ReadFile(p)
		switch {
		case err == nil && bytes.Equal(old, bodies[rel]):
			same++
			continue
		case err == nil && !bytes.HasPrefix(old, []byte(exportHeader)) && !*force:
			return exitError{code: 1, msg: fmt.Sprintf("%s exists and was not written by refbot glossary export; move it, or pass --force to overwrite it with the curated entry", p)}
		}
		if err := writeFileAtomic(p, bodies[rel]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", p)
		wrote++
	}
	fmt.Fprintf(stdout, "%d curated entries (version %d): %d written, %d unchanged, %d held back\n", len(entries), version, wrote, same, len(skip))
	if files.Dir != "" && filepath.Clean(files.Dir) != filepath.Clean(dir) {
		fmt.Fprintf(stdout, "check them beside your files with: refbot glossary lint %s (after copying them there)\n", files.Dir)
	} else {
		fmt.Fprintf(stdout, "check them with: refbot glossary lint %s\n", dir)
	}
	if len(skip) > 0 {
		return exitError{code: 1, msg: fmt.Sprintf("%d curated entries are held back (they clash with the glossary files) and were not exported", len(skip))}
	}
	return nil
}

// exportHeader starts every file refbot glossary export writes.
const exportHeader = "# Curated in chat and exported by refbot glossary export.\n"

// entryFile is a curated entry as an entry file: a header saying who
// proposed and approved it, then the entry.
func entryFile(ctx context.Context, store bot.CurationStore, e glossary.Entry) ([]byte, error) {
	body, err := yaml.MarshalWithOptions(e, yaml.UseLiteralStyleIfMultiline(true))
	if err != nil {
		return nil, fmt.Errorf("encode entry %s: %w", e.ID, err)
	}
	var b bytes.Buffer
	b.WriteString(exportHeader)
	ps, err := store.Proposals(ctx, bot.DefaultScope, bot.ProposalFilter{EntryID: e.ID, Status: bot.Approved})
	if err != nil {
		return nil, err
	}
	if n := len(ps); n > 0 {
		p := ps[n-1]
		fmt.Fprintf(&b, "# Suggestion %d: proposed by %s, approved by %s on %s. refbot glossary history %s shows all.\n", p.ID, p.Author, p.DecidedBy, stamp(p.Decided), e.ID)
	}
	b.Write(body)
	return b.Bytes(), nil
}
