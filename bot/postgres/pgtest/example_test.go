package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"refbot/bot/postgres/pgtest"
)

// A test package's TestMain hands its tests to Main, which removes the
// package's server at the end and reports skipped tests in one line; each
// test asks URL for a database of its own.
func ExampleURL() {
	_ = func(m *testing.M) { pgtest.Main(m) } // func TestMain(m *testing.M)
	_ = func(t *testing.T) {
		c, err := pgx.Connect(context.Background(), pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(context.Background())
	}
}
