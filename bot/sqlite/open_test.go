package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"refbot/bot/sqlite"
)

// These tests are about opening a state file that is damaged, foreign or
// not ours to write. Each says what the store must answer, so that they
// can move into a conformance suite for any store that keeps a file.

// TestOpenRefusesUnknownSchemaVersions: any user_version the code does not
// know is a refusal that says what to do, never a panic (-1 used to index
// the migrations at -1).
func TestOpenRefusesUnknownSchemaVersions(t *testing.T) {
	for _, c := range []struct {
		version int
		want    string
	}{
		{-1, "schema version -1, which no refbot writes"},
		{-2147483648, "schema version -2147483648, which no refbot writes"},
		{99, "schema version 99 but this refbot knows only up to"},
		{2147483647, "schema version 2147483647 but this refbot knows only up to"},
	} {
		t.Run(fmt.Sprint(c.version), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			open(t, path).Close()
			setPragma(t, path, fmt.Sprintf("user_version = %d", c.version))
			s, err := sqlite.Open(context.Background(), path)
			if err == nil {
				s.Close()
				t.Fatalf("opened a database with schema version %d", c.version)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("got %v, want the file and %q", err, c.want)
			}
		})
	}
}

func setPragma(t *testing.T, path, pragma string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("PRAGMA " + pragma); err != nil {
		t.Fatal(err)
	}
}

// TestOpenRefusesADamagedFile: garbage written over the pages of a table
// is found when the file is opened (quick_check), and the refusal names
// the file and says how to restore it. Before, refbot started and the
// damage surfaced later, in whichever request read that table.
func TestOpenRefusesADamagedFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s := open(t, path)
	for i := range 300 { // a few pages of cooldowns
		if _, err := s.TakeCooldown(ctx, "slack", fmt.Sprintf("C%04d", i), fmt.Sprintf("term %d %s", i, strings.Repeat("x", 40)), time.Unix(int64(i), 0), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	var root int
	if err := sqlite.QueryRow(s, "SELECT rootpage FROM sqlite_schema WHERE name = 'autolink_cooldowns'", &root); err != nil {
		t.Fatal(err)
	}
	var pageSize int
	if err := sqlite.QueryPragma(s, "page_size", &pageSize); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // checkpoints the WAL into the file
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The root page of a table that spans several pages points at its
	// children; garbage there breaks the tree.
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, pageSize-16), int64((root-1)*pageSize+8)); err != nil {
		t.Fatal(err)
	}
	f.Close()

	s, err = sqlite.Open(ctx, path)
	if err == nil {
		s.Close()
		t.Fatal("opened a damaged database")
	}
	t.Logf("refused: %v", err)
	for _, want := range []string{path, "damaged", "restore", "backup"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want it to mention %q", err, want)
		}
	}
}

// TestOpenRefusesGarbage: a file that is not a database at all gets the
// same advice.
func TestOpenRefusesGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("not a database "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(context.Background(), path)
	if err == nil {
		s.Close()
		t.Fatal("opened garbage")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("got %v, want the file and the word damaged", err)
	}
}

// TestOpenDirPrivateModes: a new state directory is 0700 and the files in
// it 0600 (user ids are in them); an existing directory or file that
// others can read is kept as it is but warned about, naming the fix.
func TestOpenDirPrivateModes(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	dir := filepath.Join(t.TempDir(), "state")
	s, err := sqlite.OpenDir(ctx, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserOptedOut(ctx, "slack", "U1", true); err != nil { // the WAL files exist now
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"": 0o700, sqlite.FileName: 0o600, sqlite.FileName + "-wal": 0o600, sqlite.FileName + "-shm": 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", filepath.Join(dir, name), got, want)
		}
	}
	s.Close()
	if logs.Len() != 0 {
		t.Errorf("warnings for private modes:\n%s", &logs)
	}

	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, sqlite.FileName), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.OpenDir(ctx, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, want := range []string{
		"state directory is readable by other users",
		"mode=0755",
		"chmod 700 " + dir,
		"chmod 600 " + filepath.Join(dir, sqlite.FileName),
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("warnings lack %q:\n%s", want, &logs)
		}
	}
}
