package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"refbot/bot/bottest"
	"refbot/bot/postgres"
	"refbot/bot/postgres/pgtest"
)

// The replica tests run refbot serve in child processes: this test binary
// re-executed with replicaEnv naming the configuration file. The child
// runs the same serve as refbot serve --config; the one difference is
// the clock, which runs replicaRate times faster than the wall clock from
// a common origin, so that a cron schedule of every minute fires every
// second in every replica alike.
const (
	replicaEnv      = "REFBOT_TEST_REPLICA"       // the config file
	replicaClockEnv = "REFBOT_TEST_REPLICA_CLOCK" // origin unix seconds, anchor unix nanoseconds, rate
)

func TestMain(m *testing.M) {
	if os.Getenv(replicaEnv) != "" {
		os.Exit(replicaMain())
	}
	pgtest.Main(m)
}

// replicaMain is a child process's main: refbot serve on a fast clock,
// printing "ready ADDR" once it listens.
func replicaMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	cfg, err := loadConfig(os.Getenv(replicaEnv), os.Getenv, platforms())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var origin, anchor int64
	var rate float64
	if _, err := fmt.Sscanf(os.Getenv(replicaClockEnv), "%d,%d,%g", &origin, &anchor, &rate); err != nil {
		fmt.Fprintln(os.Stderr, "bad", replicaClockEnv, err)
		return 1
	}
	cfg.clock = fastClock{origin: time.Unix(origin, 0).UTC(), anchor: time.Unix(0, anchor), rate: rate}
	ready := make(chan string, 1)
	go func() {
		if addr, ok := <-ready; ok {
			fmt.Printf("ready %s\n", addr)
		}
	}()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := serve(ctx, cfg, log, ready); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// fastClock is the wall clock sped up rate times from origin, which it
// showed at the real time anchor.
type fastClock struct {
	origin, anchor time.Time
	rate           float64
}

func (c fastClock) Now() time.Time {
	return c.origin.Add(time.Duration(float64(time.Since(c.anchor)) * c.rate))
}

func (c fastClock) After(d time.Duration) <-chan time.Time {
	return time.After(time.Duration(float64(d) / c.rate))
}

// replica is one refbot serve child process.
type replica struct {
	t      testing.TB
	name   string
	env    []string
	cmd    *exec.Cmd
	addr   string
	log    *bottest.Buffer // the child's standard error
	exited chan struct{}
}

func startReplica(t testing.TB, name string, env []string) *replica {
	t.Helper()
	r := &replica{t: t, name: name, env: env, log: &bottest.Buffer{}}
	r.start()
	t.Cleanup(func() { r.kill() })
	return r
}

func (r *replica) start() {
	r.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), r.env...)
	cmd.Stderr = r.log
	out, err := cmd.StdoutPipe()
	if err != nil {
		r.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.cmd, r.exited = cmd, make(chan struct{})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
				addr <- a
			}
		}
		cmd.Wait()
		close(r.exited)
	}()
	select {
	case r.addr = <-addr:
	case <-r.exited:
		r.t.Fatalf("replica %s exited at start:\n%s", r.name, r.log)
	case <-time.After(2 * time.Minute):
		r.t.Fatalf("replica %s did not start:\n%s", r.name, r.log)
	}
}

// stop ends the replica as systemd would: SIGTERM, then wait.
func (r *replica) stop() {
	r.t.Helper()
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(time.Minute):
		r.t.Errorf("replica %s did not stop on SIGTERM", r.name)
		r.kill()
	}
	if code := r.cmd.ProcessState.ExitCode(); code != 0 {
		r.t.Errorf("replica %s exited with %d:\n%s", r.name, code, r.log)
	}
}

func (r *replica) kill() {
	if r.cmd != nil && r.cmd.ProcessState == nil {
		r.cmd.Process.Kill()
		<-r.exited
	}
}

// metric reads one unlabelled value from the replica's /metrics.
func (r *replica) metric(name string) float64 {
	r.t.Helper()
	res, err := http.Get("http://" + r.addr + "/metrics")
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				r.t.Fatal(err)
			}
			return f
		}
	}
	r.t.Fatalf("replica %s: no metric %s", r.name, name)
	return 0
}

// slackFake is Slack's Web API for all replicas: it records every post
// and answers conversations.history with the posts that carried
// metadata, as Slack does, so a replica can find a post another made.
type slackFake struct {
	mu      sync.Mutex
	posts   []url.Values
	history []map[string]any
	seq     int
	// hold, when set, is a bot token whose next reading post is taken
	// (recorded, and found in the history) but never answered: the
	// poster is killed between its post and its confirm. held receives
	// once then.
	hold string
	held chan struct{}
}

