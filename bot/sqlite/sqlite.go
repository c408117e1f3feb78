// Package sqlite is refbot's state store on SQLite (modernc.org/sqlite,
// pure Go): lookup statistics, auto-link choices and cooldowns, the
// reading schedule's claims and positions, the workspaces that installed
// refbot through OAuth, and curation's suggestions and curated entries.
// It implements bot.StatsStore, bot.AutolinkStore, bot.ReadingStore and
// bot.CurationStore, and the installation store Slack's OAuth mode
// declares (adapters/slack).
//
// The database runs in WAL mode with synchronous=FULL (a committed row
// survives a crash or power loss) and a busy timeout, so one Store can be
// used from many goroutines and several processes can share one file.
// Writes take the lock when their transaction begins (BEGIN IMMEDIATE),
// so two writers wait for each other instead of failing.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	sqlitedriver "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the database's name inside the state directory.
const FileName = "refbot.db"

// Store is refbot's state in one SQLite database. It is safe for
// concurrent use.
type Store struct {
	db    *sql.DB
	path  string
	takes atomic.Uint32 // cooldown takes, to prune expired ones now and then
}

// OpenDir opens (creating if needed) the database in dir. A new dir is
// created with mode 0700 and a new file with 0600: the file holds user
// ids and what people looked up. An existing directory or file that
// other users can read is left as it is and logged as a warning that says
// how to close it; log may be nil.
func OpenDir(ctx context.Context, dir string, log *slog.Logger) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create state directory: %w", explain(dir, err))
	}
	path := filepath.Join(dir, FileName)
	s, err := Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if log != nil {
		warnIfShared(log, "state directory", dir, 0o700)
		warnIfShared(log, "state database", path, 0o600)
	}
	return s, nil
}

// warnIfShared logs a warning when other users may read path.
func warnIfShared(log *slog.Logger, what, path string, want os.FileMode) {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	log.Warn(what+" is readable by other users; it holds user ids",
		"path", path, "mode", fmt.Sprintf("%04o", fi.Mode().Perm()), "fix", fmt.Sprintf("chmod %o %s", want, path))
}

// Open opens (creating if needed) the database file at path and brings its
// schema up to date. Path ":memory:" is a private in-memory database.
//
// Open refuses, with an error that names the file and says what to do, a
// file that is damaged (PRAGMA quick_check), one whose schema version this
// refbot does not know, and one it cannot write: better to stop at start
// than to lose statistics and settings without a word.
func Open(ctx context.Context, path string) (*Store, error) {
	memory := path == ":memory:"
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open %s: the state path may not contain ? or #; choose another state.dir", path)
	}
	if !memory {
		// SQLite would create the file 0644; the WAL files it creates
		// later take the database file's mode.
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		switch {
		case err == nil:
			f.Close()
		case !errors.Is(err, fs.ErrExist):
			return nil, fmt.Errorf("open %s: %w", path, explain(path, err))
		}
	}
	dsn := path + "?_busy_timeout=10000&_txlock=immediate&_foreign_keys=1"
	if !memory {
		dsn += "&_journal_mode=WAL&_synchronous=FULL"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if memory {
		// Each connection would get its own empty :memory: database;
		// one connection keeps one database.
		db.SetMaxOpenConns(1)
	}
	s := &Store{db: db, path: path}
	if err := s.check(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, explain(path, err))
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, explain(path, err))
	}
	return s, nil
}

// check runs PRAGMA quick_check: a damaged file is refused at open rather
// than found by whichever request reads the broken pages. It reads every
// page once, which for refbot's few megabytes is a few milliseconds.
func (s *Store) check(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, "PRAGMA quick_check(3)")
	if err != nil {
		return err
	}
	found, err := collect(rows, func(r *sql.Rows) (string, error) {
		var v string
		return v, r.Scan(&v)
	})
	if err != nil {
		return err
	}
	if len(found) == 1 && found[0] == "ok" {
		return nil
	}
	detail := strings.Join(strings.Fields(strings.Join(found, "; ")), " ")
	return damaged{"PRAGMA quick_check: " + strings.TrimPrefix(detail, "*** in database main *** ")}
}

// damaged is a database SQLite finds broken.
type damaged struct{ detail string }

func (d damaged) Error() string {
	return "the database is damaged (" + d.detail + "): stop refbot, move the file aside and " +
		"restore your last backup in its place (see docs/operating.md, \"State\"); or move it aside " +
		"and start with empty state (statistics, auto-link settings and reading positions start over)"
}

