// Package postgres is refbot's state store on PostgreSQL (pgx, with a
// connection pool), for several refbot processes sharing one state:
// lookup statistics, auto-link choices and cooldowns, the reading
// schedule's claims and positions, the stored glossary's version with
// LISTEN/NOTIFY, the glossary curated in chat, and Slack's OAuth
// installations. It implements bot.OnceStatsStore, bot.AutolinkStore,
// bot.ReadingStore, bot.GlossaryNotifier, bot.CurationStore and the
// installation store (bot.Installation) with the same guarantees as
// bot/sqlite, across any number of processes:
//
//   - a schedule slot is claimed once: a UNIQUE key and INSERT … ON
//     CONFLICT DO NOTHING, with the channel's position row locked in the
//     same transaction;
//   - an auto-link cooldown is taken by one statement, so a burst spread
//     over processes links a term once;
//   - lookup statistics are added in batches (from a bot.StatsQueue),
//     each batch applied once even when a commit's outcome was lost;
//   - a proposal is decided once: of two reviewers on two replicas, one
//     wins and the other is told;
//   - a glossary change (an approval) is announced with NOTIFY in the
//     transaction that makes it.
//
// When the server cannot be reached the store degrades instead of
// failing the bot: calls fail fast with an error that wraps
// bot.ErrStoreDown (statistics wait in the queue in front of the store),
// and each failure is counted while the log gets one line per interval
// (Health).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"refbot/bot"
)

// Store is refbot's state in one PostgreSQL database. It is safe for
// concurrent use, by any number of processes.
type Store struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	cfg  Options

	health  *health
	takes   atomic.Uint32 // cooldown takes, to prune expired ones now and then
	batches atomic.Uint32 // statistics batches, to prune old ids now and then

	closeOnce sync.Once
	stop      context.CancelFunc
	done      chan struct{} // closed when the pinger has stopped
}

// Options tune a Store; zero values are the defaults.
type Options struct {
	// Logger gets the store's warnings (one line per interval while the
	// server is unreachable); nil discards them.
	Logger *slog.Logger
	// LogEvery is how often, at most, the store logs that the server is
	// unreachable; default DefaultLogEvery.
	LogEvery time.Duration
	// Observe, when set, is called with each operation's outcome, for a
	// metric: op names it (claim, flush, ping, ...), err is nil on
	// success.
	Observe func(op string, err error)
}

const (
	// DefaultLogEvery is the default interval between outage log lines.
	DefaultLogEvery = 30 * time.Second
	// MaxMissing bounds the distinct missing queries kept per platform,
	// as bot/sqlite does.
	MaxMissing = 10000
)

// Open connects to the database at url (postgres://…, or key=value
// settings) and brings its schema up to date under an advisory lock. In
// the background it pings the server every few seconds, so that Health
// notices an outage, and its end, on an idle process too. Close stops it.
func Open(ctx context.Context, url string, o Options) (*Store, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.LogEvery <= 0 {
		o.LogEvery = DefaultLogEvery
	}
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("state.url: %s", redactErr(err))
	}
	if pc.ConnConfig.ConnectTimeout == 0 {
		// A server that does not answer must not hold a request for
		// long: the bot answers from memory meanwhile.
		pc.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	if pc.ConnConfig.RuntimeParams["application_name"] == "" {
		pc.ConnConfig.RuntimeParams["application_name"] = "refbot"
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", Redact(url), err)
	}
	s := &Store{pool: pool, log: o.Logger, cfg: o, done: make(chan struct{})}
	s.health = newHealth(o.Logger, o.LogEvery)
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("%s: %w", Redact(url), err)
	}
	bg, stop := context.WithCancel(context.Background())
	s.stop = stop
	go s.pingLoop(bg)
	return s, nil
}

// Close stops the pinger and closes the pool. Statistics still in a
// queue in front of the store must be written before.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.stop()
		<-s.done
		s.pool.Close()
	})
	return nil
}

