package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"refbot/bot"
)

var (
	_ bot.ReadingStore = (*Store)(nil)
	_ bot.StatsStore   = (*Store)(nil)
)

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

const postColumns = `platform, channel, curriculum, slot, scheduled, step, claimed_at, message_id, confirmed_at`

func scanPost(r interface{ Scan(...any) error }) (bot.ReadingPost, error) {
	var (
		p                bot.ReadingPost
		slot, claimed    int64
		scheduled        int
		confirmed        sql.NullInt64
		platform, ch, cu string
	)
	if err := r.Scan(&platform, &ch, &cu, &slot, &scheduled, &p.Step, &claimed, &p.MessageID, &confirmed); err != nil {
		return p, err
	}
	p.PostKey = bot.PostKey{Platform: platform, Channel: ch, Curriculum: cu, Slot: time.Unix(slot, 0).UTC(), Scheduled: scheduled == 1}
	p.ClaimedAt = time.Unix(0, claimed).UTC()
	if confirmed.Valid {
		p.ConfirmedAt = time.Unix(0, confirmed.Int64).UTC()
	}
	return p, nil
}

// Claim implements bot.ReadingStore.
func (s *Store) Claim(ctx context.Context, k bot.PostKey, steps int, now time.Time, confirmed bool) (bot.ReadingPost, bool, error) {
	if steps <= 0 {
		return bot.ReadingPost{}, false, fmt.Errorf("claim %s: the curriculum has no steps", k)
	}
	var (
		p  bot.ReadingPost
		ok bool
	)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var pos int
		err := tx.QueryRowContext(ctx, `SELECT position FROM reading_positions WHERE platform = ? AND channel = ? AND curriculum = ?`,
			k.Platform, k.Channel, k.Curriculum).Scan(&pos)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var conf sql.NullInt64
		if confirmed {
			conf = sql.NullInt64{Int64: now.UnixNano(), Valid: true}
		}
		res, err := tx.ExecContext(ctx, `
INSERT INTO reading_posts (platform, channel, curriculum, slot, scheduled, step, seq, claimed_at, confirmed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			k.Platform, k.Channel, k.Curriculum, k.Slot.Unix(), boolInt(k.Scheduled), pos%steps, pos, now.UnixNano(), conf)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // claimed before: ok stays false
		}
		if _, err := tx.ExecContext(ctx, `
INSERT INTO reading_positions (platform, channel, curriculum, position) VALUES (?, ?, ?, ?)
ON CONFLICT (platform, channel, curriculum) DO UPDATE SET position = excluded.position`,
			k.Platform, k.Channel, k.Curriculum, pos+1); err != nil {
			return err
		}
		p = bot.ReadingPost{PostKey: k, Step: pos % steps, ClaimedAt: now}
		p.Slot = time.Unix(k.Slot.Unix(), 0).UTC()
		if confirmed {
			p.ConfirmedAt = now
		}
		ok = true
		return nil
	})
	if err != nil {
		return bot.ReadingPost{}, false, fmt.Errorf("claim %s: %w", k, err)
	}
	return p, ok, nil
}

// keyWhere selects one post by its key; keyArgs are its arguments.
const keyWhere = `platform = ? AND channel = ? AND curriculum = ? AND slot = ? AND scheduled = ?`

func keyArgs(k bot.PostKey, more ...any) []any {
	return append([]any{k.Platform, k.Channel, k.Curriculum, k.Slot.Unix(), boolInt(k.Scheduled)}, more...)
}

// Confirm implements bot.ReadingStore.
func (s *Store) Confirm(ctx context.Context, k bot.PostKey, messageID string, now time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE reading_posts SET message_id = ?, confirmed_at = ? WHERE `+keyWhere,
		append([]any{messageID, now.UnixNano()}, keyArgs(k)...)...)
	if err != nil {
		return fmt.Errorf("confirm %s: %w", k, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("confirm %s: no such claim", k)
	}
	return nil
}

// Unconfirmed implements bot.ReadingStore.
func (s *Store) Unconfirmed(ctx context.Context) ([]bot.ReadingPost, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+postColumns+` FROM reading_posts
WHERE confirmed_at IS NULL AND scheduled = 1 ORDER BY slot, id`)
	if err != nil {
		return nil, fmt.Errorf("list unconfirmed posts: %w", err)
	}
	ps, err := collect(rows, func(r *sql.Rows) (bot.ReadingPost, error) { return scanPost(r) })
	if err != nil {
		return nil, fmt.Errorf("list unconfirmed posts: %w", err)
	}
	return ps, nil
}

// TakeOver implements bot.ReadingStore.
func (s *Store) TakeOver(ctx context.Context, k bot.PostKey, was, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE reading_posts SET claimed_at = ?
WHERE `+keyWhere+` AND confirmed_at IS NULL AND claimed_at = ?`,
		append([]any{now.UnixNano()}, keyArgs(k, was.UnixNano())...)...)
	if err != nil {
		return false, fmt.Errorf("take over %s: %w", k, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("take over %s: %w", k, err)
	}
	return n == 1, nil
}

// Release implements bot.ReadingStore.
func (s *Store) Release(ctx context.Context, k bot.PostKey, was time.Time) (bool, error) {
	released := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var seq int
		err := tx.QueryRowContext(ctx, `DELETE FROM reading_posts
WHERE `+keyWhere+` AND confirmed_at IS NULL AND claimed_at = ? RETURNING seq`, keyArgs(k, was.UnixNano())...).Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		released = true
		_, err = tx.ExecContext(ctx, `UPDATE reading_positions SET position = ?
WHERE platform = ? AND channel = ? AND curriculum = ? AND position = ?`, seq, k.Platform, k.Channel, k.Curriculum, seq+1)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("release %s: %w", k, err)
	}
	return released, nil
}

// Position implements bot.ReadingStore.
func (s *Store) Position(ctx context.Context, platform, channel, curriculum string) (int, error) {
	var pos int
	err := s.db.QueryRowContext(ctx, `SELECT position FROM reading_positions WHERE platform = ? AND channel = ? AND curriculum = ?`,
		platform, channel, curriculum).Scan(&pos)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("read reading position: %w", err)
	}
	return pos, nil
}

// LastPost implements bot.ReadingStore.
func (s *Store) LastPost(ctx context.Context, platform, channel, curriculum string) (bot.ReadingPost, bool, error) {
	p, err := scanPost(s.db.QueryRowContext(ctx, `SELECT `+postColumns+` FROM reading_posts
WHERE platform = ? AND channel = ? AND curriculum = ? ORDER BY seq DESC, id DESC LIMIT 1`, platform, channel, curriculum))
	if errors.Is(err, sql.ErrNoRows) {
		return bot.ReadingPost{}, false, nil
	}
	if err != nil {
		return bot.ReadingPost{}, false, fmt.Errorf("read last reading post: %w", err)
	}
	return p, true, nil
}

// LastSlot implements bot.ReadingStore.
func (s *Store) LastSlot(ctx context.Context, platform, channel, curriculum string) (time.Time, bool, error) {
	var slot sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT max(slot) FROM reading_posts
WHERE platform = ? AND channel = ? AND curriculum = ? AND scheduled = 1`, platform, channel, curriculum).Scan(&slot)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read last reading slot: %w", err)
	}
	if !slot.Valid {
		return time.Time{}, false, nil
	}
	return time.Unix(slot.Int64, 0).UTC(), true, nil
}
