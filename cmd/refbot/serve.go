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
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/net/netutil"
	"golang.org/x/sync/errgroup"

	"refbot/adapters/platform"
	"refbot/adapters/web"
	"refbot/bot"
)

// metrics is the bot.Observer and platform.Observer behind GET /metrics.
type metrics struct {
	lookups         *prometheus.CounterVec
	duration        prometheus.Histogram
	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	reconnects      *prometheus.CounterVec
	duplicates      *prometheus.CounterVec
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
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "refbot_requests_total",
			Help: "Requests answered by the core, by platform, kind (command, message, action, complete) and outcome (ok, error, panic).",
		}, []string{"platform", "kind", "outcome"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "refbot_request_duration_seconds",
			Help:    "Time the core took to answer one request, by kind.",
			Buckets: []float64{1e-5, 1e-4, 1e-3, 5e-3, 25e-3, 0.1, 0.5, 2},
		}, []string{"kind"}),
		reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "refbot_reconnects_total",
			Help: "Reconnects of a platform's connection (Discord gateway, Slack Socket Mode), by platform and reason (docs/discord.md, docs/slack.md).",
		}, []string{"platform", "reason"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "refbot_duplicates_total",
			Help: "Deliveries a platform sent again that refbot recognised and did not handle twice, by platform and kind.",
		}, []string{"platform", "kind"}),
	}
	for _, o := range []string{bot.OutcomeMatch, bot.OutcomeSuggest, bot.OutcomeNone} {
		m.lookups.WithLabelValues(o) // export zeros, so rates work from the start
	}
	reg.MustRegister(m.lookups, m.duration, m.requests, m.requestDuration, m.reconnects, m.duplicates)
	return m
}

func (m *metrics) ObserveReconnect(platform, reason string) {
	m.reconnects.WithLabelValues(platform, reason).Inc()
}

func (m *metrics) ObserveDuplicate(platform, kind string) {
	m.duplicates.WithLabelValues(platform, kind).Inc()
}

// registerStatsQueue exports the lookup statistics queue: what it dropped,
// how many writes failed, and what waits.
func registerStatsQueue(reg prometheus.Registerer, q *bot.StatsQueue) {
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "refbot_stats_dropped_total",
			Help: "Lookups not counted in the statistics because too many were waiting to be written.",
		}, func() float64 { return float64(q.Dropped()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "refbot_stats_write_failures_total",
			Help: "Writes of lookup statistics to the state database that failed (the counts wait for the next).",
		}, func() float64 { return float64(q.FlushFailures()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "refbot_stats_pending",
			Help: "Distinct lookups counted in memory and waiting to be written.",
		}, func() float64 { return float64(q.Pending()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "refbot_stats_pending_lookups",
			Help: "Lookups counted in memory and not yet written (or being written): at most what this process would lose if killed now.",
		}, func() float64 { return float64(q.PendingLookups()) }),
	)
}

func (m *metrics) ObserveLookup(outcome string, d time.Duration) {
	m.lookups.WithLabelValues(outcome).Inc()
	m.duration.Observe(d.Seconds())
}

func (m *metrics) ObserveRequest(platform, kind, outcome string, d time.Duration) {
	m.requests.WithLabelValues(platform, kind, outcome).Inc()
	m.requestDuration.WithLabelValues(kind).Observe(d.Seconds())
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	path := fs.String("config", "", "configuration file (see config.example.yaml)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to `FILE`, for go tool pprof (docs/performance.md)")
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
	cfg, err := loadConfig(*path, getenv, platforms())
	if err != nil {
		return fmt.Errorf("the configuration has problems (each line names the file and line):\n%w", err)
	}
	log := newLogger(cfg.log, stderr)
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	return serve(ctx, cfg, log, nil)
}

// startCPUProfile profiles the process until stop, which writes the
// profile out.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// glossaryCheck is how often refbot serve reads the stored glossary's
// version, in case a notification was lost with a connection.
const glossaryCheck = 10 * time.Second

