package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"refbot/adapters/slack"
	"refbot/bot"
	"refbot/bot/postgres"
	"refbot/bot/sqlite"
)

// store is refbot's state, in whichever backend the configuration chose:
// SQLite under state.dir, or PostgreSQL at state.url. Every state-store
// interface is here, and both backends implement them all (the
// conformance suite, bot/storetest, checks that they behave alike).
type store interface {
	bot.StatsStore
	bot.AutolinkStore
	bot.ReadingStore
	bot.GlossaryNotifier
	bot.CurationStore
	slack.InstallStore
	Close() error
}

var (
	_ store = (*sqlite.Store)(nil)
	_ store = (*postgres.Store)(nil)
)

// openStore opens the configured state store. With PostgreSQL, the
// store's health is exported as metrics on reg (when not nil).
func openStore(ctx context.Context, cfg settings, log *slog.Logger, reg prometheus.Registerer) (store, error) {
	if cfg.stateURL == "" {
		s, err := sqlite.OpenDir(ctx, cfg.stateDir, log)
		if err != nil {
			return nil, fmt.Errorf("state.dir: %w", err)
		}
		return s, nil
	}
	opts := postgres.Options{Logger: log}
	var failures *prometheus.CounterVec
	if reg != nil {
		failures = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "refbot_state_errors_total",
			Help: "State store operations that failed to reach PostgreSQL, by operation.",
		}, []string{"op"})
		opts.Observe = func(op string, err error) {
			if err != nil && postgres.Unreachable(err) {
				failures.WithLabelValues(op).Inc()
			}
		}
	}
	s, err := postgres.Open(ctx, cfg.stateURL, opts)
	if err != nil {
		return nil, fmt.Errorf("state.url: %w", err)
	}
	if reg != nil {
		reg.MustRegister(failures,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "refbot_state_up",
				Help: "1 while PostgreSQL answers the state store, 0 while it cannot be reached.",
			}, func() float64 {
				if s.Health().Down.IsZero() {
					return 1
				}
				return 0
			}),
		)
	}
	return s, nil
}

// storeHealth is the readiness of the state store: an error while it
// cannot reach its database. q is the statistics queue in front of it.
func storeHealth(s store, q *bot.StatsQueue) error {
	pg, ok := s.(*postgres.Store)
	if !ok {
		return nil
	}
	h := pg.Health()
	if h.Down.IsZero() {
		return nil
	}
	return fmt.Errorf("state store (PostgreSQL) unreachable for %s; answering from memory, %d lookups queued, %d dropped",
		time.Since(h.Down).Round(time.Second), q.PendingLookups(), q.Dropped())
}
