package bot_test

import (
	"testing"

	"refbot/bot"
	"refbot/bot/bottest"
)

func TestMemoryInstallations(t *testing.T) {
	var last *bot.MemoryInstallations
	bottest.TestInstallations(t, func(t *testing.T) bottest.InstallationStore {
		last = bot.NewMemoryInstallations()
		return last
	}, func(t *testing.T) bottest.InstallationStore { return last })
}
