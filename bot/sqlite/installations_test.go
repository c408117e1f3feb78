package sqlite_test

import (
	"path/filepath"
	"testing"

	"refbot/bot/bottest"
)

func TestInstallations(t *testing.T) {
	var path string
	bottest.TestInstallations(t, func(t *testing.T) bottest.InstallationStore {
		path = filepath.Join(t.TempDir(), "state.db")
		return open(t, path)
	}, func(t *testing.T) bottest.InstallationStore { return open(t, path) })
}
