package sqlite

import (
	"database/sql"
	"fmt"
)

// QueryPragma reads a pragma through the store's own connection pool.
func QueryPragma(s *Store, name string, dst any) error {
	return s.db.QueryRow("PRAGMA " + name).Scan(dst)
}

// Migrations are the schema's migrations, to build an older database.
var Migrations = migrations

// QueryRow runs a query through the store's own connection pool.
func QueryRow(s *Store, query string, dst any) error {
	return s.db.QueryRow(query).Scan(dst)
}

// SchemaVersion is the schema this refbot writes.
func SchemaVersion() int { return len(migrations) }

// CreateAtVersion makes a database at path with the schema of an earlier
// refbot: the first v migrations, as that refbot left it.
func CreateAtVersion(path string, v int) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, m := range migrations[:v] {
		if _, err := db.Exec(m); err != nil {
			return err
		}
	}
	_, err = db.Exec(fmt.Sprintf("PRAGMA user_version = %d", v))
	return err
}