func (f *slackFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	switch strings.TrimPrefix(r.URL.Path, "/api") { // api_url is a scheme and host; refbot adds /api/
	case "/auth.test":
		fmt.Fprint(w, `{"ok":true,"team":"Study","team_id":"T1","user_id":"UREFBOT","bot_id":"BREFBOT"}`)
	case "/conversations.history":
		f.mu.Lock()
		msgs := slices.Clone(f.history)
		f.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "messages": msgs, "has_more": false})
	case "/chat.postMessage":
		f.mu.Lock()
		f.seq++
		ts := fmt.Sprintf("1800000000.%06d", f.seq)
		f.posts = append(f.posts, r.PostForm)
		md := r.PostForm.Get("metadata")
		if md != "" {
			var meta map[string]any
			json.Unmarshal([]byte(md), &meta)
			f.history = append([]map[string]any{{"type": "message", "ts": ts, "bot_id": "BREFBOT", "metadata": meta}}, f.history...)
		}
		hold := md != "" && f.hold != "" && strings.Contains(r.Header.Get("Authorization")+" "+r.PostForm.Get("token"), f.hold)
		if hold {
			f.hold = ""
		}
		f.mu.Unlock()
		if hold {
			f.held <- struct{}{}
			<-r.Context().Done() // the poster is killed
			return
		}
		fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, r.PostForm.Get("channel"), ts)
	default:
		http.NotFound(w, r) // a call this fake does not know fails loudly
	}
}

func (f *slackFake) all() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.posts)
}

// scheduled are the reading posts: slot key -> the blocks of each post.
func (f *slackFake) scheduled() map[string][]string {
	out := map[string][]string{}
	for _, p := range f.all() {
		md := p.Get("metadata")
		if md == "" {
			continue
		}
		var meta struct {
			Payload struct {
				Key string `json:"key"`
			} `json:"event_payload"`
		}
		json.Unmarshal([]byte(md), &meta)
		out[meta.Payload.Key] = append(out[meta.Payload.Key], p.Get("blocks"))
	}
	return out
}

