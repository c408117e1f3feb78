package bot

import (
	"context"
	"errors"
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
	// TopLookups returns, on a platform or on all of them when platform
	// is "", the n most looked-up entry ids, the n queries most often
	// found nothing and the n most often offered only suggestions.
	TopLookups(ctx context.Context, platform string, n int) (TopTerms, error)
}

// TopTerms is the statistics report: counts, most first.
type TopTerms struct {
	// Found counts lookups by the entry they found (its id).
	Found []Count `json:"found"`
	// Missing counts queries that found nothing at all: terms the
	// glossary may lack.
	Missing []Count `json:"missing"`
	// Suggested counts queries answered only with "did you mean": an
	// entry may exist under another name, or want this one as an alias.
	Suggested []Count `json:"suggested"`
}

// Lookup is one lookup as the statistics count it: the entry it found,
// or the query that found none.
type Lookup struct {
	Platform string
	// ID is the entry found, or "" when the lookup found none.
	ID string
	// Key is a query that found no entry, normalised so that spellings of
	// one term count together (glossary.Normalize); Shown is how the
	// report shows it (ShownQuery). Both are empty when ID is set, and a
	// lookup with neither an ID nor a Key is not counted.
	Key, Shown string
	// Suggested: the query found no entry but was offered suggestions;
	// it is counted apart from queries that found nothing.
	Suggested bool
}

// NewLookup is what the statistics count of a lookup of query that found
// the entry id, or nothing when id is "" (set Suggested when it offered
// suggestions).
func NewLookup(platform, query, id string) Lookup {
	if id != "" {
		return Lookup{Platform: platform, ID: id}
	}
	return Lookup{Platform: platform, Key: glossary.Normalize(query), Shown: ShownQuery(query)}
}

// MemoryStats is an in-memory Stats and StatsStore, for the console and
// tests.
type MemoryStats struct {
	mu        sync.Mutex
	found     map[[2]string]int // platform, entry id -> lookups
	missing   map[[2]string]int // platform, normalised query -> lookups that found nothing
	suggested map[[2]string]int // platform, normalised query -> lookups offered only suggestions
	shown     map[string]string // normalised query -> as first typed
}

// NewMemoryStats returns an empty MemoryStats.
func NewMemoryStats() *MemoryStats {
	return &MemoryStats{found: map[[2]string]int{}, missing: map[[2]string]int{}, suggested: map[[2]string]int{}, shown: map[string]string{}}
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
		counts := m.missing
		if l.Suggested {
			counts = m.suggested
		}
		if _, ok := counts[key]; ok || len(counts) < maxMissing {
			counts[key] += c.N
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

// Top is TopLookups on all platforms.
func (m *MemoryStats) Top(n int) TopTerms {
	t, _ := m.TopLookups(context.Background(), "", n)
	return t
}

// TopLookups implements Stats.
func (m *MemoryStats) TopLookups(ctx context.Context, platform string, n int) (TopTerms, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := TopTerms{Found: top(m.found, platform, n), Missing: top(m.missing, platform, n), Suggested: top(m.suggested, platform, n)}
	for _, l := range [2][]Count{t.Missing, t.Suggested} {
		for i, c := range l {
			l[i].Name = m.shown[c.Name]
		}
	}
	return t, nil
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
	t, err := b.cfg.Stats.TopLookups(ctx, req.Platform, MaxStats)
	if err != nil {
		return Reply{Notice: storeTrouble}, fmt.Errorf("stats: %w", err)
	}
	r := Reply{Notice: StatsText(req.Dialect, b.Glossary(), t)}
	// Each most wanted missing term is a suggestion waiting to be made.
	for _, c := range t.Missing {
		r.Buttons = append(r.Buttons, b.suggestButton(strings.TrimSuffix(c.Name, "…"), "Suggest “"+c.Name+"”")...)
	}
	return r, nil
}

// StatsText writes the lookup statistics report, naming commands in d:
// the most looked-up terms (by title), the most wanted missing ones, and
// the queries that got only suggestions.
func StatsText(d Dialect, g *glossary.Glossary, t TopTerms) string {
	var sb strings.Builder
	if len(t.Found) == 0 && len(t.Missing) == 0 && len(t.Suggested) == 0 {
		return fmt.Sprintf("No lookups recorded yet. Statistics count %s, %s and %s TERM from now on.",
			d.command(CommandDefine), d.command(CommandRelated), d.command(CommandReading))
	}
	list := func(heading string, cs []Count, name func(string) string) {
		sb.WriteString(heading)
		if len(cs) == 0 {
			sb.WriteString("\n  none yet")
		}
		for i, c := range cs {
			fmt.Fprintf(&sb, "\n%2d. %s — %d", i+1, name(c.Name), c.Count)
		}
	}
	list("Most looked-up terms:", t.Found, func(id string) string {
		if e, ok := g.Entry(id); ok {
			return e.Title
		}
		return id
	})
	same := func(s string) string { return s }
	list("\nMost wanted missing terms (lookups that found nothing):", t.Missing, same)
	list("\nAsked for by another name (lookups offered only suggestions; an alias may help):", t.Suggested, same)
	return sb.String()
}

// ErrStoreDown wraps a state store's errors when the store cannot reach
// its database (a PostgreSQL server that is down or cut off). The store
// counts and logs those itself, once per interval; the core answers what
// it can from memory and does not log each one again.
var ErrStoreDown = errors.New("state store unreachable")
