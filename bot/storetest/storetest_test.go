package storetest_test

import (
	"testing"

	"refbot/bot"
	"refbot/bot/storetest"
)

// memory is package bot's in-memory stores as one: the console's state.
type memory struct {
	*bot.MemoryStats
	*bot.MemoryAutolink
	*bot.MemoryReading
	*bot.MemoryGlossaryNotifier
	*bot.MemoryInstallations
	*bot.MemoryCuration
}

func (memory) Close() error { return nil }

// The in-memory stores pass the suite; one process, so every handle is
// the same store.
func TestMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func(*testing.T) storetest.Store {
		m := newMemory()
		return func(*testing.T) storetest.Store { return m }
	})
}

// newMemory is an empty in-memory state, whose approvals raise its
// glossary version as a database's do.
func newMemory() memory {
	n := bot.NewMemoryGlossaryNotifier()
	return memory{bot.NewMemoryStats(), bot.NewMemoryAutolink(), bot.NewMemoryReading(), n, bot.NewMemoryInstallations(), bot.NewMemoryCuration().NotifyTo(n)}
}