// explain turns what SQLite and the system say about a file refbot could
// not open, read or write into what to do about it.
func explain(path string, err error) error {
	var se *sqlitedriver.Error
	code := 0
	if errors.As(err, &se) {
		code = se.Code() & 0xff // the primary result code
	}
	var d damaged
	switch {
	case errors.As(err, &d):
		return err
	case code == sqliteCorrupt || code == sqliteNotADB:
		return damaged{err.Error()}
	case code == sqliteReadOnly:
		return fmt.Errorf("the file is read-only for the user refbot runs as (uid %d), so statistics and settings could not be saved: "+
			"make it and its directory writable by that user (chown, chmod 600), or point state.dir elsewhere: %w", os.Geteuid(), err)
	case code == sqliteCantOpen || errors.Is(err, fs.ErrPermission):
		dir := filepath.Dir(path)
		if fi, serr := os.Stat(path); serr == nil && fi.IsDir() {
			dir = path
		}
		return fmt.Errorf("permission denied: the user refbot runs as (uid %d) must be able to create and write files in %s "+
			"(chown the directory to that user and chmod 700 it, or point state.dir elsewhere): %w", os.Geteuid(), dir, err)
	}
	return err
}

// SQLite's primary result codes that explain recognises.
const (
	sqliteReadOnly = 8
	sqliteCorrupt  = 11
	sqliteCantOpen = 14
	sqliteNotADB   = 26
)

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close %s: %w", s.path, err)
	}
	return nil
}

// IntegrityCheck runs PRAGMA integrity_check and returns its verdict,
// "ok" for a sound database.
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&v)
	return v, err
}

