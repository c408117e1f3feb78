package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"refbot/bot"
	"refbot/bot/sqlite"
)

// A database of any schema before curation (1: first release, 2: OAuth,
// 3: suggested lookups, 4: the glossary's version) gains its tables on
// open and keeps what it held.
func TestMigrateToCuration(t *testing.T) {
	ctx := context.Background()
	for v := 1; v < 5; v++ {
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

			s, err := sqlite.Open(ctx, path)
			if err != nil {
				t.Fatalf("open a version %d database: %v", v, err)
			}
			defer s.Close()
			top, err := s.TopLookups(ctx, "", 10)
			if want := []bot.Count{{Name: "mesa", Count: 3}}; err != nil || !slices.Equal(top.Missing, want) {
				t.Errorf("lookups after the migration: %v, %v; want missing %v", top, err, want)
			}
			if _, err := s.AddProposal(ctx, bot.Proposal{Scope: bot.DefaultScope, Author: bot.Who{Platform: "slack", User: "U1"}}, 1); err != nil {
				t.Errorf("curation after the migration: %v", err)
			}
		})
	}
}
