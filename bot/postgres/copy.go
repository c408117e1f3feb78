package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // reads the SQLite file being moved
)

// tableSpec is a table CopySQLite moves, with its columns (the same in
// both schemas).
type tableSpec struct {
	table   string
	columns []string
	order   string // keeps the order ids gave rows where it matters
}

// copied are the tables CopySQLite moves. A SQLite table not listed here
// (nor glossary_version, copied apart) stops the copy, so that no state
// is left behind unnoticed.
var copied = []tableSpec{
	{"lookups", []string{"platform", "entry_id", "count"}, ""},
	{"missing_terms", []string{"platform", "query", "shown", "count", "suggested"}, ""},
	{"autolink_channels", []string{"platform", "channel", "mode"}, ""},
	{"autolink_optouts", []string{"platform", "user"}, ""},
	{"autolink_cooldowns", []string{"platform", "channel", "term", "linked_at"}, ""},
	{"reading_posts", []string{"platform", "channel", "curriculum", "slot", "scheduled", "step", "seq", "claimed_at", "message_id", "confirmed_at"}, "id"},
	{"reading_positions", []string{"platform", "channel", "curriculum", "position"}, ""},
	{"installations", []string{"platform", "team", "team_name", "enterprise", "bot_user", "bot_id", "scopes", "installer", "installed_at", "expires_at", "secret"}, ""},
	{"spent_nonces", []string{"nonce", "expires_at"}, ""},
	// Curation keeps its numbers: people were told "suggestion 12", and
	// the history and the buttons in chat name proposals and drafts by
	// them (numbered sequences go on after the highest, numbered).
	{"curation_proposals", []string{"id", "scope", "team", "entry_id", "entry", "edit", "author", "proposed_at", "status", "edited_by", "edited_at", "decided_by", "decided_at", "reason", "version"}, "id"},
	{"curated_entries", []string{"scope", "entry_id", "entry", "version", "proposal_id"}, ""},
	{"curation_versions", []string{"scope", "version"}, ""},
	{"curation_drafts", []string{"id", "scope", "author", "action", "state", "fields", "created_at"}, "id"},
}

// numbered are the copied tables whose ids come from an identity
// sequence that must go on after the copied ids.
var numbered = []string{"curation_proposals", "curation_drafts"}

// sqliteVersion is the SQLite schema CopySQLite reads (bot/sqlite's
// PRAGMA user_version); open the file with bot/sqlite first to bring an
// older one up to it. A new SQLite migration raises it, and its tables go
// into copied (refbot state migrate's test fails until both are done).
const sqliteVersion = 5

// Copied says what CopySQLite moved: rows per table, in the order copied,
// and the lookups the statistics count.
type Copied struct {
	Tables          []TableCount
	Lookups         int64 // sum of lookups.count
	Missing         int64 // sum of missing_terms.count
	Suggested       int64 // sum of missing_terms.suggested
	GlossaryVersion int64
}

// TableCount is one table's rows.
type TableCount struct {
	Table string
	Rows  int64
}

// CopySQLite copies the state in the SQLite file at path into this
// database, which must hold no refbot state yet, in one transaction, and
// checks before committing that every table's row count and the lookup
// totals are the same on both sides. The SQLite file is only read; stop
// the refbot that writes it first.
func (s *Store) CopySQLite(ctx context.Context, path string) (Copied, error) {
	var out Copied
	src, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return out, fmt.Errorf("open %s: %w", path, err)
	}
	defer src.Close()
	rtx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // one snapshot of the file
	if err != nil {
		return out, fmt.Errorf("read %s: %w", path, err)
	}
	defer rtx.Rollback()
	var v int
	if err := rtx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return out, fmt.Errorf("read %s: %w", path, err)
	}
	if v != sqliteVersion {
		return out, fmt.Errorf("%s has schema version %d; this refbot copies version %d: open it with this refbot's SQLite store first, or use the refbot that wrote it", path, v, sqliteVersion)
	}
	if err := checkTables(ctx, rtx); err != nil {
		return out, fmt.Errorf("%s: %w", path, err)
	}

	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := s.checkEmpty(ctx, tx); err != nil {
			return err
		}
		for _, t := range copied {
			n, err := copyTable(ctx, rtx, tx, t.table, t.columns, t.order)
			if err != nil {
				return fmt.Errorf("copy %s: %w", t.table, err)
			}
			out.Tables = append(out.Tables, TableCount{t.table, n})
		}
		for _, table := range numbered {
			if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), coalesce(max(id), 0) + 1, false) FROM `+pgx.Identifier{table}.Sanitize(), table); err != nil {
				return fmt.Errorf("number %s after the copied ones: %w", table, err)
			}
		}
		if err := rtx.QueryRowContext(ctx, `SELECT version FROM glossary_version WHERE id = 1`).Scan(&out.GlossaryVersion); err != nil {
			return fmt.Errorf("read glossary version: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE glossary_version SET version = $1 WHERE id = 1`, out.GlossaryVersion); err != nil {
			return fmt.Errorf("copy glossary version: %w", err)
		}
		return verify(ctx, rtx, tx, &out)
	})
	if err != nil {
		return Copied{}, err
	}
	return out, nil
}

