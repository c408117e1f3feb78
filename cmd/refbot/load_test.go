package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"refbot/bot/postgres/pgtest"
)

// A load run of signed Slack /define requests through refbot serve
// processes: one on SQLite (the baseline) and three on one PostgreSQL
// database behind a round robin, in the same run. The client and the
// servers share this machine's cores, so the figures are a floor.
func BenchmarkReplicasDefine(b *testing.B) {
	api := httptest.NewServer(&slackFake{})
	defer api.Close()
	const secret = "load-signing-secret"
	setups := []struct {
		name     string
		replicas int
		state    string
	}{
		{"1-sqlite", 1, "state:\n  dir: " + b.TempDir() + "\n"},
		{"3-postgres", 3, fmt.Sprintf("state:\n  url: %q\n", pgtest.URL(b))},
	}
	for _, st := range setups {
		config := writeConfig(b, "http:\n  addr: \"127.0.0.1:0\"\n"+st.state+"slack:\n  enabled: true\n  api_url: "+api.URL+"\n")
		env := []string{replicaEnv + "=" + config, fmt.Sprintf("%s=%d,%d,1", replicaClockEnv, time.Now().Unix(), time.Now().UnixNano()),
			"SLACK_BOT_TOKEN=xoxb-load", "SLACK_SIGNING_SECRET=" + secret, "DATABASE_URL="}
		var rs []*replica
		for i := range st.replicas {
			rs = append(rs, startReplica(b, fmt.Sprint(i), env))
		}
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		terms := []string{"mesa optimisation", "goodhart", "reward hacking", "corrigability", "eliciting latent knowledge", "flibbertigibbet zq"}
		b.Run(st.name, func(b *testing.B) {
			var (
				n     atomic.Int64
				mu    sync.Mutex
				times []time.Duration
			)
			b.SetParallelism(4) // 8 clients on 2 cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					i := n.Add(1)
					r := rs[int(i)%len(rs)]
					body := url.Values{"command": {"/define"}, "text": {terms[i%int64(len(terms))]}, "user_id": {"U1"}, "channel_id": {"C1"}, "response_url": {api.URL + "/hook"}}.Encode()
					req, _ := http.NewRequest(http.MethodPost, "http://"+r.addr+"/slack/events", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					signSlack(req, secret, []byte(body))
					start := time.Now()
					res, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					mine = append(mine, time.Since(start))
					if res.StatusCode != 200 {
						b.Errorf("status %d", res.StatusCode)
						return
					}
				}
				mu.Lock()
				times = append(times, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			slices.Sort(times)
			if len(times) > 0 {
				b.ReportMetric(float64(len(times))/b.Elapsed().Seconds(), "req/s")
				b.ReportMetric(float64(times[len(times)/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(times[len(times)*99/100].Microseconds()), "p99-µs")
			}
		})
		for _, r := range rs {
			r.stop()
		}
	}
}
