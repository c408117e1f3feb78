package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"refbot/bot"
	"refbot/bot/sqlite"
	"refbot/bot/storetest"
)

func open(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenDirCreatesPrivateDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "refbot")
	s, err := sqlite.OpenDir(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("state directory mode = %v, want 0700", perm)
	}
	if s.Path() != filepath.Join(dir, sqlite.FileName) {
		t.Errorf("Path = %q", s.Path())
	}
	if v, err := s.IntegrityCheck(context.Background()); err != nil || v != "ok" {
		t.Errorf("integrity_check = %q, %v", v, err)
	}
}

// The file is in WAL mode with synchronous=FULL and the schema version is
// recorded; opening again does not migrate twice; a newer schema is
// refused with advice.
func TestSchemaAndPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	open(t, path).Close()
	s := open(t, path)
	_ = s
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	var version int
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != len(sqlite.Migrations) {
		t.Errorf("user_version = %d, %v; want %d", version, err, len(sqlite.Migrations))
	}
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.Open(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "newer refbot") {
		t.Errorf("opening a newer schema: %v, want advice to run a newer refbot", err)
	}
}

// A database from any earlier refbot migrates to this one's schema and
// keeps what it held: schema 1 (the first release), 2 (OAuth
// installations), 3 (suggested lookups).
func TestMigratesEveryEarlierSchema(t *testing.T) {
	ctx := context.Background()
	for v := 1; v < sqlite.SchemaVersion(); v++ {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			if err := sqlite.CreateAtVersion(path, v); err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(`INSERT INTO autolink_channels (platform, channel, mode) VALUES ('slack', 'C1', ?)`, int(bot.AutolinkDigest)); err != nil {
				t.Fatal(err)
			}
			db.Close()
			s := open(t, path)
			var got int
			if err := sqlite.QueryPragma(s, "user_version", &got); err != nil || got != sqlite.SchemaVersion() {
				t.Errorf("user_version = %d, %v; want %d", got, err, sqlite.SchemaVersion())
			}
			if m, err := s.ChannelAutolink(ctx, "slack", "C1"); err != nil || m != bot.AutolinkDigest {
				t.Errorf("a setting from schema %d = %v, %v; want kept", v, m, err)
			}
			if _, err := s.GlossaryChanged(ctx); err != nil {
				t.Errorf("glossary version after migrating from %d: %v", v, err)
			}
			if _, err := s.Installations(ctx, "slack"); err != nil {
				t.Errorf("installations after migrating from %d: %v", v, err)
			}
		})
	}
}

func TestSynchronousFull(t *testing.T) {
	// The pragma is per connection: ask through the store's own pool.
	s := open(t, filepath.Join(t.TempDir(), "state.db"))
	var n int
	if err := sqlite.QueryPragma(s, "synchronous", &n); err != nil || n != 2 {
		t.Errorf("synchronous = %d, %v; want 2 (FULL)", n, err)
	}
}

func TestOpenRejectsURIPaths(t *testing.T) {
	if _, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a?b")); err == nil {
		t.Error("a path with ? opened; want an error")
	}
}

// SQLite passes the conformance suite, each handle a connection pool of
// its own on one file, as separate processes would have.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func(*testing.T) storetest.Store {
		path := filepath.Join(t.TempDir(), "state.db")
		return func(t *testing.T) storetest.Store { return open(t, path) }
	})
}

// The suite's in-memory database works too: one connection, one handle.
func TestConformanceMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func(*testing.T) storetest.Store {
		s := open(t, ":memory:")
		return func(*testing.T) storetest.Store { return unclosable{s} }
	})
}

// unclosable keeps the one :memory: handle open when the suite closes it,
// as closing would throw the database away.
type unclosable struct{ *sqlite.Store }

func (unclosable) Close() error { return nil }

// suggested is a lookup of query that was offered only suggestions.
func suggested(platform, query string, n int) bot.LookupCount {
	l := bot.NewLookup(platform, query, "")
	l.Suggested = true
	return bot.LookupCount{Lookup: l, N: n}
}

// A database of any schema before 3 (1: first release, 2: OAuth) keeps its
// missing terms' counts as "found nothing" (they cannot be told apart) and
// counts suggestions apart from then on.
func TestStatsMigratedFromEarlierSchemas(t *testing.T) {
	ctx := context.Background()
	for v := 1; v < 3; v++ {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			qs := append(slices.Clone(sqlite.Migrations[:v]), fmt.Sprintf("PRAGMA user_version = %d", v),
				"INSERT INTO missing_terms (platform, query, shown, count) VALUES ('slack', 'mesa', 'mesa', 3)")
			for _, q := range qs {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()
			s := open(t, path)
			if err := s.AddLookups(ctx, []bot.LookupCount{suggested("slack", "mesa", 1)}); err != nil {
				t.Fatal(err)
			}
			top, err := s.TopLookups(ctx, "", 10)
			if err != nil {
				t.Fatal(err)
			}
			if want := []bot.Count{{Name: "mesa", Count: 3}}; !slices.Equal(top.Missing, want) {
				t.Errorf("missing = %v, want %v", top.Missing, want)
			}
			if want := []bot.Count{{Name: "mesa", Count: 1}}; !slices.Equal(top.Suggested, want) {
				t.Errorf("suggested = %v, want %v", top.Suggested, want)
			}
		})
	}
}
