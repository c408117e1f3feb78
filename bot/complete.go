package bot

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"refbot/glossary"
)

// Autocomplete: glossary terms for a command's argument, and /reading's own words.

// MaxChoices is the most autocomplete choices (Discord's limit).
const MaxChoices = 25

func complete(g *glossary.Glossary, prefix string) Reply {
	cs := g.Complete(prefix, MaxChoices)
	out := make([]Suggestion, len(cs))
	for i, c := range cs {
		out[i] = suggestion(c.Entry, c.Name)
	}
	return Reply{Suggestions: out, ListKind: Choices}
}

// readingWords are /reading's own arguments, offered first when they
// match what is typed.
var readingWords = []Suggestion{
	{ID: "next", Title: "next — post the group's next reading"},
	{ID: "list", Title: "list — the curriculum and where this channel is"},
	{ID: "where", Title: "where — what was posted last, and when the next is due"},
}

// completeFor is autocomplete for a command's argument: glossary terms,
// and for /reading its own words as well. The answer depends on nothing
// but the glossary, the prefix and whether the command is /reading, and
// people type the same few prefixes again and again, so the glossary in
// service keeps its recent answers (completions) and adapters theirs
// (RenderedChoices).
func (b *Bot) completeFor(command, prefix string) Reply {
	if utf8.RuneCountInString(prefix) > MaxTermLength {
		return Reply{ListKind: Choices}
	}
	reading := strings.EqualFold(command, "reading")
	g := b.Glossary()
	rc := b.rendersFor(g)
	if rc == nil { // g was replaced a moment ago
		return completeIn(g, reading, prefix)
	}
	slot := rc.completions.slot(reading, prefix)
	if c := slot.Load(); c != nil && c.reading == reading && c.prefix == prefix {
		return Reply{Suggestions: c.suggestions, ListKind: Choices, completion: c}
	}
	r := completeIn(g, reading, prefix)
	// Clipped: a caller appending to the shared list gets a copy.
	r.Suggestions = slices.Clip(r.Suggestions)
	c := &completion{reading: reading, prefix: strings.Clone(prefix), suggestions: r.Suggestions}
	slot.Store(c)
	r.completion = c
	return r
}

// completeIn is completeFor's answer from g, made afresh.
func completeIn(g *glossary.Glossary, reading bool, prefix string) Reply {
	r := complete(g, prefix)
	if !reading {
		return r
	}
	p := strings.ToLower(strings.TrimSpace(prefix))
	var words []Suggestion
	for _, w := range readingWords {
		if strings.HasPrefix(w.ID, p) {
			words = append(words, w)
		}
	}
	r.Suggestions = append(words, r.Suggestions...)
	if len(r.Suggestions) > MaxChoices {
		r.Suggestions = r.Suggestions[:MaxChoices]
	}
	return r
}

// completionSlots is how many autocomplete answers one glossary version
// keeps: a prefix has one slot (by a hash seeded per version), and a new
// answer replaces the one in its slot. So the cache never grows past
// this, however many different prefixes arrive (a flood of random ones
// only pushes out others, which are then made again), and the prefixes
// typed most often are, almost always, in it. At 25 choices and their
// encodings, a few KiB each: a few MiB at most.
const completionSlots = 1024

// completions are one glossary version's recent autocomplete answers
// (it lives in the version's renderCache, so a reload starts empty).
type completions struct {
	seed  maphash.Seed
	slots [completionSlots]atomic.Pointer[completion]
}

func newCompletions() *completions { return &completions{seed: maphash.MakeSeed()} }

func (cs *completions) slot(reading bool, prefix string) *atomic.Pointer[completion] {
	h := maphash.String(cs.seed, prefix)
	if reading {
		h = ^h
	}
	return &cs.slots[h%completionSlots]
}

// completion is one autocomplete answer, shared by every request that
// gets it: nobody may change its suggestions.
type completion struct {
	reading     bool
	prefix      string
	suggestions []Suggestion
	rendered    sync.Map // variant → what an adapter made of it
	n           atomic.Int32
}

// maxChoiceVariants bounds what adapters keep per completion: the
// variants are constants in their code (one or two each).
const maxChoiceVariants = 8

// RenderedChoices returns what render makes of an autocomplete reply's
// suggestions for variant (say "slack/options"), made once per glossary
// version, prefix and variant while the answer stays in the cache. The
// result is shared by every request that gets it, so nobody may change
// it; render may only read r.Suggestions. Any other reply is rendered
// each time.
func RenderedChoices[T any](r Reply, variant string, render func() T) T {
	c := r.completion
	if c == nil {
		return render()
	}
	if v, ok := c.rendered.Load(variant); ok {
		return v.(T)
	}
	v := render()
	if c.n.Load() < maxChoiceVariants {
		if prev, loaded := c.rendered.LoadOrStore(variant, v); loaded {
			return prev.(T)
		}
		c.n.Add(1)
	}
	return v
}