// migrations brings the schema from version i to i+1 (PRAGMA
// user_version). Append only: never edit a migration that has shipped. A
// new table is also one for bot/postgres (its own migration) and for
// refbot state migrate to copy (bot/postgres's CopySQLite).
var migrations = []string{
	// 1: statistics, auto-link settings, reading schedule.
	`
CREATE TABLE lookups (
	platform TEXT NOT NULL,
	entry_id TEXT NOT NULL,
	count    INTEGER NOT NULL,
	PRIMARY KEY (platform, entry_id)
) WITHOUT ROWID;
CREATE TABLE missing_terms (
	platform TEXT NOT NULL,
	query    TEXT NOT NULL, -- normalised: the key
	shown    TEXT NOT NULL, -- as first typed, for the report
	count    INTEGER NOT NULL,
	PRIMARY KEY (platform, query)
) WITHOUT ROWID;
CREATE TABLE autolink_channels (
	platform TEXT NOT NULL,
	channel  TEXT NOT NULL,
	mode     INTEGER NOT NULL,
	PRIMARY KEY (platform, channel)
) WITHOUT ROWID;
CREATE TABLE autolink_optouts (
	platform TEXT NOT NULL,
	user     TEXT NOT NULL,
	PRIMARY KEY (platform, user)
) WITHOUT ROWID;
CREATE TABLE autolink_cooldowns (
	platform  TEXT NOT NULL,
	channel   TEXT NOT NULL,
	term      TEXT NOT NULL,
	linked_at INTEGER NOT NULL, -- unix nanoseconds
	PRIMARY KEY (platform, channel, term)
) WITHOUT ROWID;
CREATE TABLE reading_posts (
	id           INTEGER PRIMARY KEY,
	platform     TEXT NOT NULL,
	channel      TEXT NOT NULL,
	curriculum   TEXT NOT NULL,
	slot         INTEGER NOT NULL, -- unix seconds
	scheduled    INTEGER NOT NULL, -- 1: a schedule's slot; 0: asked for
	step         INTEGER NOT NULL,
	seq          INTEGER NOT NULL, -- the channel's position when claimed
	claimed_at   INTEGER NOT NULL, -- unix nanoseconds
	message_id   TEXT NOT NULL DEFAULT '',
	confirmed_at INTEGER,          -- unix nanoseconds; NULL until posted
	UNIQUE (platform, channel, curriculum, slot, scheduled)
);
CREATE INDEX reading_posts_unconfirmed ON reading_posts (slot) WHERE confirmed_at IS NULL;
CREATE TABLE reading_positions (
	platform   TEXT NOT NULL,
	channel    TEXT NOT NULL,
	curriculum TEXT NOT NULL,
	position   INTEGER NOT NULL,
	PRIMARY KEY (platform, channel, curriculum)
) WITHOUT ROWID;
`,
	// 2: OAuth installations (Slack in many workspaces) and the spent
	// nonces of their install links.
	`
CREATE TABLE installations (
	platform     TEXT NOT NULL,
	team         TEXT NOT NULL,
	team_name    TEXT NOT NULL,
	enterprise   TEXT NOT NULL,
	bot_user     TEXT NOT NULL,
	bot_id       TEXT NOT NULL,
	scopes       TEXT NOT NULL, -- comma-separated
	installer    TEXT NOT NULL,
	installed_at INTEGER NOT NULL, -- unix nanoseconds
	expires_at   INTEGER,          -- unix nanoseconds; NULL: the token never expires
	secret       TEXT NOT NULL,    -- the credentials, sealed by the adapter
	PRIMARY KEY (platform, team)
) WITHOUT ROWID;
CREATE TABLE spent_nonces (
	nonce      TEXT PRIMARY KEY,
	expires_at INTEGER NOT NULL -- unix nanoseconds
) WITHOUT ROWID;
`,
	// 3: a missing query's lookups that were offered suggestions, apart
	// from those that found nothing (count). Counts from before stay
	// in count: they cannot be told apart any more.
	`ALTER TABLE missing_terms ADD COLUMN suggested INTEGER NOT NULL DEFAULT 0;`,
	// 4: the stored glossary's version, raised by each change.
	`
CREATE TABLE glossary_version (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	version INTEGER NOT NULL
);
INSERT INTO glossary_version (id, version) VALUES (1, 0);
`,
	// 5: curation — suggestions, the curated layer and its version, drafts.
	`
CREATE TABLE curation_proposals (
	id          INTEGER PRIMARY KEY,
	scope       TEXT NOT NULL,
	team        TEXT NOT NULL,            -- the workspace or server it came from; '' where none
	entry_id    TEXT NOT NULL,
	entry       TEXT NOT NULL,            -- JSON of the glossary entry as proposed or last edited
	edit        INTEGER NOT NULL,         -- 1: an edit of an entry in service
	author      TEXT NOT NULL,            -- platform:user
	proposed_at INTEGER NOT NULL,         -- unix nanoseconds
	status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
	edited_by   TEXT NOT NULL DEFAULT '',
	edited_at   INTEGER,
	decided_by  TEXT NOT NULL DEFAULT '',
	decided_at  INTEGER,
	reason      TEXT NOT NULL DEFAULT '',
	version     INTEGER NOT NULL DEFAULT 0 -- the curated version its approval made
);
CREATE INDEX curation_proposals_status ON curation_proposals (scope, status, id);
CREATE INDEX curation_proposals_author ON curation_proposals (scope, author, status);
CREATE INDEX curation_proposals_entry ON curation_proposals (scope, entry_id, id);
CREATE TABLE curated_entries (
	scope       TEXT NOT NULL,
	entry_id    TEXT NOT NULL,
	entry       TEXT NOT NULL,            -- JSON
	version     INTEGER NOT NULL,
	proposal_id INTEGER NOT NULL REFERENCES curation_proposals (id),
	PRIMARY KEY (scope, entry_id)
) WITHOUT ROWID;
CREATE TABLE curation_versions (
	scope   TEXT PRIMARY KEY,
	version INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE curation_drafts (
	id         INTEGER PRIMARY KEY,
	scope      TEXT NOT NULL,
	author     TEXT NOT NULL,
	action     TEXT NOT NULL,
	state      TEXT NOT NULL,
	fields     TEXT NOT NULL,             -- JSON object
	created_at INTEGER NOT NULL
);
CREATE INDEX curation_drafts_created ON curation_drafts (created_at);
`,
}

// migrate applies the migrations the database has not seen, in one
// transaction, so two processes opening a new file do not both apply them.
func (s *Store) migrate(ctx context.Context) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var v int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if v < 0 {
			return fmt.Errorf("the database has schema version %d, which no refbot writes: the file was changed by another program or is damaged; restore your last backup, or point state.dir elsewhere", v)
		}
		if v > len(migrations) {
			return fmt.Errorf("the database has schema version %d but this refbot knows only up to %d: run a newer refbot, or point state.dir elsewhere", v, len(migrations))
		}
		for i := v; i < len(migrations); i++ {
			if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
				return fmt.Errorf("migrate schema to version %d: %w", i+1, err)
			}
		}
		// Written even when unchanged: this is also the check that the
		// file can be written at all (SQLite opens a file it may not write
		// read-only, without a word, and fails only at the first write).
		// PRAGMA takes no parameters; the value is our own integer.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
			return fmt.Errorf("set schema version: %w", err)
		}
		return nil
	})
}

// tx runs fn in a write transaction, committing when it returns nil.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}
