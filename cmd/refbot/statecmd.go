package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"refbot/bot/postgres"
	"refbot/bot/sqlite"
)

const stateUsage = `usage: refbot state migrate --to postgres://USER:PASSWORD@HOST/DATABASE [--config FILE]
  copies the SQLite state under state.dir into an empty PostgreSQL database
  and checks the copy; then set state.url (or DATABASE_URL) and restart.
`

// runState runs "refbot state SUBCOMMAND".
func runState(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "migrate" {
		fmt.Fprint(stderr, stateUsage)
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			return exitError{code: 2}
		}
		return exitError{code: 2, msg: fmt.Sprintf("unknown state command %q", args[0])}
	}
	fset := newFlags("state migrate", stderr)
	to := fset.String("to", "", "the PostgreSQL database to copy into: postgres://USER:PASSWORD@HOST/DATABASE (default: $DATABASE_URL)")
	path := fset.String("config", "", "configuration file whose state.dir to copy (default: $REFBOT_CONFIG, else ./refbot-data)")
	if err := parseFlags(fset, args[1:]); err != nil {
		return err
	}
	if *to == "" {
		*to = getenv("DATABASE_URL")
	}
	if fset.NArg() > 0 || *to == "" {
		fmt.Fprint(stderr, stateUsage)
		return exitError{code: 2}
	}
	if err := postgres.CheckURL(*to); err != nil {
		return exitError{code: 2, msg: fmt.Sprintf("--to: %v", err)}
	}
	if *path == "" {
		*path = getenv("REFBOT_CONFIG")
	}
	// The source is the file under state.dir, whatever state.url says.
	// The configuration is decoded, not compiled: the copy needs none of
	// the platforms' secrets.
	cfg, err := readConfig(*path, platforms())
	if err != nil {
		return err
	}
	db := filepath.Join(cfg.State.Dir, sqlite.FileName)
	if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
		return exitError{code: 1, msg: fmt.Sprintf("no state database at %s to copy; pass the serving config with --config", db)}
	}
	// Opening it with this refbot's SQLite store checks it and brings its
	// schema up to date.
	src, err := sqlite.Open(ctx, db)
	if err != nil {
		return err
	}
	if err := src.Close(); err != nil {
		return err
	}
	dst, err := postgres.Open(ctx, *to, postgres.Options{})
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	defer dst.Close()
	c, err := dst.CopySQLite(ctx, db)
	if err != nil {
		return fmt.Errorf("copy %s to %s: %w", db, postgres.Redact(*to), err)
	}
	fmt.Fprintf(stdout, "Copied %s to %s:\n", db, postgres.Redact(*to))
	for _, t := range c.Tables {
		fmt.Fprintf(stdout, "  %-20s %7d rows\n", t.Table, t.Rows)
	}
	fmt.Fprintf(stdout, "  %-20s %7d (%d lookups found an entry, %d found nothing, %d only suggestions)\n", "lookups counted", c.Lookups+c.Missing+c.Suggested, c.Lookups, c.Missing, c.Suggested)
	fmt.Fprintf(stdout, "  %-20s %7d\n", "glossary version", c.GlossaryVersion)
	fmt.Fprintf(stdout, "Verified: every table's row count and the lookup totals match the SQLite file.\n"+
		"Next: set state.url (or DATABASE_URL) to this database and restart refbot; keep %s as a backup.\n", db)
	return nil
}
