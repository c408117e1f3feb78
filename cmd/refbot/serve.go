package main

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	"refbot/bot"
	"refbot/bot/sqlite"
)

// platform is a chat platform adapter as serve runs it.
type platform interface {
	// Routes adds the platform's HTTP endpoints, if any, to mux.
	Routes(mux *http.ServeMux)
	// Run does the platform's background work (a gateway or socket
	// connection) until ctx is done. Adapters with none return nil at once.
	Run(ctx context.Context) error
}

// deps is what serve hands each platform constructor.
type deps struct {
	bot *bot.Bot
	log *slog.Logger
	reg prometheus.Registerer
}

// metrics is the bot.Observer behind GET /metrics.
type metrics struct {
	lookups  *prometheus.CounterVec
	duration prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "refbot_lookups_total",
			Help: "Glossary lookups by outcome: match, suggest (did you mean) or none.",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "refbot_lookup_duration_seconds",
			Help:    "Time to answer one glossary lookup.",
			Buckets: []float64{1e-6, 5e-6, 25e-6, 100e-6, 500e-6, 2.5e-3, 10e-3, 50e-3},
		}),
	}
	for _, o := range []string{bot.OutcomeMatch, bot.OutcomeSuggest, bot.OutcomeNone} {
		m.lookups.WithLabelValues(o) // export zeros, so rates work from the start
	}
	reg.MustRegister(m.lookups, m.duration)
	return m
}

func (m *metrics) ObserveLookup(outcome string, d time.Duration) {
	m.lookups.WithLabelValues(outcome).Inc()
	m.duration.Observe(d.Seconds())
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	path := fs.String("config", "", "configuration file (see config.example.yaml)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		if p := getenv("REFBOT_CONFIG"); p != "" {
			*path = p
		} else {
			fmt.Fprintln(stderr, "usage: refbot serve --config FILE (copy config.example.yaml to start)")
			return exitError{code: 2}
		}
	}
	cfg, err := loadConfig(*path, getenv)
	if err != nil {
		return fmt.Errorf("config %s:\n%w", *path, err)
	}
	log := newLogger(cfg.Log, stderr)
	return serve(ctx, cfg, log, nil)
}

// serve runs the HTTP server and every enabled platform until ctx is done.
// ready, when not nil, receives the listening address (tests use :0).
func serve(ctx context.Context, cfg Config, log *slog.Logger, ready chan<- string) error {
	g, err := loadGlossary(cfg.Glossary.Dir, cfg.Glossary.Mode)
	if err != nil {
		return err
	}
	schedules, err := cfg.Reading.schedules(g)
	if err != nil {
		return err
	}
	store, err := sqlite.OpenDir(ctx, cfg.State.Dir)
	if err != nil {
		return fmt.Errorf("state.dir: %w", err)
	}
	defer store.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	b := bot.New(g, bot.Config{
		ProposeHint:   cfg.Glossary.ProposeHint,
		Observer:      newMetrics(reg),
		Logger:        log,
		Stats:         store,
		Reading:       bot.ReadingConfig{Store: store, Schedules: schedules},
		Autolink:      cfg.Autolink.core(),
		AutolinkStore: store,
		PageURL:       cfg.Web.pageURL(),
	})
	warnAutolink(cfg, log)
	d := deps{bot: b, log: log, reg: reg}
	posters := map[string]bot.Poster{}

	var platforms []platform
	if cfg.Slack.Enabled {
		p, err := newSlack(cfg.Slack, d)
		if err != nil {
			return fmt.Errorf("slack: %w", err)
		}
		platforms = append(platforms, p)
		addPoster(posters, "slack", p)
	}
	if cfg.Discord.Enabled {
		p, err := newDiscord(cfg.Discord, d)
		if err != nil {
			return fmt.Errorf("discord: %w", err)
		}
		platforms = append(platforms, p)
		addPoster(posters, "discord", p)
	}

	if err := checkPosters(schedules, posters); err != nil {
		return err
	}

	// Every route refbot serves is listed here or in a platform's Routes.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "ok %d entries\n", b.Glossary().Len())
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	for _, p := range platforms {
		p.Routes(mux)
	}
	if cfg.Web.Enabled {
		mountWeb(mux, cfg.Web, b, log) // the glossary website and API under web.path
	}

	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("http.addr: %w", err)
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Catch SIGHUP before announcing readiness: until Notify, a SIGHUP
	// would kill the process instead of reloading the glossary.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	log.Info("refbot serving", "addr", ln.Addr().String(), "entries", g.Len(), "slack", cfg.Slack.Enabled, "discord", cfg.Discord.Enabled, "web", webAt(cfg.Web, ln.Addr().String()))
	if ready != nil {
		ready <- ln.Addr().String()
	}

	grp, ctx := errgroup.WithContext(ctx)
	grp.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	})
	grp.Go(func() error {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		log.Info("shutting down")
		return srv.Shutdown(shutdownCtx)
	})
	grp.Go(func() error { return reloadGlossary(ctx, hup, b, cfg.Glossary, log) })
	grp.Go(func() error { return b.NewScheduler(posters).Run(ctx) })
	for _, p := range platforms {
		grp.Go(func() error { return p.Run(ctx) })
	}
	return grp.Wait()
}

// reloadGlossary reloads the glossary on each signal from hup (SIGHUP)
// and, every cfg.Reload, when a file under cfg.Dir has changed, so a
// moderator who edits an entry needs no signal. A glossary that fails to
// load is logged and the last good one stays in service; the next change
// to the files tries again.
func reloadGlossary(ctx context.Context, hup <-chan os.Signal, b *bot.Bot, cfg GlossaryConfig, log *slog.Logger) error {
	var tick <-chan time.Time
	if cfg.Dir != "" && cfg.Reload > 0 {
		t := time.NewTicker(cfg.Reload)
		defer t.Stop()
		tick = t.C
	}
	last := fingerprint(cfg.Dir)
	reload := func(why string) {
		g, err := loadGlossary(cfg.Dir, cfg.Mode)
		if err != nil {
			log.Error("glossary reload failed; keeping the last good glossary", "why", why, "err", err)
			return
		}
		b.SetGlossary(g)
		log.Info("glossary reloaded", "entries", g.Len(), "why", why)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			last = fingerprint(cfg.Dir)
			reload("SIGHUP")
		case <-tick:
			if f := fingerprint(cfg.Dir); f != last {
				last = f
				reload("files changed")
			}
		}
	}
}

// fingerprint summarises the names, sizes and modification times of the
// files under dir; it changes when any file is added, removed or edited.
func fingerprint(dir string) uint64 {
	if dir == "" {
		return 0
	}
	h := fnv.New64a()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			fmt.Fprintf(h, "%s: %v\n", path, err)
			return nil
		}
		if info, err := d.Info(); err == nil && !d.IsDir() {
			fmt.Fprintf(h, "%s %d %d\n", path, info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	return h.Sum64()
}
