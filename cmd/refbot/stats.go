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
	"refbot/bot/sqlite"
)

// statsJSON is the shape of refbot stats --json.
type statsJSON struct {
	Database string `json:"database"`
	bot.TopTerms
}

// runStats runs "refbot stats": lookup statistics from the state store
// that refbot serve keeps under state.dir.
func runStats(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := newFlags("stats", stderr)
	path := fset.String("config", "", "configuration file whose state.dir to read (default: $REFBOT_CONFIG, else ./refbot-data)")
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
	cfg, store, err := openExistingState(ctx, *path)
	if err != nil {
		return err
	}
	defer store.Close()
	db := store.Path()
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
// defaults) and opens the state store refbot serve keeps with it, which
// must exist already: commands that read it should not create an empty
// one somewhere unexpected. The file is decoded, not compiled: reading
// the store needs none of the platforms' secrets.
func openExistingState(ctx context.Context, path string) (Config, *sqlite.Store, error) {
	cfg, err := readConfig(path, platforms())
	if err != nil {
		return cfg, nil, err
	}
	db := filepath.Join(cfg.State.Dir, sqlite.FileName)
	if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
		from := "the default state.dir"
		if path != "" {
			from = "state.dir in " + path
		}
		return cfg, nil, exitError{code: 1, msg: fmt.Sprintf("no state database at %s (%s); refbot serve creates it — pass the serving config with --config", db, from)}
	}
	store, err := sqlite.Open(ctx, db)
	return cfg, store, err
}