// serve runs the HTTP server and every enabled platform until ctx is done.
// ready, when not nil, receives the listening address (tests use :0).
func serve(ctx context.Context, cfg settings, log *slog.Logger, ready chan<- string) (err error) {
	g, err := loadGlossary(cfg.glossary.Dir, cfg.glossary.Mode)
	if err != nil {
		return err
	}
	schedules, err := botSchedules(cfg.schedules, g)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	store, err := openStore(ctx, cfg, log, reg)
	if err != nil {
		return err
	}
	// Lookups are counted in memory and written by the queue's own
	// goroutine, so no request waits for the database. It runs until
	// everything that answers requests has stopped, then writes once more,
	// and only then is the store closed.
	stats := bot.NewStatsQueue(store, bot.StatsQueueConfig{Logger: log})
	statsCtx, stopStats := context.WithCancel(context.WithoutCancel(ctx))
	statsDone := make(chan error, 1)
	go func() { statsDone <- stats.Run(statsCtx) }()
	defer func() {
		stopStats()
		if ferr := <-statsDone; ferr != nil { // Run has logged it
			err = errors.Join(err, fmt.Errorf("state: lookup statistics lost at shutdown: %w", ferr))
		}
		if cerr := store.Close(); cerr != nil {
			log.Error("closing the state database", "err", cerr)
			err = errors.Join(err, fmt.Errorf("state: %w", cerr))
		}
	}()
	m := newMetrics(reg)
	registerStatsQueue(reg, stats)
	glossaryVersion, err := store.GlossaryVersion(ctx)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	b := bot.New(g, bot.Config{
		ProposeHint:   cfg.glossary.ProposeHint,
		Observer:      m,
		Logger:        log,
		Stats:         stats,
		Reading:       bot.ReadingConfig{Store: store, Schedules: schedules},
		Autolink:      cfg.autolink,
		AutolinkStore: store,
		Clock:         cfg.clock,
		Curation:      cfg.curation,
		CurationStore: store,
		PageURL:       cfg.web.pageURL(),
	})
	status := newGlossaryStatus(b.Glossary, time.Now())
	reg.MustRegister(status)
	logAutolink(cfg.autolink, log)
	// The curated layer, approved in chat, lives in the state store: lay
	// it over the files before serving, so a restart serves it at once.
	if _, err := b.SyncCurated(ctx); err != nil {
		return fmt.Errorf("state.dir: %w", err)
	}

	// Every route refbot serves is listed here, in a platform's Routes or
	// in the web site's.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", status.healthz)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := storeHealth(store, stats); err != nil {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not ready: %v\n", err)
			return
		}
		status.readyz(w, r)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	posters := map[string]bot.Poster{}
	routes := map[string][]string{} // patterns by platform, for web.path
	var runs []func(context.Context) error
	var rejections []*platform.Rejections
	for _, p := range cfg.platforms {
		plog := log.With("platform", p.name)
		rej := platform.NewRejections(plog, platform.DefaultRejectionsEvery)
		rejections = append(rejections, rej)
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "refbot_unauthenticated_requests_total",
			Help:        "Requests a platform's endpoint refused before authenticating them (bad signature, stale timestamp, body over the cap); logged at most once a minute.",
			ConstLabels: prometheus.Labels{"platform": p.name},
		}, func() float64 { return float64(rej.Total()) }))
		svc, err := p.cfg.Start(platform.Core{Bot: b, Log: plog, Rejections: rej, State: store, Observer: m})
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		for pattern, h := range svc.Routes {
			mux.Handle(pattern, h)
			routes[p.name] = append(routes[p.name], pattern)
		}
		if svc.Run != nil {
			runs = append(runs, svc.Run)
		}
		if svc.Poster != nil {
			posters[p.name] = svc.Poster
		}
	}
	for i, s := range schedules {
		if posters[s.Platform] == nil {
			return fmt.Errorf("reading.schedules[%d].platform: %s cannot post scheduled messages", i, s.Platform)
		}
	}
	if cfg.web.enabled {
		if err := cfg.web.checkRoutes(routes); err != nil {
			return err
		}
		// The glossary website and API under web.path, on the glossary in
		// service: a reload shows on the next request.
		site := web.New(b, web.Options{PublicURL: cfg.web.publicURL, Logger: log.With("site", "web")})
		for pattern, h := range site.Routes(cfg.web.path) {
			mux.Handle(pattern, h)
		}
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("http.addr: %w", err)
	}
	// Past max_connections, connections wait in the kernel's accept queue:
	// a flood slows the server down instead of exhausting its file
	// descriptors (accept4: too many open files).
	ln = netutil.LimitListener(ln, cfg.maxConns)
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

	// Listening is not serving yet: each platform checks its credentials
	// when it runs, and logs when it is connected (or stops refbot).
	served := b.Glossary()
	log.Info("refbot listening", "addr", ln.Addr().String(), "entries", served.Len(), "platforms", cfg.names(), "web", cfg.web.at(ln.Addr().String()),
		"glossary", served.Version(), "curated_version", b.CuratedVersion())
	if len(cfg.platforms) == 0 {
		serves := "/healthz, /readyz and /metrics"
		if cfg.web.enabled {
			serves = "the web site, " + serves
		}
		log.Warn("no platform is enabled: refbot answers nobody in chat and serves only " + serves + "; set enabled: true under " + platformSet{ps: platforms()}.choice() + " (see config.example.yaml)")
	}
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
	changed := make(chan int64, 1)
	grp.Go(func() error { return reloadGlossary(ctx, hup, changed, b, cfg.glossary, status, log) })
	grp.Go(func() error {
		// A change recorded by any process sharing the state (a curated
		// entry approved on another replica) is read here at once where
		// the store notifies (PostgreSQL), else at the next check; the
		// curation poll (curation.poll) reads it too.
		bot.FollowGlossary(ctx, store, glossaryVersion, glossaryCheck, log, func(ctx context.Context, v int64) {
			select {
			case changed <- v:
			default: // a reload is already on its way
			}
		})
		return nil
	})
	grp.Go(func() error { return b.NewScheduler(posters).Run(ctx) })
	grp.Go(func() error { return b.RunCuration(ctx, posters, cfg.curationPoll) })
	for _, run := range runs {
		grp.Go(func() error { return run(ctx) })
	}
	for _, rej := range rejections {
		grp.Go(func() error { return rej.Run(ctx) })
	}
	return grp.Wait()
}

