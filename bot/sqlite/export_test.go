package sqlite

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
