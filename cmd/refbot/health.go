package main

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"refbot/glossary"
)

// glossaryStatus is what refbot knows about the glossary it serves and the
// files it reloads it from: what /healthz and /readyz answer and the
// refbot_glossary_* metrics export. The version and entries are those of
// the glossary in service, read when asked: the files' and, over them, the
// entries curated in chat. It is safe for concurrent use.
type glossaryStatus struct {
	serving  func() *glossary.Glossary
	mu       sync.Mutex
	loadedAt time.Time // when the files were loaded: the last good load
	failures int       // loads failed since then, in a row
	since    time.Time // when the first of them failed
	total    int       // loads failed since start
}

// newGlossaryStatus starts with the files loaded at now; serving returns
// the glossary in service (Bot.Glossary).
func newGlossaryStatus(serving func() *glossary.Glossary, now time.Time) *glossaryStatus {
	return &glossaryStatus{serving: serving, loadedAt: now}
}

// loaded records a good load of the files, now in service.
func (s *glossaryStatus) loaded(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loadedAt, s.failures, s.since = now, 0, time.Time{}
}

// failed records a load that failed; the last good glossary stays.
func (s *glossaryStatus) failed(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures == 0 {
		s.since = now
	}
	s.failures++
	s.total++
}

// stale says why the glossary in service is not what glossary.dir holds,
// or "" when it is.
func (s *glossaryStatus) stale() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures == 0 {
		return ""
	}
	g := s.serving()
	return fmt.Sprintf("glossary stale: the files in glossary.dir have failed to load %d time(s) in a row since %s "+
		"(the log lists every problem; check them with refbot glossary lint); serving the last good glossary, version %s, loaded %s",
		s.failures, s.since.UTC().Format(time.RFC3339), g.Version(), s.loadedAt.UTC().Format(time.RFC3339))
}

// healthz is GET /healthz, the liveness answer: 200 while refbot serves,
// which it does on the last good glossary even when the files are broken;
// the body says so then.
func (s *glossaryStatus) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	n := s.serving().Len()
	if why := s.stale(); why != "" {
		fmt.Fprintf(w, "ok %d entries; %s\n", n, why)
		return
	}
	fmt.Fprintf(w, "ok %d entries\n", n)
}

// readyz is GET /readyz: 200 when the glossary in service is what
// glossary.dir holds (as of the last load), 503 while the files fail to
// load. It is meant for deploy checks and alerts; see docs/operating.md
// before using it to route traffic.
func (s *glossaryStatus) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if why := s.stale(); why != "" {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "not ready: %s\n", why)
		return
	}
	g := s.serving()
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(w, "ready: glossary version %s, %d entries, loaded %s\n", g.Version(), g.Len(), s.loadedAt.UTC().Format(time.RFC3339))
}

var (
	glossaryInfoDesc = prometheus.NewDesc("refbot_glossary_info",
		"The glossary in service: always 1, its version (a digest of its content) as a label.", []string{"version"}, nil)
	glossaryEntriesDesc = prometheus.NewDesc("refbot_glossary_entries",
		"Entries in the glossary in service.", nil, nil)
	glossaryLoadedDesc = prometheus.NewDesc("refbot_glossary_last_reload_success_timestamp_seconds",
		"When the glossary in service was loaded (at start or by the last good reload), in Unix seconds.", nil, nil)
	glossaryFailuresDesc = prometheus.NewDesc("refbot_glossary_reload_consecutive_failures",
		"Reloads of glossary.dir that failed since the last good one; above 0 the glossary in service is stale.", nil, nil)
	glossaryFailedDesc = prometheus.NewDesc("refbot_glossary_reload_failures_total",
		"Reloads of glossary.dir that failed since start.", nil, nil)
)

// Describe implements prometheus.Collector.
func (s *glossaryStatus) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{glossaryInfoDesc, glossaryEntriesDesc, glossaryLoadedDesc, glossaryFailuresDesc, glossaryFailedDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: one consistent snapshot.
func (s *glossaryStatus) Collect(ch chan<- prometheus.Metric) {
	g := s.serving()
	s.mu.Lock()
	defer s.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(glossaryInfoDesc, prometheus.GaugeValue, 1, g.Version())
	ch <- prometheus.MustNewConstMetric(glossaryEntriesDesc, prometheus.GaugeValue, float64(g.Len()))
	ch <- prometheus.MustNewConstMetric(glossaryLoadedDesc, prometheus.GaugeValue, float64(s.loadedAt.UnixNano())/1e9)
	ch <- prometheus.MustNewConstMetric(glossaryFailuresDesc, prometheus.GaugeValue, float64(s.failures))
	ch <- prometheus.MustNewConstMetric(glossaryFailedDesc, prometheus.CounterValue, float64(s.total))
}
