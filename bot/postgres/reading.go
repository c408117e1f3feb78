package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"refbot/bot"
)

var (
	_ bot.ReadingStore   = (*Store)(nil)
	_ bot.AutolinkStore  = (*Store)(nil)
	_ bot.OnceStatsStore = (*Store)(nil)
)

const postColumns = `platform, channel, curriculum, slot, scheduled, step, claimed_at, message_id, confirmed_at`

func scanPost(r pgx.Row) (bot.ReadingPost, error) {
	var (
		p             bot.ReadingPost
		slot, claimed int64
		confirmed     *int64
	)
	if err := r.Scan(&p.Platform, &p.Channel, &p.Curriculum, &slot, &p.Scheduled, &p.Step, &claimed, &p.MessageID, &confirmed); err != nil {
		return p, err
	}
	p.Slot = time.Unix(slot, 0).UTC()
	p.ClaimedAt = time.Unix(0, claimed).UTC()
	if confirmed != nil {
		p.ConfirmedAt = time.Unix(0, *confirmed).UTC()
	}
	return p, nil
}

// Claim implements bot.ReadingStore. The channel's position row is
// locked for the transaction, so claims in one channel from any number of
// processes take its steps in turn.
func (s *Store) Claim(ctx context.Context, k bot.PostKey, steps int, now time.Time, confirmed bool) (bot.ReadingPost, bool, error) {
	if steps <= 0 {
		return bot.ReadingPost{}, false, fmt.Errorf("claim %s: the curriculum has no steps", k)
	}
	var (
		p  bot.ReadingPost
		ok bool
	)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO reading_positions (platform, channel, curriculum, position)
VALUES ($1, $2, $3, 0) ON CONFLICT DO NOTHING`, k.Platform, k.Channel, k.Curriculum); err != nil {
			return err
		}
		var pos int
		if err := tx.QueryRow(ctx, `SELECT position FROM reading_positions
WHERE platform = $1 AND channel = $2 AND curriculum = $3 FOR UPDATE`, k.Platform, k.Channel, k.Curriculum).Scan(&pos); err != nil {
			return err
		}
		var conf *int64
		if confirmed {
			n := now.UnixNano()
			conf = &n
		}
		tag, err := tx.Exec(ctx, `
INSERT INTO reading_posts (platform, channel, curriculum, slot, scheduled, step, seq, claimed_at, confirmed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
			k.Platform, k.Channel, k.Curriculum, k.Slot.Unix(), k.Scheduled, pos%steps, pos, now.UnixNano(), conf)
		if err != nil || tag.RowsAffected() == 0 {
			return err // claimed before: ok stays false
		}
		if _, err := tx.Exec(ctx, `UPDATE reading_positions SET position = $4
WHERE platform = $1 AND channel = $2 AND curriculum = $3`, k.Platform, k.Channel, k.Curriculum, pos+1); err != nil {
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
	if err := s.observe("claim", err); err != nil {
		return bot.ReadingPost{}, false, fmt.Errorf("claim %s: %w", k, err)
	}
	return p, ok, nil
}

// keyWhere selects one post by its key, from argument $n on.
func keyWhere(n int) string {
	return fmt.Sprintf(`platform = $%d AND channel = $%d AND curriculum = $%d AND slot = $%d AND scheduled = $%d`, n, n+1, n+2, n+3, n+4)
}

func keyArgs(k bot.PostKey) []any {
	return []any{k.Platform, k.Channel, k.Curriculum, k.Slot.Unix(), k.Scheduled}
}

// Confirm implements bot.ReadingStore.
func (s *Store) Confirm(ctx context.Context, k bot.PostKey, messageID string, now time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE reading_posts SET message_id = $1, confirmed_at = $2 WHERE `+keyWhere(3),
		append([]any{messageID, now.UnixNano()}, keyArgs(k)...)...)
	if err := s.observe("confirm", err); err != nil {
		return fmt.Errorf("confirm %s: %w", k, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("confirm %s: no such claim", k)
	}
	return nil
}

// Unconfirmed implements bot.ReadingStore.
func (s *Store) Unconfirmed(ctx context.Context) ([]bot.ReadingPost, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+postColumns+` FROM reading_posts
WHERE confirmed_at IS NULL AND scheduled ORDER BY slot, id`)
	var ps []bot.ReadingPost
	if err == nil {
		ps, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (bot.ReadingPost, error) { return scanPost(r) })
	}
	if err := s.observe("unconfirmed", err); err != nil {
		return nil, fmt.Errorf("list unconfirmed posts: %w", err)
	}
	return ps, nil
}

// TakeOver implements bot.ReadingStore.
func (s *Store) TakeOver(ctx context.Context, k bot.PostKey, was, now time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE reading_posts SET claimed_at = $1
WHERE `+keyWhere(3)+` AND confirmed_at IS NULL AND claimed_at = $2`,
		append([]any{now.UnixNano(), was.UnixNano()}, keyArgs(k)...)...)
	if err := s.observe("take over", err); err != nil {
		return false, fmt.Errorf("take over %s: %w", k, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Release implements bot.ReadingStore.
func (s *Store) Release(ctx context.Context, k bot.PostKey, was time.Time) (bool, error) {
	released := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var seq int
		err := tx.QueryRow(ctx, `DELETE FROM reading_posts
WHERE `+keyWhere(2)+` AND confirmed_at IS NULL AND claimed_at = $1 RETURNING seq`,
			append([]any{was.UnixNano()}, keyArgs(k)...)...).Scan(&seq)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		released = true
		_, err = tx.Exec(ctx, `UPDATE reading_positions SET position = $1
WHERE platform = $2 AND channel = $3 AND curriculum = $4 AND position = $5`, seq, k.Platform, k.Channel, k.Curriculum, seq+1)
		return err
	})
	if err := s.observe("release", err); err != nil {
		return false, fmt.Errorf("release %s: %w", k, err)
	}
	return released, nil
}

// Position implements bot.ReadingStore.
func (s *Store) Position(ctx context.Context, platform, channel, curriculum string) (int, error) {
	var pos int
	err := s.pool.QueryRow(ctx, `SELECT position FROM reading_positions WHERE platform = $1 AND channel = $2 AND curriculum = $3`,
		platform, channel, curriculum).Scan(&pos)
	if errors.Is(err, pgx.ErrNoRows) {
		err = nil
	}
	if err := s.observe("position", err); err != nil {
		return 0, fmt.Errorf("read reading position: %w", err)
	}
	return pos, nil
}

// LastPost implements bot.ReadingStore.
func (s *Store) LastPost(ctx context.Context, platform, channel, curriculum string) (bot.ReadingPost, bool, error) {
	p, err := scanPost(s.pool.QueryRow(ctx, `SELECT `+postColumns+` FROM reading_posts
WHERE platform = $1 AND channel = $2 AND curriculum = $3 ORDER BY seq DESC, id DESC LIMIT 1`, platform, channel, curriculum))
	found := err == nil
	if errors.Is(err, pgx.ErrNoRows) {
		err = nil
	}
	if err := s.observe("last post", err); err != nil {
		return bot.ReadingPost{}, false, fmt.Errorf("read last reading post: %w", err)
	}
	return p, found, nil
}

// LastSlot implements bot.ReadingStore.
func (s *Store) LastSlot(ctx context.Context, platform, channel, curriculum string) (time.Time, bool, error) {
	var slot *int64
	err := s.pool.QueryRow(ctx, `SELECT max(slot) FROM reading_posts
WHERE platform = $1 AND channel = $2 AND curriculum = $3 AND scheduled`, platform, channel, curriculum).Scan(&slot)
	if err := s.observe("last slot", err); err != nil {
		return time.Time{}, false, fmt.Errorf("read last reading slot: %w", err)
	}
	if slot == nil {
		return time.Time{}, false, nil
	}
	return time.Unix(*slot, 0).UTC(), true, nil
}
