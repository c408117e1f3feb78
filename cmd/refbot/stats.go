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
	Database string      `json:"database"`
	Found    []bot.Count `json:"found"`
	Missing  []bot.Count `json:"missing"`
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
	cfg, err := loadConfig(*path, getenv, platforms())
	if err != nil {
		if *path == "" {
			return err
		}
		return fmt.Errorf("config %s:\n%w", *path, err)
	}
	var (
		db    string
		store bot.Stats
	)
	if cfg.stateURL != "" {
		db = postgres.Redact(cfg.stateURL)
		s, err := postgres.Open(ctx, cfg.stateURL, postgres.Options{})
		if err != nil {
			return fmt.Errorf("state.url: %w", err)
		}
		defer s.Close()
		store = s
	} else {
		db = filepath.Join(cfg.stateDir, sqlite.FileName)
		if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
			from := "the default state.dir"
			if *path != "" {
				from = "state.dir in " + *path
			}
			return exitError{code: 1, msg: fmt.Sprintf("no state database at %s (%s); refbot serve creates it — pass the serving config with --config", db, from)}
		}
		s, err := sqlite.Open(ctx, db)
		if err != nil {
			return err
		}
		defer s.Close()
		store = s
	}
	found, missing, err := store.TopLookups(ctx, *platform, *n)
	if err != nil {
		return err
	}
	if *asJSON {
		out := statsJSON{Database: db, Found: found, Missing: missing}
		if out.Found == nil {
			out.Found = []bot.Count{}
		}
		if out.Missing == nil {
			out.Missing = []bot.Count{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	g, err := loadGlossary(cfg.glossary.Dir, cfg.glossary.Mode)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "From %s:\n%s\n", db, bot.StatsText(bot.Dialect{}, g, found, missing))
	return nil
}
