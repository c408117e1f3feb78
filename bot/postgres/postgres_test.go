package postgres_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/bot/postgres"
	"refbot/bot/postgres/pgtest"
	"refbot/bot/storetest"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func open(t testing.TB, url string, o postgres.Options) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// PostgreSQL passes the conformance suite, each handle a pool of its own
// on one database, as separate processes would have.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func(*testing.T) storetest.Store {
		url := pgtest.URL(t)
		return func(t *testing.T) storetest.Store { return open(t, url, postgres.Options{}) }
	})
}

// Replicas starting together on a new database migrate it once; a
// database from a newer refbot is refused, untouched.
func TestMigrate(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	var log bottest.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			s, err := postgres.Open(ctx, url, postgres.Options{Logger: logger})
			if err != nil {
				t.Error(err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	if n := strings.Count(log.String(), "state schema migrated"); n != postgres.SchemaVersion() {
		t.Errorf("%d migrations applied by 4 replicas, want %d:\n%s", n, postgres.SchemaVersion(), log.String())
	}
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var v int
	if err := c.QueryRow(ctx, `SELECT version FROM refbot_schema`).Scan(&v); err != nil || v != postgres.SchemaVersion() {
		t.Errorf("schema version = %d, %v; want %d", v, err, postgres.SchemaVersion())
	}
	if _, err := c.Exec(ctx, `UPDATE refbot_schema SET version = 99`); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(ctx, url, postgres.Options{})
	if err == nil || !strings.Contains(err.Error(), "newer refbot") {
		t.Errorf("opening a newer schema: %v, want advice to run a newer refbot", err)
	}
	if err := c.QueryRow(ctx, `SELECT version FROM refbot_schema`).Scan(&v); err != nil || v != 99 {
		t.Errorf("schema version after the refusal = %d, %v; want 99 untouched", v, err)
	}
}

// A batch written twice — a retry after its commit's answer was lost —
// is added once.
func TestBatchAppliedOnce(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.URL(t), postgres.Options{})
	one := func(query, id string) bot.LookupCount {
		return bot.LookupCount{Lookup: bot.NewLookup("slack", query, id), N: 1}
	}
	ls := []bot.LookupCount{
		one("elk", "eliciting-latent-knowledge"),
		one("elk", "eliciting-latent-knowledge"), // the same row twice in a batch adds up
		one("Banana", ""),
	}
	for range 2 {
		if err := s.AddLookupsOnce(ctx, "batch-1", ls); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddLookupsOnce(ctx, "batch-2", ls[:1]); err != nil {
		t.Fatal(err)
	}
	found, missing, err := foundMissing(s.TopLookups(ctx, "", 10))
	if err != nil {
		t.Fatal(err)
	}
	if want := []bot.Count{{Name: "eliciting-latent-knowledge", Count: 3}}; !slices.Equal(found, want) {
		t.Errorf("found = %v, want %v", found, want)
	}
	if want := []bot.Count{{Name: "banana", Count: 1}}; !slices.Equal(missing, want) {
		t.Errorf("missing = %v, want %v", missing, want)
	}
}

// While the server is down, lookups queue (in the bot.StatsQueue in front
// of the store) up to the bound and the rest are counted as dropped;
// errors wrap bot.ErrStoreDown and the outage is logged once per
// interval; when the server is back the queue is written exactly once.
func TestOutage(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.NewServerT(t)
	var log bottest.Buffer
	var observed atomic.Int64
	s := open(t, srv.URL("postgres"), postgres.Options{
		Logger:   slog.New(slog.NewTextHandler(&log, nil)),
		LogEvery: time.Hour,
		Observe: func(op string, err error) {
			if err != nil {
				observed.Add(1)
			}
		},
	})
	q := bot.NewStatsQueue(s, bot.StatsQueueConfig{MaxPending: 3}) // flushed by hand below
	record := func(platform, query, id string) {
		t.Helper()
		if err := q.RecordLookup(ctx, bot.NewLookup(platform, query, id)); err != nil {
			t.Fatal(err)
		}
	}
	record("slack", "elk", "eliciting-latent-knowledge")
	if err := q.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}

	for range 5 {
		record("slack", "elk", "eliciting-latent-knowledge") // one term: queued, never dropped
	}
	if err := q.Flush(ctx); !errors.Is(err, bot.ErrStoreDown) {
		t.Fatalf("Flush with the server down: %v, want bot.ErrStoreDown", err)
	}
	record("slack", "grokking", "grokking")
	record("discord", "elk", "eliciting-latent-knowledge")
	record("slack", "mesa", "mesa-optimization") // a fourth term, with the batch to retry: over the bound
	record("slack", "zebra", "")                 // and a fifth
	if _, err := s.TakeCooldown(ctx, "slack", "C1", "elk", time.Now(), time.Minute); !errors.Is(err, bot.ErrStoreDown) {
		t.Errorf("TakeCooldown with the server down: %v, want bot.ErrStoreDown", err)
	}
	if _, _, err := s.Claim(ctx, bot.PostKey{Platform: "slack", Channel: "C1", Curriculum: "c", Slot: time.Now(), Scheduled: true}, 3, time.Now(), false); !errors.Is(err, bot.ErrStoreDown) {
		t.Errorf("Claim with the server down: %v, want bot.ErrStoreDown", err)
	}
	h := s.Health()
	if h.Down.IsZero() || h.Failures < 3 {
		t.Errorf("Health while down = %+v; want down, 3 or more failures", h)
	}
	if q.PendingLookups() != 7 || q.Dropped() != 2 {
		t.Errorf("queue while down: %d pending, %d dropped; want 7, 2", q.PendingLookups(), q.Dropped())
	}
	if n := strings.Count(log.String(), "PostgreSQL unreachable"); n != 1 {
		t.Errorf("%d outage lines logged for %d failures, want 1 per interval:\n%s", n, h.Failures, log.String())
	}
	if observed.Load() != h.Failures {
		t.Errorf("Observe saw %d failures, Health %d", observed.Load(), h.Failures)
	}

	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// The pool notices the restart on its next connection; a flush may
	// meet a connection the restart broke, and is retried as the
	// flusher would.
	var err error
	for range 10 {
		if err = q.Flush(ctx); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("Flush after the restart: %v", err)
	}
	found, _, err := foundMissing(s.TopLookups(ctx, "", 10))
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.Count{{Name: "eliciting-latent-knowledge", Count: 7}, {Name: "grokking", Count: 1}}
	if !slices.Equal(found, want) {
		t.Errorf("after the outage: %v, want %v (1 before, 5 + 1 queued; 2 dropped)", found, want)
	}
	if h := s.Health(); !h.Down.IsZero() || q.PendingLookups() != 0 || q.Dropped() != 2 {
		t.Errorf("after the outage: Health %+v, %d pending, %d dropped; want up, nothing pending, 2 dropped", h, q.PendingLookups(), q.Dropped())
	}
	if !strings.Contains(log.String(), "PostgreSQL reachable again") {
		t.Errorf("no recovery line in the log:\n%s", log.String())
	}

	// Down again within the interval (a flapping server): counted and
	// reported by Health, but no second outage line until the interval
	// has passed.
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeCooldown(ctx, "slack", "C1", "elk", time.Now(), time.Minute); !errors.Is(err, bot.ErrStoreDown) {
		t.Errorf("TakeCooldown with the server down again: %v, want bot.ErrStoreDown", err)
	}
	if h := s.Health(); h.Down.IsZero() {
		t.Errorf("Health after the second stop = %+v; want down", h)
	}
	if n := strings.Count(log.String(), "PostgreSQL unreachable"); n != 1 {
		t.Errorf("%d outage lines after a second outage within the interval, want 1:\n%s", n, log.String())
	}
}

// A password never appears in an error.
func TestOpenErrorsHidePassword(t *testing.T) {
	for _, url := range []string{
		"postgres://refbot:s3cret@127.0.0.1:1/refbot?connect_timeout=1",
		"postgres://refbot:s3cret@[::1:bad/refbot",
		"host=127.0.0.1 port=1 user=refbot password=s3cret connect_timeout=1",
	} {
		_, err := postgres.Open(context.Background(), url, postgres.Options{})
		if err == nil {
			t.Errorf("Open(%q) succeeded", url)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q): the error shows the password: %v", url, err)
		}
	}
}

// foundMissing is a TopLookups' found and missing lists.
func foundMissing(t bot.TopTerms, err error) (found, missing []bot.Count, _ error) {
	return t.Found, t.Missing, err
}