// Three refbot serve processes on one PostgreSQL database behave as one:
// signed Slack and Discord requests spread over them, one killed with
// SIGKILL mid-way and restarted. Statistics sum to the lookups answered
// less at most the killed replica's unflushed batch; each auto-linked
// term is linked once per cooldown; every scheduled slot is posted once,
// in curriculum order with no step skipped; a glossary change recorded
// through the database reloads every replica.
func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three refbot serve processes")
	}
	dbURL := pgtest.URL(t)
	slackAPI := &slackFake{held: make(chan struct{}, 1)}
	api := httptest.NewServer(slackAPI)
	defer api.Close()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const (
		secret  = "replica-signing-secret"
		channel = "C0123ABCD"
		rate    = 60 // a clock minute a second: the schedule fires every second
	)
	config := writeConfig(t, fmt.Sprintf(`http:
  addr: "127.0.0.1:0"
state:
  url: %q
slack:
  enabled: true
  api_url: %q
discord:
  enabled: true
  mode: http
  register_commands: false
reading:
  schedules:
    - {platform: slack, channel: %s, cron: "* * * * *"}
autolink:
  enabled: true
  cooldown: 24h
  channels:
    - {platform: slack, channel: %s}
`, dbURL, api.URL, channel, channel))
	origin := time.Date(2026, 3, 2, 9, 0, 30, 0, time.UTC)
	env := []string{
		replicaEnv + "=" + config,
		fmt.Sprintf("%s=%d,%d,%d", replicaClockEnv, origin.Unix(), time.Now().UnixNano(), rate),
		"SLACK_SIGNING_SECRET=" + secret,
		"DISCORD_BOT_TOKEN=replicas", "DISCORD_APPLICATION_ID=1000000000000000001",
		"DISCORD_PUBLIC_KEY=" + hex.EncodeToString(pub),
		"DATABASE_URL=", // the file's state.url, whatever the environment says
	}
	// Each replica has a bot token of its own, so the fake Slack can
	// tell whose post it holds.
	replicas := []*replica{
		startReplica(t, "a", append(env, "SLACK_BOT_TOKEN=xoxb-a")),
		startReplica(t, "b", append(env, "SLACK_BOT_TOKEN=xoxb-b")),
		startReplica(t, "c", append(env, "SLACK_BOT_TOKEN=xoxb-c")),
	}

	// The load: /define through Slack and Discord, round robin over the
	// replicas that take traffic, as a load balancer would; and chat
	// messages for auto-linking.
	var (
		mu       sync.Mutex
		live     = []bool{true, true, true}
		answered int64
		next     int
		events   atomic.Int64
	)
	pick := func() (int, *replica) {
		mu.Lock()
		defer mu.Unlock()
		for {
			next++
			if i := next % len(replicas); live[i] {
				return i, replicas[i]
			}
		}
	}
	terms := []string{"mesa optimisation", "goodhart", "reward hacking", "corrigability", "eliciting latent knowledge", "flibbertigibbet zq"}
	var defineAt func(r *replica, n int) bool
	define := func(n int) bool {
		_, r := pick()
		return defineAt(r, n)
	}
	defineAt = func(r *replica, n int) bool {
		term := terms[n%len(terms)]
		var req *http.Request
		if n%2 == 0 {
			body := url.Values{"command": {"/define"}, "text": {term}, "user_id": {"U1"}, "channel_id": {channel}, "team_id": {"T1"}, "response_url": {api.URL + "/hook"}}.Encode()
			req, _ = http.NewRequest(http.MethodPost, "http://"+r.addr+"/slack/events", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			signSlack(req, secret, []byte(body))
		} else {
			body, _ := json.Marshal(map[string]any{"id": "2", "application_id": "1000000000000000001", "type": 2, "token": "tok", "channel_id": "4000000000000000004",
				"guild_id": "111", "member": map[string]any{"user": map[string]any{"id": "5"}},
				"data": map[string]any{"id": "6", "name": "define", "type": 1, "options": []any{map[string]any{"name": "term", "type": 3, "value": term}}}})
			stamp := strconv.FormatInt(time.Now().Unix(), 10)
			req, _ = http.NewRequest(http.MethodPost, "http://"+r.addr+"/discord/interactions", bytes.NewReader(body))
			req.Header.Set("X-Signature-Timestamp", stamp)
			req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, append([]byte(stamp), body...))))
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("replica %s: %v", r.name, err)
			return false
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || len(b) == 0 {
			t.Errorf("replica %s: /define: %d %s", r.name, res.StatusCode, b)
			return false
		}
		atomic.AddInt64(&answered, 1)
		return true
	}
	linked := []string{"Deceptive Alignment", "Inner Alignment", "Instrumental Convergence"}
	chat := func(n int) {
		i, r := pick()
		ts := fmt.Sprintf("1800000001.%06d", n)
		text := []string{
			"is this deceptive alignment or inner alignment?",
			"instrumental convergence again, and deceptive alignment",
			"inner alignment is hard",
		}[n%3]
		body, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": "T1", "event_id": fmt.Sprintf("Ev%d", n), "event": map[string]any{
			"type": "message", "channel": channel, "user": "U1", "text": text, "ts": ts,
		}})
		req, _ := http.NewRequest(http.MethodPost, "http://"+r.addr+"/slack/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		signSlack(req, secret, body)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("replica %s: event: %v", replicas[i].name, err)
			return
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("replica %s: event: status %d", replicas[i].name, res.StatusCode)
		}
		events.Add(1)
	}
	load := func(from, to int) {
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for n := from + w; n < to; n += 4 {
					define(n)
					if n%10 == 0 {
						chat(n / 10)
					}
				}
			})
		}
		wg.Wait()
	}

	load(0, 300)
	// Kill b mid-way: first take it out of the rotation, as a load
	// balancer whose health check failed would; wait until it has posted
	// a reading and not yet heard back, so it dies between post and
	// confirm; and read how many lookups it holds unwritten — what
	// SIGKILL may lose.
	mu.Lock()
	live[1] = false
	mu.Unlock()
	slackAPI.mu.Lock()
	slackAPI.hold = "xoxb-b"
	slackAPI.mu.Unlock()
	select {
	case <-slackAPI.held:
	case <-time.After(2 * time.Minute): // b claims about a third of the slots, one a second
		t.Fatal("b posted no reading in two minutes")
	}
	// Lookups answered by b alone, so that it holds some unwritten.
	for n := range 30 {
		defineAt(replicas[1], n)
	}
	unflushed := replicas[1].metric("refbot_stats_pending_lookups")
	if err := replicas[1].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-replicas[1].exited
	load(300, 450)
	replicas[1].start() // restarted, on the same database
	mu.Lock()
	live[1] = true
	mu.Unlock()
	load(450, 750)

	// Let the schedule run on to at least 8 slots (one a second), then
	// change the glossary through the database as another replica's
	// curation would.
	for deadline := time.Now().Add(2 * time.Minute); len(slackAPI.scheduled()) < 8 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	pg, err := postgres.Open(t.Context(), dbURL, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	changed := time.Now()
	v, err := pg.GlossaryChanged(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var reloads []string
	for _, r := range replicas {
		want := fmt.Sprintf("stored glossary changed (version %d)", v)
		for deadline := time.Now().Add(time.Minute); !strings.Contains(r.log.String(), want); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Errorf("replica %s did not reload on the glossary change:\n%s", r.name, r.log)
				break
			}
		}
		reloads = append(reloads, fmt.Sprintf("%s %v", r.name, time.Since(changed).Round(time.Millisecond)))
	}
	t.Logf("glossary change seen by every replica (NOTIFY; the fallback check is every %v): %s", glossaryCheck, strings.Join(reloads, ", "))
	for _, r := range replicas {
		r.stop() // flushes its statistics
	}

	// Statistics: the lookups answered, less at most b's unflushed batch.
	db, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(t.Context())
	var found, missing int64
	if err := db.QueryRow(t.Context(), `SELECT (SELECT coalesce(sum(count), 0) FROM lookups), (SELECT coalesce(sum(count), 0) FROM missing_terms)`).Scan(&found, &missing); err != nil {
		t.Fatal(err)
	}
	lost := answered - found - missing
	t.Logf("statistics: %d lookups answered, %d counted (%d found, %d missing); b held %v unwritten when killed, %d lost", answered, found+missing, found, missing, unflushed, lost)
	if lost < 0 || float64(lost) > unflushed {
		t.Errorf("%d lookups answered, %d counted: %d lost, want between 0 and the %v b held unwritten", answered, found+missing, lost, unflushed)
	}

	// Auto-linking: each term once, whichever replica saw the message.
	counts := map[string]int{}
	for _, p := range slackAPI.all() {
		if p.Get("thread_ts") == "" || !strings.HasPrefix(p.Get("thread_ts"), "1800000001.") {
			continue
		}
		for _, term := range linked {
			if strings.Contains(p.Get("blocks"), term) {
				counts[term]++
			}
		}
	}
	for _, term := range linked {
		if counts[term] != 1 {
			t.Errorf("%s linked %d times by %d messages, want once (cooldown 24h): %v", term, counts[term], events.Load(), counts)
		}
	}

	// The schedule: each slot posted once, confirmed in the database,
	// and the steps in order with none skipped or repeated.
	posted := slackAPI.scheduled()
	rows, err := db.Query(t.Context(), `SELECT slot, step, message_id, confirmed_at IS NOT NULL FROM reading_posts WHERE scheduled ORDER BY slot`)
	if err != nil {
		t.Fatal(err)
	}
	type post struct {
		slot      int64
		step      int
		message   string
		confirmed bool
	}
	claims, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (post, error) {
		var p post
		return p, r.Scan(&p.slot, &p.step, &p.message, &p.confirmed)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(claims) < 5 {
		t.Fatalf("%d slots claimed, want a run of them", len(claims))
	}
	stepRE := regexp.MustCompile(`Step (\d+) of (\d+)`)
	var steps []int
	for i, c := range claims {
		key := fmt.Sprintf("refbot/reading/slack/%s/ai-safety-fundamentals/cron/%d", channel, c.slot)
		texts := posted[key]
		if !c.confirmed || len(texts) != 1 {
			t.Fatalf("slot %s: confirmed %v, posted %d times; want confirmed and posted once", time.Unix(c.slot, 0).UTC().Format(time.TimeOnly), c.confirmed, len(texts))
		}
		m := stepRE.FindStringSubmatch(texts[0])
		if m == nil {
			t.Fatalf("slot post without its step: %q", texts[0])
		}
		n, _ := strconv.Atoi(m[1])
		of, _ := strconv.Atoi(m[2])
		if n != c.step+1 || i > 0 && n != steps[i-1]%of+1 {
			t.Errorf("slot %d posted step %d (claimed step %d) after step %v: a step skipped or repeated", i, n, c.step+1, steps)
		}
		steps = append(steps, n)
	}
	if len(posted) != len(claims) {
		t.Errorf("%d slots posted, %d claimed: a post without a claim", len(posted), len(claims))
	}
	first, last := time.Unix(claims[0].slot, 0).UTC(), time.Unix(claims[len(claims)-1].slot, 0).UTC()
	t.Logf("schedule: %d slots from %s to %s posted once each (%d slots passed), steps %v",
		len(claims), first.Format(time.TimeOnly), last.Format(time.TimeOnly), int(last.Sub(first)/time.Minute)+1, steps)
}
