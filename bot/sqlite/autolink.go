package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"refbot/bot"
)

var _ bot.AutolinkStore = (*Store)(nil)

// ChannelAutolink implements bot.AutolinkStore.
func (s *Store) ChannelAutolink(ctx context.Context, platform, channel string) (bot.AutolinkMode, error) {
	var m int
	err := s.db.QueryRowContext(ctx, `SELECT mode FROM autolink_channels WHERE platform = ? AND channel = ?`, platform, channel).Scan(&m)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.AutolinkUnset, nil
	}
	if err != nil {
		return bot.AutolinkUnset, fmt.Errorf("read channel auto-link setting: %w", err)
	}
	return bot.AutolinkMode(m), nil
}

// SetChannelAutolink implements bot.AutolinkStore.
func (s *Store) SetChannelAutolink(ctx context.Context, platform, channel string, m bot.AutolinkMode) error {
	var err error
	if m == bot.AutolinkUnset {
		_, err = s.db.ExecContext(ctx, `DELETE FROM autolink_channels WHERE platform = ? AND channel = ?`, platform, channel)
	} else {
		_, err = s.db.ExecContext(ctx, `INSERT INTO autolink_channels (platform, channel, mode) VALUES (?, ?, ?)
ON CONFLICT (platform, channel) DO UPDATE SET mode = excluded.mode`, platform, channel, int(m))
	}
	if err != nil {
		return fmt.Errorf("save channel auto-link setting: %w", err)
	}
	return nil
}

// UserOptedOut implements bot.AutolinkStore.
func (s *Store) UserOptedOut(ctx context.Context, platform, user string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM autolink_optouts WHERE platform = ? AND user = ?`, platform, user).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read auto-link opt-out: %w", err)
	}
	return true, nil
}

// SetUserOptedOut implements bot.AutolinkStore.
func (s *Store) SetUserOptedOut(ctx context.Context, platform, user string, out bool) error {
	var err error
	if out {
		_, err = s.db.ExecContext(ctx, `INSERT INTO autolink_optouts (platform, user) VALUES (?, ?) ON CONFLICT DO NOTHING`, platform, user)
	} else {
		_, err = s.db.ExecContext(ctx, `DELETE FROM autolink_optouts WHERE platform = ? AND user = ?`, platform, user)
	}
	if err != nil {
		return fmt.Errorf("save auto-link opt-out: %w", err)
	}
	return nil
}

// pruneEvery is how many cooldown takes pass between deletions of
// expired cooldowns.
const pruneEvery = 1024

// TakeCooldown implements bot.AutolinkStore. One statement checks and
// records, so two processes never both link the same burst.
func (s *Store) TakeCooldown(ctx context.Context, platform, channel, term string, now time.Time, d time.Duration) (bool, error) {
	res, err := s.db.ExecContext(ctx, `
INSERT INTO autolink_cooldowns (platform, channel, term, linked_at) VALUES (?, ?, ?, ?)
ON CONFLICT (platform, channel, term) DO UPDATE SET linked_at = excluded.linked_at
WHERE linked_at <= ?`, platform, channel, term, now.UnixNano(), now.Add(-d).UnixNano())
	if err != nil {
		return false, fmt.Errorf("take auto-link cooldown: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("take auto-link cooldown: %w", err)
	}
	if s.takes.Add(1)%pruneEvery == 0 {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM autolink_cooldowns WHERE linked_at <= ?`, now.Add(-d).UnixNano()); err != nil {
			return n == 1, fmt.Errorf("prune auto-link cooldowns: %w", err)
		}
	}
	return n == 1, nil
}
