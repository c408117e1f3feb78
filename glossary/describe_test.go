package glossary_test

import (
	"bufio"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"refbot/glossary"
)

// descCase is one row of testdata/descriptions.tsv: a description of an
// idea by someone who does not know its name, and the entries that answer
// it (none: off-topic, nothing may be answered).
type descCase struct {
	kind, query string
	want        []string
}

func descCases(t testing.TB) []descCase {
	t.Helper()
	f, err := os.Open("testdata/descriptions.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cs []descCase
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			t.Fatalf("descriptions.tsv:%d: %d columns, want 3", n, len(cols))
		}
		c := descCase{kind: cols[0], query: cols[1]}
		if cols[2] != "" {
			c.want = strings.Split(cols[2], ",")
		}
		cs = append(cs, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cs
}

// descScore is how a ranking did on the description table.
type descScore struct {
	positives, top1, top3 int
	offtopic, answered    int // off-topic rows, and how many got any result
	byKind                map[string][2]int
}

// scoreDescriptions runs every row through search (ids, best first).
func scoreDescriptions(t *testing.T, cs []descCase, search func(string) []string) descScore {
	s := descScore{byKind: map[string][2]int{}}
	for _, c := range cs {
		got := search(c.query)
		k := s.byKind[c.kind]
		k[1]++
		if len(c.want) == 0 {
			s.offtopic++
			if len(got) > 0 {
				s.answered++
				t.Logf("off-topic %q answered %v", c.query, got)
			} else {
				k[0]++
			}
			s.byKind[c.kind] = k
			continue
		}
		s.positives++
		hit := -1
		for i, id := range got {
			if slices.Contains(c.want, id) {
				hit = i
				break
			}
		}
		if hit == 0 {
			s.top1++
		}
		if hit >= 0 && hit < 3 {
			s.top3++
			k[0]++
		} else {
			t.Logf("miss %q: got %v, want one of %v", c.query, first(got, 3), c.want)
		}
		s.byKind[c.kind] = k
	}
	return s
}

func (s descScore) log(t *testing.T, name string) {
	t.Logf("%s: top-1 %d/%d = %.1f%%, top-3 %d/%d = %.1f%%, off-topic answered %d/%d",
		name, s.top1, s.positives, pct(s.top1, s.positives), s.top3, s.positives, pct(s.top3, s.positives), s.answered, s.offtopic)
	kinds := make([]string, 0, len(s.byKind))
	for k := range s.byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Logf("  %-8s %d/%d", k, s.byKind[k][0], s.byKind[k][1])
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

func entryIDs(es []*glossary.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

// TestDescriptionTable reports how Search ranks the description table on
// the default glossary.
func TestDescriptionTable(t *testing.T) {
	cs := descCases(t)
	if len(cs) < 60 {
		t.Fatalf("only %d rows; the bar is 60", len(cs))
	}
	g := defaultGlossary(t)
	s := scoreDescriptions(t, cs, func(q string) []string { return entryIDs(g.Search(q, 5)) })
	s.log(t, "Search")
}
