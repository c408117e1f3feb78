package bot

import (
	"sync"
	"sync/atomic"

	"refbot/glossary"
)

// A card does not change until the glossary does, so what an adapter
// makes of it (Block Kit, an embed, their JSON) can be made once per
// glossary version. The cache belongs to the glossary it was filled
// from: a card carries the cache of the glossary its entry came from,
// and a reload starts a new, empty one. A request answered from the new
// glossary can never see what was rendered from the old one; requests
// still running on the old glossary finish with its cache, which then
// goes with it.

// MaxRendered bounds what one glossary version's cache holds (entries
// times the adapters' variants); past it, cards are rendered per request.
// At a few KiB each that is a few MiB, and a glossary of a few hundred
// entries never reaches it.
const MaxRendered = 4096

// renderCache is one glossary version's rendered cards.
type renderCache struct {
	g           *glossary.Glossary
	m           sync.Map // renderKey → any
	n           atomic.Int32
	completions *completions // autocomplete answers (complete.go)
}

type renderKey struct{ id, variant string }

// rendersFor returns g's cache, or nil when g is no longer the glossary in
// service (a request that started before a reload renders for itself).
func (b *Bot) rendersFor(g *glossary.Glossary) *renderCache {
	rc := b.renders.Load()
	if rc != nil && rc.g == g {
		return rc
	}
	if g != b.glossary.Load() {
		return nil
	}
	fresh := &renderCache{g: g, completions: newCompletions()}
	if b.renders.CompareAndSwap(rc, fresh) {
		return fresh
	}
	if rc = b.renders.Load(); rc != nil && rc.g == g {
		return rc
	}
	return nil
}

// Rendered returns what render makes of card c for variant, rendering it
// once per glossary version and card. variant names the adapter and
// everything besides the card that its rendering depends on (say
// "slack/ephemeral"): two calls with the same card id and variant must
// want the same result. The result is shared by every request that asks
// for it, so nobody may change it. A card the core did not make from the
// glossary in service (one made by hand, or from a glossary replaced
// since) is rendered each time.
func Rendered[T any](c *Card, variant string, render func() T) T {
	rc := c.rendered
	if rc == nil {
		return render()
	}
	key := renderKey{c.ID, variant}
	if v, ok := rc.m.Load(key); ok {
		return v.(T)
	}
	v := render()
	if rc.n.Load() < MaxRendered {
		if prev, loaded := rc.m.LoadOrStore(key, v); loaded {
			return prev.(T)
		}
		rc.n.Add(1)
	}
	return v
}

// CardOnly reports whether the reply is one card and nothing else (with
// its visibility): the replies whose rendering adapters cache with
// Rendered.
func (r Reply) CardOnly() bool {
	return r.Card != nil && r.Notice == "" && len(r.Suggestions) == 0 && len(r.Links) == 0 &&
		r.Prompt == nil && len(r.Help) == 0 && r.React == "" && len(r.Buttons) == 0 && r.Unlinked == "" && r.Form == nil
}
