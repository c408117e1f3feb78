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
	cfg, err := loadConfig(*path, getenv, platforms())
	if err != nil {
		return fmt.Errorf("the configuration has problems (each line names the file and line):\n%w", err)
	}
	db := filepath.Join(cfg.stateDir, sqlite.FileName)
	if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
		from := "the default state.dir"
		if *path != "" {
			from = "state.dir in " + *path
		}
		return exitError{code: 1, msg: fmt.Sprintf("no state database at %s (%s); refbot serve creates it — pass the serving config with --config", db, from)}
	}
	store, err := sqlite.Open(ctx, db)
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
	g, err := loadGlossary(cfg.glossary.Dir, cfg.glossary.Mode)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "From %s:\n%s\n", db, bot.StatsText(bot.Dialect{}, g, top))
	return nil
}
