package bot

import (
	"context"
	"sort"
	"strings"
	"sync"

	"refbot/glossary"
)

// MemoryStats is an in-memory Stats, for the console and tests.
type MemoryStats struct {
	mu      sync.Mutex
	found   map[string]int // entry id -> lookups
	missing map[string]int // normalised query -> lookups that found nothing
}

// NewMemoryStats returns an empty MemoryStats.
func NewMemoryStats() *MemoryStats {
	return &MemoryStats{found: map[string]int{}, missing: map[string]int{}}
}

// maxMissing bounds the distinct missing queries kept, so a flood of
// nonsense cannot grow memory without end.
const maxMissing = 10000

// RecordLookup implements Stats.
func (m *MemoryStats) RecordLookup(ctx context.Context, platform, query, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id != "" {
		m.found[id]++
		return nil
	}
	key := glossary.Normalize(query)
	if key == "" {
		return nil
	}
	if _, ok := m.missing[key]; ok || len(m.missing) < maxMissing {
		m.missing[key]++
	}
	return nil
}

// Count is a name with a number.
type Count struct {
	Name  string
	Count int
}

// Top returns the n most looked-up entry ids and the n most wanted
// missing terms.
func (m *MemoryStats) Top(n int) (found, missing []Count) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return top(m.found, n), top(m.missing, n)
}

func top(m map[string]int, n int) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return strings.Compare(out[i].Name, out[j].Name) < 0
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
