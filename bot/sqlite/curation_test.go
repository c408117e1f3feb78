package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/bot/sqlite"
)

func TestCurationContract(t *testing.T) {
	bottest.CurationStoreSuite(t, func(t *testing.T) bot.CurationStore {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "state.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// A database from before curation (schema version 2) gains its tables on
// open and keeps what it held.
func TestMigrateToCuration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddLookups(ctx, []bot.LookupCount{{Lookup: bot.NewLookup("slack", "mesa", "mesa-optimization"), N: 1}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DROP TABLE curation_drafts", "DROP TABLE curated_entries", "DROP TABLE curation_versions", "DROP TABLE curation_proposals", "PRAGMA user_version = 2"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("open a version 2 database: %v", err)
	}
	defer s.Close()
	found, _, err := s.TopLookups(ctx, "", 10)
	if err != nil || len(found) != 1 || found[0].Count != 1 {
		t.Errorf("lookups after the migration: %v, %v", found, err)
	}
	if _, err := s.AddProposal(ctx, bot.Proposal{Scope: bot.DefaultScope, Author: bot.Who{Platform: "slack", User: "U1"}}, 1); err != nil {
		t.Errorf("curation after the migration: %v", err)
	}
}
