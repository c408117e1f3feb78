package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"refbot/bot"
	"refbot/bot/postgres"
	"refbot/bot/sqlite"
)

// statsJSON is the shape of refbot stats --json.
type statsJSON struct {
	Database string `json:"database"`
	bot.TopTerms
}

// runStats runs "refbot stats": lookup statistics from the state store
// that refbot serve keeps under state.dir or at state.url.
func runStats(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := newFlags("stats", stderr)
	path := fset.String("config", "", "configuration file whose state.dir or state.url to read (default: $REFBOT_CONFIG, else $DATABASE_URL or ./refbot-data)")
	platform := fset.String("platform", "", "only this platform's lookups (its name, as in the configuration file)")
	n := fset.Int("n", bot.MaxStats, "how many terms of each kind")
	asJSON := fset.Bool("json", false, "print the result as JSON")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 || *n < 1 {
		fmt.Fprintln(stderr, "usage: refbot stats [--config FILE] [--platform NAME] [--n N] [--json]")
		return exitError{code: 2}
	}
	if *path == "" {
		*path = getenv("REFBOT_CONFIG")
	}
	cfg, store, db, err := openExistingState(ctx, *path, getenv)
	if err != nil {
		return err
	}
	defer store.Close()
	top, err := store.TopLookups(ctx, *platform, *n)
	if err != nil {
		return err
	}
	if *asJSON {
		out := statsJSON{Database: db, TopTerms: top}
		for _, l := range []*[]bot.Count{&out.Found, &out.Missing, &out.Suggested} {
			if *l == nil {
				*l = []bot.Count{}
			}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	g, err := loadGlossary(cfg.Glossary.Dir, cfg.Glossary.Mode)
	if err != nil {
		return err
	}
	// Entries approved in chat are named by their titles too.
	if curated, _, changed, err := store.CuratedSince(ctx, bot.DefaultScope, 0); err == nil && changed {
		g, _ = g.Over(bot.CuratedLayer, curated)
	}
	fmt.Fprintf(stdout, "From %s:\n%s\n", db, bot.StatsText(bot.Dialect{}, g, top))
	return nil
}

// openExistingState reads the configuration at path ("" for the
// defaults) and opens the state store refbot serve keeps with it
// (openState), which must exist already: commands that read it should
// not create an empty one somewhere unexpected. It also returns the
// store's name for people (a path, or a URL without its password). The
// file is decoded, not compiled: reading the store needs none of the
// platforms' secrets.
func openExistingState(ctx context.Context, path string, getenv func(string) string) (Config, store, string, error) {
	cfg, err := readConfig(path, platforms())
	if err != nil {
		return cfg, nil, "", err
	}
	s, name, err := openState(ctx, cfg, getenv)
	if err != nil {
		return cfg, nil, "", err
	}
	if s == nil {
		from := "the default state.dir"
		if path != "" {
			from = "state.dir in " + path
		}
		return cfg, nil, "", exitError{code: 1, msg: fmt.Sprintf("no state database at %s (%s); refbot serve creates it — pass the serving config with --config", name, from)}
	}
	return cfg, s, name, nil
}

// openState opens the state store a configuration names, as refbot serve
// would: the PostgreSQL database at state.url (or $DATABASE_URL), else
// the SQLite file under state.dir. A SQLite file that does not exist is
// not created: the store is then nil, and name the path it would have.
func openState(ctx context.Context, cfg Config, getenv func(string) string) (s store, name string, err error) {
	url := cfg.State.URL
	if u := getenv("DATABASE_URL"); u != "" {
		url = u
	}
	if url != "" {
		if err := postgres.CheckURL(url); err != nil {
			return nil, "", fmt.Errorf("state.url (or DATABASE_URL): %w", err)
		}
		s, err := postgres.Open(ctx, url, postgres.Options{})
		if err != nil {
			return nil, "", fmt.Errorf("state.url: %w", err)
		}
		return s, postgres.Redact(url), nil
	}
	db := filepath.Join(cfg.State.Dir, sqlite.FileName)
	if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
		return nil, db, nil
	}
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		return nil, "", err
	}
	return st, db, nil
}
