package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"refbot/bot"
)

// ChannelAutolink implements bot.AutolinkStore.
func (s *Store) ChannelAutolink(ctx context.Context, platform, channel string) (bot.AutolinkMode, error) {
	var m int
	err := s.pool.QueryRow(ctx, `SELECT mode FROM autolink_channels WHERE platform = $1 AND channel = $2`, platform, channel).Scan(&m)
	if errors.Is(err, pgx.ErrNoRows) {
		err, m = nil, int(bot.AutolinkUnset)
	}
	if err := s.observe("autolink setting", err); err != nil {
		return bot.AutolinkUnset, fmt.Errorf("read channel auto-link setting: %w", err)
	}
	return bot.AutolinkMode(m), nil
}

// SetChannelAutolink implements bot.AutolinkStore.
func (s *Store) SetChannelAutolink(ctx context.Context, platform, channel string, m bot.AutolinkMode) error {
	var err error
	if m == bot.AutolinkUnset {
		_, err = s.pool.Exec(ctx, `DELETE FROM autolink_channels WHERE platform = $1 AND channel = $2`, platform, channel)
	} else {
		_, err = s.pool.Exec(ctx, `INSERT INTO autolink_channels (platform, channel, mode) VALUES ($1, $2, $3)
ON CONFLICT (platform, channel) DO UPDATE SET mode = excluded.mode`, platform, channel, int(m))
	}
	if err := s.observe("autolink setting", err); err != nil {
		return fmt.Errorf("save channel auto-link setting: %w", err)
	}
	return nil
}

// UserOptedOut implements bot.AutolinkStore.
func (s *Store) UserOptedOut(ctx context.Context, platform, user string) (bool, error) {
	var out bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM autolink_optouts WHERE platform = $1 AND "user" = $2)`, platform, user).Scan(&out)
	if err := s.observe("autolink opt-out", err); err != nil {
		return false, fmt.Errorf("read auto-link opt-out: %w", err)
	}
	return out, nil
}

// SetUserOptedOut implements bot.AutolinkStore.
func (s *Store) SetUserOptedOut(ctx context.Context, platform, user string, out bool) error {
	var err error
	if out {
		_, err = s.pool.Exec(ctx, `INSERT INTO autolink_optouts (platform, "user") VALUES ($1, $2) ON CONFLICT DO NOTHING`, platform, user)
	} else {
		_, err = s.pool.Exec(ctx, `DELETE FROM autolink_optouts WHERE platform = $1 AND "user" = $2`, platform, user)
	}
	if err := s.observe("autolink opt-out", err); err != nil {
		return fmt.Errorf("save auto-link opt-out: %w", err)
	}
	return nil
}

// pruneEvery is how many cooldown takes pass between deletions of
// expired cooldowns.
const pruneEvery = 1024

// TakeCooldown implements bot.AutolinkStore. One statement checks and
// records: of two processes taking one cooldown, the second waits for the
// first's row and then finds it taken.
func (s *Store) TakeCooldown(ctx context.Context, platform, channel, term string, now time.Time, d time.Duration) (bool, error) {
	tag, err := s.pool.Exec(ctx, `
INSERT INTO autolink_cooldowns (platform, channel, term, linked_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (platform, channel, term) DO UPDATE SET linked_at = excluded.linked_at
WHERE autolink_cooldowns.linked_at <= $5`, platform, channel, term, now.UnixNano(), now.Add(-d).UnixNano())
	if err := s.observe("cooldown", err); err != nil {
		return false, fmt.Errorf("take auto-link cooldown: %w", err)
	}
	if s.takes.Add(1)%pruneEvery == 0 {
		_, err := s.pool.Exec(ctx, `DELETE FROM autolink_cooldowns WHERE linked_at <= $1`, now.Add(-d).UnixNano())
		if err := s.observe("cooldown", err); err != nil {
			return tag.RowsAffected() == 1, fmt.Errorf("prune auto-link cooldowns: %w", err)
		}
	}
	return tag.RowsAffected() == 1, nil
}