// Ping checks that the server answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.observe("ping", s.pool.Ping(ctx))
}

// pingEvery is how often the store checks that the server answers.
const pingEvery = 5 * time.Second

// pingLoop pings the server every pingEvery until ctx ends.
func (s *Store) pingLoop(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, pingEvery)
		_ = s.Ping(pctx) // observe counted and logged a failure
		cancel()
	}
}

// Redact hides the password in a connection URL, for logs and errors.
func Redact(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		if strings.Contains(s, "password") {
			return "the configured database (password hidden)"
		}
		return s
	}
	return u.Redacted()
}

// redactErr is pgx's parse error without the connection string it
// quotes ("cannot parse `URL`: failed to parse as URL (parse "URL":
// invalid port …)"), which may hold the password: only the reason stays.
func redactErr(err error) string {
	msg := err.Error()
	if _, after, ok := strings.Cut(msg, "`: "); ok {
		msg = after
	}
	if before, inner, ok := strings.Cut(msg, " ("); ok {
		msg = before
		if i := strings.LastIndex(inner, `": `); i >= 0 {
			msg += ": " + strings.TrimSuffix(inner[i+3:], ")")
		}
	}
	if strings.Contains(msg, "://") || strings.Contains(msg, "`") {
		msg = "cannot parse it"
	}
	return strings.TrimSpace(msg) + " (want postgres://USER:PASSWORD@HOST:PORT/DATABASE)"
}

// observe counts op's outcome and wraps an error that says the server is
// unreachable in bot.ErrStoreDown.
func (s *Store) observe(op string, err error) error {
	if s.cfg.Observe != nil {
		s.cfg.Observe(op, err)
	}
	if err == nil {
		s.health.ok()
		return nil
	}
	if !Unreachable(err) {
		return err
	}
	s.health.fail(op, err)
	return fmt.Errorf("%w: %w", bot.ErrStoreDown, err)
}

// Unreachable tells a failure to reach the server from an error the
// server reported (a constraint, bad SQL), which is a bug to log.
func Unreachable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 08: connection exception; 57P: operator intervention (the
		// server is shutting down); 53: insufficient resources.
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") || strings.HasPrefix(pe.Code, "53")
	}
	return !errors.Is(err, context.Canceled)
}

// Health is the store's view of the server.
type Health struct {
	// Down is when the server stopped answering; zero while it answers.
	Down time.Time
	// Failures counts operations that failed to reach the server.
	Failures int64
}

// Health reports whether the server answered the last operation.
func (s *Store) Health() Health { return s.health.get() }

// health logs an outage once per interval rather than once per failure.
type health struct {
	log   *slog.Logger
	every time.Duration

	mu       sync.Mutex
	down     time.Time // zero while up
	failures int64
	since    int64 // failures since the last log line
	logged   time.Time
}

func newHealth(log *slog.Logger, every time.Duration) *health {
	return &health{log: log, every: every}
}

func (h *health) get() Health {
	h.mu.Lock()
	defer h.mu.Unlock()
	return Health{Down: h.down, Failures: h.failures}
}

func (h *health) fail(op string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	h.failures++
	h.since++
	if h.down.IsZero() {
		h.down = now
	}
	if now.Sub(h.logged) < h.every {
		return
	}
	h.log.Warn("PostgreSQL unreachable: answering from memory, statistics queued, schedules waiting",
		"failures", h.since, "down_for", now.Sub(h.down).Round(time.Second).String(), "last_op", op, "err", err)
	h.logged, h.since = now, 0
}

func (h *health) ok() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down.IsZero() {
		return
	}
	h.log.Info("PostgreSQL reachable again", "down_for", time.Since(h.down).Round(time.Second).String(), "failures", h.since)
	// logged stays: a server that flaps (a connection that still answered
	// while the server shut down, then failed) gets at most one outage
	// line per interval, not one per flap.
	h.down, h.since = time.Time{}, 0
}

