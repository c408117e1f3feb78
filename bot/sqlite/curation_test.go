package sqlite_test

import (
	"context"
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
