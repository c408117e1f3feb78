package bot

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"refbot/glossary"
)

// The glossary in service is layered: the embedded entries, then those of
// glossary.dir — together the base, which cmd/refbot loads from files and
// hands in with New and SetGlossary — then the curated layer, the entries
// approved in chat, which lives in the CurationStore so that every
// process sharing the store serves it. glossary.Over lays the curated
// entries over the base with the checks every entry file gets: a curated
// entry replaces a file's entry of the same id, and one that no longer
// fits (a file has taken its name since) is held back, not served, and
// listed for reviewers. Every change builds a new glossary and swaps it
// in at once; requests already running finish on the old one.

// CuratedLayer names the curated layer in problems ("curated/ID").
const CuratedLayer = "curated"

// layers is what the glossary in service is built from.
type layers struct {
	mu      sync.Mutex // held while a new glossary is built and swapped in
	base    *glossary.Glossary
	curated []glossary.Entry
	version int64 // the store's version of curated
	held    glossary.Problems
}

// SetGlossary swaps in a newly loaded base glossary (the files) with the
// curated layer laid over it again; requests already running finish on
// the old one.
func (b *Bot) SetGlossary(g *glossary.Glossary) {
	b.layers.mu.Lock()
	defer b.layers.mu.Unlock()
	b.layers.base = g
	b.compose()
}

// compose builds the glossary in service from the layers and swaps it
// in; b.layers.mu is held.
func (b *Bot) compose() {
	l := &b.layers
	if len(l.curated) == 0 {
		l.held = nil
		b.glossary.Store(l.base)
		return
	}
	g, held := l.base.Over(CuratedLayer, l.curated)
	if !slices.Equal(held, l.held) {
		for _, p := range held {
			b.log.Warn("curated entry held back: it does not fit the glossary files any more; edit it with a suggestion", "problem", p.String())
		}
	}
	l.held = held
	b.glossary.Store(g)
}

// SyncCurated brings the curated layer up to date with the store: when
// the store's version has moved past the one in service, it reads the
// curated entries and lays them over the base again. It reports whether
// the glossary in service changed. RunCuration calls it on every poll;
// the process that approves a suggestion calls it at once.
func (b *Bot) SyncCurated(ctx context.Context) (bool, error) {
	l := &b.layers
	l.mu.Lock()
	since := l.version
	l.mu.Unlock()
	es, v, changed, err := b.cfg.CurationStore.CuratedSince(ctx, b.curation.Scope, since)
	if err != nil {
		return false, fmt.Errorf("read the curated glossary: %w", err)
	}
	if !changed {
		return false, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if v <= l.version {
		return false, nil // a sync running beside this one got there first
	}
	l.curated, l.version = es, v
	b.compose()
	return true, nil
}

// CuratedVersion is the store's version of the curated layer in service:
// 0 before any entry was approved.
func (b *Bot) CuratedVersion() int64 {
	b.layers.mu.Lock()
	defer b.layers.mu.Unlock()
	return b.layers.version
}

// CuratedServed is how many curated entries the glossary in service
// holds: those approved in chat, less any held back.
func (b *Bot) CuratedServed() int {
	b.layers.mu.Lock()
	defer b.layers.mu.Unlock()
	return len(b.layers.curated) - len(b.layers.held)
}

// HeldBack lists the problems of the curated entries that are not served
// because they no longer fit the glossary files, filed under curated/ID.
func (b *Bot) HeldBack() glossary.Problems {
	b.layers.mu.Lock()
	defer b.layers.mu.Unlock()
	return slices.Clone(b.layers.held)
}