// advisoryLock is the key of the session lock held while migrating: any
// fixed number, the same in every refbot.
const advisoryLock = 0x7265_6662_6f74 // "refbot"

// migrations bring the schema from version i to i+1. Append only: never
// edit one that has shipped. Times are bigint nanoseconds since 1970, as
// in bot/sqlite: a claim's time compares equal to what its owner holds,
// and state moves between the two backends unchanged.
var migrations = []string{
	// 1: statistics, auto-link settings, reading schedule, glossary version.
	`
CREATE TABLE lookups (
	platform text NOT NULL,
	entry_id text NOT NULL,
	count    bigint NOT NULL,
	PRIMARY KEY (platform, entry_id)
);
CREATE TABLE missing_terms (
	platform text NOT NULL,
	query    text NOT NULL, -- normalised: the key
	shown    text NOT NULL, -- as first typed, for the report
	count    bigint NOT NULL,
	PRIMARY KEY (platform, query)
);
CREATE TABLE stats_batches ( -- batches applied, so a retried one is not added twice
	id         text PRIMARY KEY,
	applied_at bigint NOT NULL
);
CREATE TABLE autolink_channels (
	platform text NOT NULL,
	channel  text NOT NULL,
	mode     integer NOT NULL,
	PRIMARY KEY (platform, channel)
);
CREATE TABLE autolink_optouts (
	platform text NOT NULL,
	"user"   text NOT NULL,
	PRIMARY KEY (platform, "user")
);
CREATE TABLE autolink_cooldowns (
	platform  text NOT NULL,
	channel   text NOT NULL,
	term      text NOT NULL,
	linked_at bigint NOT NULL,
	PRIMARY KEY (platform, channel, term)
);
CREATE TABLE reading_posts (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	platform     text NOT NULL,
	channel      text NOT NULL,
	curriculum   text NOT NULL,
	slot         bigint NOT NULL,  -- unix seconds
	scheduled    boolean NOT NULL, -- a schedule's slot, or asked for
	step         integer NOT NULL,
	seq          integer NOT NULL, -- the channel's position when claimed
	claimed_at   bigint NOT NULL,
	message_id   text NOT NULL DEFAULT '',
	confirmed_at bigint,           -- NULL until posted
	UNIQUE (platform, channel, curriculum, slot, scheduled)
);
CREATE INDEX reading_posts_unconfirmed ON reading_posts (slot) WHERE confirmed_at IS NULL;
CREATE TABLE reading_positions (
	platform   text NOT NULL,
	channel    text NOT NULL,
	curriculum text NOT NULL,
	position   integer NOT NULL,
	PRIMARY KEY (platform, channel, curriculum)
);
CREATE TABLE glossary_version (
	id      integer PRIMARY KEY CHECK (id = 1),
	version bigint NOT NULL
);
INSERT INTO glossary_version (id, version) VALUES (1, 0);
`,
	// 2: OAuth installations (Slack in many workspaces) and the spent
	// nonces of their install links, as in bot/sqlite.
	`
CREATE TABLE installations (
	platform     text NOT NULL,
	team         text NOT NULL,
	team_name    text NOT NULL,
	enterprise   text NOT NULL,
	bot_user     text NOT NULL,
	bot_id       text NOT NULL,
	scopes       text[] NOT NULL,
	installer    text NOT NULL,
	installed_at bigint NOT NULL,
	expires_at   bigint,         -- NULL: the token never expires
	secret       text NOT NULL,  -- the credentials, sealed by the adapter
	PRIMARY KEY (platform, team)
);
CREATE TABLE spent_nonces (
	nonce      text PRIMARY KEY,
	expires_at bigint NOT NULL
);
`,
	// 3: a missing query's lookups that were offered suggestions, apart
	// from those that found nothing (count), as in bot/sqlite.
	`ALTER TABLE missing_terms ADD COLUMN suggested bigint NOT NULL DEFAULT 0;`,
	// 4: curation — suggestions, the curated layer and its version, and
	// drafts, as in bot/sqlite; ids are identities BY DEFAULT so that
	// CopySQLite keeps the numbers people were given.
	`
CREATE TABLE curation_proposals (
	id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	scope       text NOT NULL,
	team        text NOT NULL,   -- the workspace or server it came from; '' where none
	entry_id    text NOT NULL,
	entry       text NOT NULL,   -- JSON of the glossary entry as proposed or last edited
	edit        boolean NOT NULL, -- an edit of an entry in service
	author      text NOT NULL,   -- platform:user
	proposed_at bigint NOT NULL,
	status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
	edited_by   text NOT NULL DEFAULT '',
	edited_at   bigint,
	decided_by  text NOT NULL DEFAULT '',
	decided_at  bigint,
	reason      text NOT NULL DEFAULT '',
	version     bigint NOT NULL DEFAULT 0 -- the curated version its approval made
);
CREATE INDEX curation_proposals_status ON curation_proposals (scope, status, id);
CREATE INDEX curation_proposals_author ON curation_proposals (scope, author, status);
CREATE INDEX curation_proposals_entry ON curation_proposals (scope, entry_id, id);
CREATE TABLE curated_entries (
	scope       text NOT NULL,
	entry_id    text NOT NULL,
	entry       text NOT NULL,   -- JSON
	version     bigint NOT NULL,
	proposal_id bigint NOT NULL REFERENCES curation_proposals (id),
	PRIMARY KEY (scope, entry_id)
);
CREATE TABLE curation_versions (
	scope   text PRIMARY KEY,
	version bigint NOT NULL
);
CREATE TABLE curation_drafts (
	id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	scope      text NOT NULL,
	author     text NOT NULL,
	action     text NOT NULL,
	state      text NOT NULL,
	fields     text NOT NULL,    -- JSON object
	created_at bigint NOT NULL
);
CREATE INDEX curation_drafts_created ON curation_drafts (created_at);
`,
}

