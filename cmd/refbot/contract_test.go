package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"refbot/adapters/platform"
	"refbot/bot"
	"refbot/bot/bottest"
)

// echo is a chat platform written here, in a test file, against the
// contract alone (adapters/platform): its section of the configuration
// file, its channel ids, an HTTP route that asks the core, a runner and a
// poster. Nothing else in refbot knows it.
type echo struct {
	noPoster bool // a platform that cannot post on its own
	mu       sync.Mutex
	posts    []string // "channel key title"
	ran      chan struct{}
	stopped  chan struct{}
}

func newEcho() *echo { return &echo{ran: make(chan struct{}), stopped: make(chan struct{})} }

func (e *echo) Name() string { return "echo" }

func (e *echo) CheckChannel(id string) error {
	if !strings.HasPrefix(id, "E-") {
		return fmt.Errorf("%q is not an echo channel id (like E-1)", id)
	}
	return nil
}

func (e *echo) Section() platform.Section { return &echoSection{e: e, Greeting: "hello"} }

func (e *echo) Tools() []platform.Tool { return nil }

type echoSection struct {
	e        *echo
	Enabled  bool   `yaml:"enabled"`
	Greeting string `yaml:"greeting"`
	Token    string `yaml:"token"`
}

func (s *echoSection) Compile(getenv func(string) string) (platform.Config, error) {
	platform.Env(getenv, "ECHO_TOKEN", &s.Token)
	if !s.Enabled {
		return nil, nil
	}
	if s.Token == "" {
		return nil, errors.New("echo.token: missing; set ECHO_TOKEN")
	}
	return echoConfig{e: s.e, greeting: s.Greeting}, nil
}

type echoConfig struct {
	e        *echo
	greeting string
}

func (c echoConfig) Start(core platform.Core) (platform.Service, error) {
	ask := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reply := core.Bot.Answer(r.Context(), bot.Request{
			Platform: c.e.Name(), Channel: r.FormValue("channel"), User: "U-1",
			Kind: bot.Command, Command: bot.CommandDefine, Text: r.FormValue("q"),
		})
		if reply.Card != nil {
			fmt.Fprintf(w, "%s, %s\n", c.greeting, reply.Card.Title)
			return
		}
		fmt.Fprintln(w, reply.Notice)
	})
	svc := platform.Service{
		Routes: map[string]http.Handler{"POST /echo/ask": ask},
		Run: func(ctx context.Context) error {
			// A connection that dropped once and a delivery seen twice,
			// reported as a gateway or Socket Mode adapter would.
			core.Observer.ObserveReconnect(c.e.Name(), "closed")
			core.Observer.ObserveDuplicate(c.e.Name(), "envelope")
			close(c.e.ran)
			<-ctx.Done()
			close(c.e.stopped)
			return nil
		},
	}
	if !c.e.noPoster {
		svc.Poster = c.e
	}
	return svc, nil
}

func (e *echo) Post(ctx context.Context, team, channel, key string, r bot.Reply) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.posts = append(e.posts, channel+" "+key+" "+r.Prompt.Title)
	return fmt.Sprintf("m-%d", len(e.posts)), nil
}

func (e *echo) Find(ctx context.Context, team, channel, key string) (string, error) {
	return "", nil
}

func (e *echo) posted() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.posts...)
}

const echoConfigFile = `http: {addr: "127.0.0.1:0"}
state: {dir: %q}
echo:
  enabled: true
  greeting: Ahoy
reading:
  schedules:
    - {platform: echo, channel: E-1, cron: "0 18 * * 2"}
autolink:
  enabled: true
  channels: [{platform: echo, channel: E-1}]
`

