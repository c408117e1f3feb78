package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"refbot/bot/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Each URL is a database of its own, empty and writable.
func TestURL(t *testing.T) {
	ctx := context.Background()
	a, b := pgtest.URL(t), pgtest.URL(t)
	if a == b {
		t.Fatalf("two URLs are the same database: %s", a)
	}
	for _, u := range []string{a, b} {
		c, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		var n int
		if err := c.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d tables, %v; want an empty database", u, n, err)
		}
		if _, err := c.Exec(ctx, `CREATE TABLE t (x int)`); err != nil {
			t.Error(err)
		}
	}
}

// A server of the test's own stops, refusing connections, and starts
// again with its data.
func TestStopStart(t *testing.T) {
	ctx := context.Background()
	s := pgtest.NewServerT(t)
	u := s.URL("postgres")
	exec := func(sql string) error {
		c, err := pgx.Connect(ctx, u)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		_, err = c.Exec(ctx, sql)
		return err
	}
	if err := exec(`CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)`); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := exec(`SELECT 1`); err == nil {
		t.Fatal("connected to a stopped server")
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := exec(`DO $$ BEGIN IF (SELECT x FROM kept) <> 7 THEN RAISE 'lost'; END IF; END $$`); err != nil {
		t.Errorf("after a restart: %v", err)
	}
}