// SchemaVersion is the schema this refbot writes.
func SchemaVersion() int { return len(migrations) }

// migrate applies the migrations the database has not seen. Replicas
// starting together queue on an advisory lock, so each migration runs
// once; a database from a newer refbot is refused untouched.
func (s *Store) migrate(ctx context.Context) error {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer c.Release()
	if _, err := c.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(advisoryLock)); err != nil {
		return fmt.Errorf("lock for migration: %w", err)
	}
	defer c.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(advisoryLock))
	if _, err := c.Exec(ctx, `CREATE TABLE IF NOT EXISTS refbot_schema (
	id      integer PRIMARY KEY CHECK (id = 1),
	version integer NOT NULL
)`); err != nil {
		return fmt.Errorf("create schema version table: %w", err)
	}
	var v int
	err = c.QueryRow(ctx, `SELECT version FROM refbot_schema WHERE id = 1`).Scan(&v)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("the database has schema version %d but this refbot knows only up to %d: run a newer refbot, or point state.url elsewhere", v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, migrations[i]); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO refbot_schema (id, version) VALUES (1, $1)
ON CONFLICT (id) DO UPDATE SET version = excluded.version`, i+1)
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", i+1, err)
		}
		s.log.Info("state schema migrated", "version", i+1)
	}
	return nil
}

// CheckURL reports what is wrong with a connection URL, without
// connecting: it must be postgres:// or postgresql:// and parse. The error
// never quotes the password.
func CheckURL(s string) error {
	if !strings.HasPrefix(s, "postgres://") && !strings.HasPrefix(s, "postgresql://") {
		return errors.New("want postgres://USER:PASSWORD@HOST:PORT/DATABASE (or postgresql://…)")
	}
	if _, err := pgxpool.ParseConfig(s); err != nil {
		return errors.New(redactErr(err))
	}
	return nil
}