// checkTables refuses a SQLite file with tables the copy does not know.
func checkTables(ctx context.Context, rtx *sql.Tx) error {
	rows, err := rtx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var unknown []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		if name != "glossary_version" && !slices.ContainsFunc(copied, func(t tableSpec) bool { return t.table == name }) {
			unknown = append(unknown, name)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(unknown) > 0 {
		return fmt.Errorf("holds tables this refbot cannot copy (%s): use the refbot that wrote it", strings.Join(unknown, ", "))
	}
	return nil
}

// checkEmpty refuses a database that holds refbot state already: copying
// into it would add statistics twice and mix two schedules.
func (s *Store) checkEmpty(ctx context.Context, tx pgx.Tx) error {
	var full []string
	for _, t := range copied {
		var any bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{t.table}.Sanitize()+`)`).Scan(&any); err != nil {
			return err
		}
		if any {
			full = append(full, t.table)
		}
	}
	var v int64
	if err := tx.QueryRow(ctx, `SELECT version FROM glossary_version WHERE id = 1`).Scan(&v); err != nil {
		return err
	}
	if v != 0 {
		full = append(full, "glossary_version")
	}
	if len(full) > 0 {
		return fmt.Errorf("the target database already holds refbot state (%s): copy into a new, empty database", strings.Join(full, ", "))
	}
	return nil
}

// copyTable streams one table's rows into PostgreSQL with COPY.
func copyTable(ctx context.Context, rtx *sql.Tx, tx pgx.Tx, table string, columns []string, order string) (int64, error) {
	q := `SELECT ` + strings.Join(quoteAll(columns), ", ") + ` FROM ` + quote(table)
	if order != "" {
		q += ` ORDER BY ` + order
	}
	rows, err := rtx.QueryContext(ctx, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	src := &sqliteRows{rows: rows, vals: make([]any, len(columns)), columns: columns}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, columns, src)
	if err != nil {
		return 0, err
	}
	return n, errors.Join(src.err, rows.Err())
}

func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = quote(n)
	}
	return out
}

// sqliteRows feeds SQLite rows to COPY, as pgx.CopyFromSource.
type sqliteRows struct {
	rows    *sql.Rows
	columns []string
	vals    []any
	err     error
}

func (r *sqliteRows) Next() bool { return r.err == nil && r.rows.Next() }

func (r *sqliteRows) Values() ([]any, error) {
	ptrs := make([]any, len(r.vals))
	for i := range r.vals {
		ptrs[i] = &r.vals[i]
	}
	if err := r.rows.Scan(ptrs...); err != nil {
		r.err = err
		return nil, err
	}
	out := make([]any, len(r.vals))
	for i, v := range r.vals {
		switch r.columns[i] {
		case "scheduled", "edit": // SQLite's 0/1 is PostgreSQL's boolean
			n, ok := v.(int64)
			if !ok {
				r.err = fmt.Errorf("%s is %T, want an integer", r.columns[i], v)
				return nil, r.err
			}
			v = n == 1
		case "scopes": // SQLite's comma-separated list is PostgreSQL's text[]
			list, ok := v.(string)
			if !ok {
				r.err = fmt.Errorf("scopes is %T, want text", v)
				return nil, r.err
			}
			scopes := []string{}
			if list != "" {
				scopes = strings.Split(list, ",")
			}
			v = scopes
		}
		out[i] = v
	}
	return out, nil
}

func (r *sqliteRows) Err() error { return r.err }

// verify compares row counts and lookup totals on both sides.
func verify(ctx context.Context, rtx *sql.Tx, tx pgx.Tx, out *Copied) error {
	var bad []string
	for _, t := range copied {
		var src, dst int64
		if err := rtx.QueryRowContext(ctx, `SELECT count(*) FROM `+quote(t.table)).Scan(&src); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{t.table}.Sanitize()).Scan(&dst); err != nil {
			return err
		}
		if src != dst {
			bad = append(bad, fmt.Sprintf("%s: %d rows in SQLite, %d copied", t.table, src, dst))
		}
	}
	for _, sum := range []struct {
		table, column string
		into          *int64
	}{{"lookups", "count", &out.Lookups}, {"missing_terms", "count", &out.Missing}, {"missing_terms", "suggested", &out.Suggested}} {
		var src, dst int64
		if err := rtx.QueryRowContext(ctx, `SELECT coalesce(sum(`+quote(sum.column)+`), 0) FROM `+quote(sum.table)).Scan(&src); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(sum(`+quote(sum.column)+`), 0) FROM `+pgx.Identifier{sum.table}.Sanitize()).Scan(&dst); err != nil {
			return err
		}
		if src != dst {
			bad = append(bad, fmt.Sprintf("%s.%s: %d lookups in SQLite, %d copied", sum.table, sum.column, src, dst))
		}
		*sum.into = dst
	}
	if len(bad) > 0 {
		return fmt.Errorf("the copy does not match its source, so nothing was committed: %s", strings.Join(bad, "; "))
	}
	return nil
}
