package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	s, err := sqlite.OpenDir(context.Background(), dir)
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
	if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != 2 {
		t.Errorf("user_version = %d, %v; want 2", version, err)
	}
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.Open(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "newer refbot") {
		t.Errorf("opening a newer schema: %v, want advice to run a newer refbot", err)
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

func (u unclosable) Close() error { return u.Flush(context.Background()) }
