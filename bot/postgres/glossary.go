package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"refbot/bot"
)

var _ bot.GlossaryNotifier = (*Store)(nil)

// glossaryChannel is the NOTIFY channel of glossary changes.
const glossaryChannel = "refbot_glossary"

// GlossaryChanged implements bot.GlossaryNotifier: the version is raised
// and NOTIFY sent in one transaction, so listeners hear of it when, and
// only if, it commits.
func (s *Store) GlossaryChanged(ctx context.Context) (int64, error) {
	var v int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) (err error) {
		v, err = glossaryChanged(ctx, tx)
		return err
	})
	if err := s.observe("glossary changed", err); err != nil {
		return 0, fmt.Errorf("record a glossary change: %w", err)
	}
	return v, nil
}

// glossaryChanged raises the stored glossary's version and queues its
// NOTIFY in tx, which PostgreSQL sends when, and only if, tx commits.
func glossaryChanged(ctx context.Context, tx pgx.Tx) (int64, error) {
	var v int64
	if err := tx.QueryRow(ctx, `UPDATE glossary_version SET version = version + 1 WHERE id = 1 RETURNING version`).Scan(&v); err != nil {
		return 0, err
	}
	_, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, glossaryChannel, fmt.Sprint(v))
	return v, err
}

// GlossaryVersion implements bot.GlossaryNotifier.
func (s *Store) GlossaryVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT version FROM glossary_version WHERE id = 1`).Scan(&v)
	if err := s.observe("glossary version", err); err != nil {
		return 0, fmt.Errorf("read the glossary version: %w", err)
	}
	return v, nil
}

// WatchGlossary implements bot.GlossaryNotifier with LISTEN on a
// connection of its own, outside the pool. When that connection breaks
// the channel is closed; the caller watches again and checks the version
// meanwhile (bot.FollowGlossary).
func (s *Store) WatchGlossary(ctx context.Context) (<-chan struct{}, error) {
	c, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err == nil {
		if _, err = c.Exec(ctx, "LISTEN "+glossaryChannel); err != nil {
			c.Close(context.WithoutCancel(ctx))
		}
	}
	if err := s.observe("watch glossary", err); err != nil {
		return nil, fmt.Errorf("listen for glossary changes: %w", err)
	}
	wake := make(chan struct{}, 1)
	go func() {
		defer close(wake)
		defer c.Close(context.WithoutCancel(ctx))
		for {
			if _, err := c.WaitForNotification(ctx); err != nil {
				if ctx.Err() == nil {
					s.observe("watch glossary", err)
				}
				return
			}
			select {
			case wake <- struct{}{}:
			default: // one wake-up is waiting already
			}
		}
	}()
	return wake, nil
}
