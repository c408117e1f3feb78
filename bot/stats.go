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
	found   map[[2]string]int // platform, entry id -> lookups
	missing map[[2]string]int // platform, normalised query -> lookups that found nothing
	shown   map[string]string // normalised query -> as first typed
}

// NewMemoryStats returns an empty MemoryStats.
func NewMemoryStats() *MemoryStats {
	return &MemoryStats{found: map[[2]string]int{}, missing: map[[2]string]int{}, shown: map[string]string{}}
}

// maxMissing bounds the distinct missing queries kept, so a flood of
// nonsense cannot grow memory without end.
const maxMissing = 10000

// RecordLookup implements Stats.
func (m *MemoryStats) RecordLookup(ctx context.Context, platform, query, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id != "" {
		m.found[[2]string{platform, id}]++
		return nil
	}
	q := glossary.Normalize(query)
	if q == "" {
		return nil
	}
	key := [2]string{platform, q}
	if _, ok := m.missing[key]; ok || len(m.missing) < maxMissing {
		m.missing[key]++
		if _, ok := m.shown[q]; !ok {
			m.shown[q] = ShownQuery(query)
		}
	}
	return nil
}

// Count is a name with a number.
type Count struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Top returns the n most looked-up entry ids and the n most wanted
// missing terms on all platforms.
func (m *MemoryStats) Top(n int) (found, missing []Count) {
	found, missing, _ = m.TopLookups(context.Background(), "", n)
	return found, missing
}

// TopLookups implements Stats.
func (m *MemoryStats) TopLookups(ctx context.Context, platform string, n int) (found, missing []Count, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	found, missing = top(m.found, platform, n), top(m.missing, platform, n)
	for i, c := range missing {
		missing[i].Name = m.shown[c.Name]
	}
	return found, missing, nil
}

// ShownQuery is a missing query as the stats report shows it: lower case,
// single spaces, valid UTF-8, at most MaxShownQuery characters. Lookups of
// one term spelt differently count together under the first spelling.
func ShownQuery(q string) string {
	q = strings.Join(strings.Fields(strings.ToLower(strings.ToValidUTF8(q, ""))), " ")
	if r := []rune(q); len(r) > MaxShownQuery {
		q = string(r[:MaxShownQuery]) + "…"
	}
	return q
}

// MaxShownQuery caps a missing query in the stats report.
const MaxShownQuery = 60

func top(m map[[2]string]int, platform string, n int) []Count {
	sum := map[string]int{}
	for k, v := range m {
		if platform == "" || k[0] == platform {
			sum[k[1]] += v
		}
	}
	out := make([]Count, 0, len(sum))
	for k, v := range sum {
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
