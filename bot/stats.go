package bot

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"refbot/glossary"
)

// Stats keeps lookup counts for the "most wanted terms" report.
type Stats interface {
	// RecordLookup counts one lookup.
	RecordLookup(ctx context.Context, l Lookup) error
	// TopLookups returns the n most looked-up entry ids and the n most
	// wanted missing terms (normalised queries) on a platform, or on all
	// of them when platform is "".
	TopLookups(ctx context.Context, platform string, n int) (found, missing []Count, err error)
}

// Lookup is one lookup as the statistics count it: the entry it found,
// or the query that found nothing.
type Lookup struct {
	Platform string
	// ID is the entry found, or "" when the lookup found nothing.
	ID string
	// Key is a query that found nothing, normalised so that spellings of
	// one term count together (glossary.Normalize); Shown is how the
	// report shows it (ShownQuery). Both are empty when ID is set, and a
	// lookup with neither an ID nor a Key is not counted.
	Key, Shown string
}

// NewLookup is what the statistics count of a lookup of query that found
// the entry id, or nothing when id is "".
func NewLookup(platform, query, id string) Lookup {
	if id != "" {
		return Lookup{Platform: platform, ID: id}
	}
	return Lookup{Platform: platform, Key: glossary.Normalize(query), Shown: ShownQuery(query)}
}

// MemoryStats is an in-memory Stats and StatsStore, for the console and
// tests.
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
func (m *MemoryStats) RecordLookup(ctx context.Context, l Lookup) error {
	return m.AddLookups(ctx, []LookupCount{{Lookup: l, N: 1}})
}

// AddLookups implements StatsStore.
func (m *MemoryStats) AddLookups(ctx context.Context, batch []LookupCount) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range batch {
		l := c.Lookup
		if l.ID != "" {
			m.found[[2]string{l.Platform, l.ID}] += c.N
			continue
		}
		if l.Key == "" {
			continue
		}
		key := [2]string{l.Platform, l.Key}
		if _, ok := m.missing[key]; ok || len(m.missing) < maxMissing {
			m.missing[key] += c.N
			if _, ok := m.shown[l.Key]; !ok {
				m.shown[l.Key] = l.Shown
			}
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

// MaxStats is how many terms /refbot stats lists of each kind.
const MaxStats = 10

func (b *Bot) stats(ctx context.Context, req Request, text string) (Reply, error) {
	found, missing, err := b.cfg.Stats.TopLookups(ctx, req.Platform, MaxStats)
	if err != nil {
		return Reply{Notice: storeTrouble}, fmt.Errorf("stats: %w", err)
	}
	r := Reply{Notice: StatsText(req.Dialect, b.Glossary(), found, missing)}
	// Each most wanted missing term is a suggestion waiting to be made.
	for _, c := range missing {
		r.Buttons = append(r.Buttons, b.suggestButton(strings.TrimSuffix(c.Name, "…"), "Suggest “"+c.Name+"”")...)
	}
	return r, nil
}

// StatsText writes the lookup statistics report, naming commands in d: the most looked-up
// terms (by title) and the most wanted missing ones.
func StatsText(d Dialect, g *glossary.Glossary, found, missing []Count) string {
	var sb strings.Builder
	if len(found) == 0 && len(missing) == 0 {
		return fmt.Sprintf("No lookups recorded yet. Statistics count %s and %s from now on.", d.command(CommandDefine), d.command(CommandRelated))
	}
	sb.WriteString("Most looked-up terms:")
	if len(found) == 0 {
		sb.WriteString("\n  none yet")
	}
	for i, c := range found {
		name := c.Name
		if e, ok := g.Entry(c.Name); ok {
			name = e.Title
		}
		fmt.Fprintf(&sb, "\n%2d. %s — %d", i+1, name, c.Count)
	}
	sb.WriteString("\nMost wanted missing terms (lookups that found nothing):")
	if len(missing) == 0 {
		sb.WriteString("\n  none yet")
	}
	for i, c := range missing {
		fmt.Fprintf(&sb, "\n%2d. %s — %d", i+1, c.Name, c.Count)
	}
	return sb.String()
}