// A platform plugs in through the contract alone: listed beside the
// others, it is configured from its own section, serves its route, runs
// beside the HTTP server until refbot stops, and posts its channel's
// scheduled reading.
func TestContractTestPlatform(t *testing.T) {
	e := newEcho()
	ps := append(platforms(), e)
	path := writeConfig(t, fmt.Sprintf(echoConfigFile, t.TempDir()))
	cfg, err := loadConfig(path, env(map[string]string{"ECHO_TOKEN": "secret"}), ps)
	if err != nil {
		t.Fatal(err)
	}
	// Tuesday, a second before the schedule's 18:00.
	clock := bottest.NewClock(time.Date(2026, 3, 3, 17, 59, 59, 0, time.UTC))
	cfg.clock = clock
	addr, log, stop := startServe(t, cfg)
	recv(t, e.ran, "the platform's runner")

	res, err := http.PostForm("http://"+addr+"/echo/ask", url.Values{"q": {"mesa optimisation"}, "channel": {"E-1"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "Ahoy, Mesa-Optimization\n" {
		t.Errorf("POST /echo/ask = %d %q, want the card's title with the configured greeting", res.StatusCode, body)
	}
	_, metrics := get(t, "http://"+addr+"/metrics")
	for _, want := range []string{
		`refbot_requests_total{kind="command",outcome="ok",platform="echo"} 1`,
		`refbot_reconnects_total{platform="echo",reason="closed"} 1`,
		`refbot_duplicates_total{kind="envelope",platform="echo"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	recv(t, clock.Waiting(), "the scheduler to sleep")
	clock.Set(time.Date(2026, 3, 3, 18, 0, 0, 0, time.UTC))
	waitFor(t, "the scheduled post", func() bool { return len(e.posted()) > 0 })
	if got := e.posted(); len(got) != 1 || !strings.HasPrefix(got[0], "E-1 refbot/reading/echo/E-1/ai-safety-fundamentals/cron/") {
		t.Errorf("posts = %q, want step 1 in E-1", got)
	}

	if err := stop(); err != nil {
		t.Errorf("serve = %v", err)
	}
	recv(t, e.stopped, "the runner to stop")
	if !strings.Contains(log.String(), "platforms=[echo]") {
		t.Errorf("the log does not name the enabled platform:\n%s", log)
	}
}

// The contract's checks name the platform's keys: its own section, its
// channel ids in reading.schedules and autolink.channels, and whether it
// can post.
func TestContractTestPlatformConfig(t *testing.T) {
	tests := []struct {
		name, file string
		env        map[string]string
		want       []string
	}{
		{"its own check", "echo: {enabled: true}\n", nil, []string{"echo.token: missing; set ECHO_TOKEN"}},
		{"unknown key in its section", "echo:\n  enabled: true\n  greting: hi\n", nil, []string{`:3: echo.greting: unknown field (did you mean "greeting"?)`}},
		{"its channel ids", "echo: {enabled: true}\nreading:\n  schedules: [{platform: echo, channel: C0123ABCD, cron: \"0 18 * * 2\"}]\nautolink:\n  enabled: true\n  channels: [{platform: echo, channel: \"#x\"}]\n",
			map[string]string{"ECHO_TOKEN": "t"}, []string{`reading.schedules[0].channel: "C0123ABCD" is not an echo channel id`, `autolink.channels[0].channel: "#x" is not an echo channel id`}},
		{"switched off", "reading:\n  schedules: [{platform: echo, channel: E-1, cron: \"0 18 * * 2\"}]\n", nil,
			[]string{"reading.schedules[0].platform: echo is not enabled; set echo.enabled: true"}},
		{"a name it does not have", "reading:\n  schedules: [{platform: teams, channel: E-1, cron: \"0 18 * * 2\"}]\n", nil,
			[]string{`reading.schedules[0].platform: "teams" must be ` + platformSet{ps: append(platforms(), newEcho())}.choice()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadConfig(writeConfig(t, tc.file), env(tc.env), append(platforms(), newEcho()))
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want %q", err, w)
				}
			}
		})
	}

	// A platform without a poster cannot take reading.schedules.
	e := newEcho()
	e.noPoster = true
	path := writeConfig(t, fmt.Sprintf(echoConfigFile, t.TempDir()))
	cfg, err := loadConfig(path, env(map[string]string{"ECHO_TOKEN": "t"}), append(platforms(), e))
	if err != nil {
		t.Fatal(err)
	}
	err = serve(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
	if want := "reading.schedules[0].platform: echo cannot post scheduled messages"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("serve = %v, want %q", err, want)
	}
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}