// reloadGlossary reloads the glossary files on each signal from hup
// (SIGHUP) and, every cfg.Reload, when a file under cfg.Dir has changed,
// so a moderator who edits an entry needs no signal; and it reads the
// curated layer again on each change of the stored glossary (changed: an
// approval on any process sharing the state). A glossary
// that fails to load is logged and recorded in status (stale, for
// /healthz, /readyz and the metrics), and the last good one stays in
// service; the next change to the files tries again.
func reloadGlossary(ctx context.Context, hup <-chan os.Signal, changed <-chan int64, b *bot.Bot, cfg GlossaryConfig, status *glossaryStatus, log *slog.Logger) error {
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
			status.failed(time.Now())
			log.Error("glossary reload failed; keeping the last good glossary", "why", why, "err", err)
			return
		}
		b.SetGlossary(g)
		status.loaded(time.Now())
		served := b.Glossary() // the files and, over them, the curated layer
		log.Info("glossary reloaded", "entries", served.Len(), "version", served.Version(), "why", why)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			last = fingerprint(cfg.Dir)
			reload("SIGHUP")
		case v := <-changed:
			// The stored glossary is the curated layer: read it again and
			// lay it over the files in service (which have not changed).
			why := fmt.Sprintf("stored glossary changed (version %d)", v)
			read, err := b.SyncCurated(ctx)
			switch {
			case err != nil:
				log.Error("reading the curated glossary failed; serving the last one read, and the curation poll tries again", "why", why, "err", err)
			case read:
				served := b.Glossary()
				log.Info("glossary reloaded", "entries", served.Len(), "version", served.Version(), "curated_version", b.CuratedVersion(), "why", why)
			default: // read already, by the curation poll or the approval itself
				log.Info("stored glossary change seen; the curated layer in service is current", "curated_version", b.CuratedVersion(), "why", why)
			}
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
