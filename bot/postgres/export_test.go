package postgres

import (
	"context"

	"refbot/bot"
)

// WriteBatch writes lookups as one batch with the given id, as Flush
// would: a test writes the same batch twice, as a retry after a lost
// commit does.
func (s *Store) WriteBatch(ctx context.Context, id string, ls []bot.Lookup) error {
	b := &batch{id: id, counts: map[lookupKey]pendingLookup{}}
	for _, l := range ls {
		k := lookupKey{platform: l.Platform, key: l.ID}
		if l.ID == "" {
			k = lookupKey{platform: l.Platform, key: l.Key, missing: true}
		}
		p := b.counts[k]
		p.count++
		p.shown = l.Shown
		b.counts[k] = p
	}
	return s.write(ctx, b)
}
