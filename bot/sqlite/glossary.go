package sqlite

import (
	"context"
	"fmt"

	"refbot/bot"
)

var _ bot.GlossaryNotifier = (*Store)(nil)

// GlossaryChanged implements bot.GlossaryNotifier.
func (s *Store) GlossaryChanged(ctx context.Context) (int64, error) {
	var v int64
	err := s.db.QueryRowContext(ctx, `UPDATE glossary_version SET version = version + 1 WHERE id = 1 RETURNING version`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("record a glossary change: %w", err)
	}
	return v, nil
}

// GlossaryVersion implements bot.GlossaryNotifier.
func (s *Store) GlossaryVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db.QueryRowContext(ctx, `SELECT version FROM glossary_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read the glossary version: %w", err)
	}
	return v, nil
}

// WatchGlossary implements bot.GlossaryNotifier. SQLite cannot tell
// other processes of a change: it returns nil, and readers poll
// GlossaryVersion, a read of one row of a local file.
func (s *Store) WatchGlossary(ctx context.Context) (<-chan struct{}, error) { return nil, nil }
