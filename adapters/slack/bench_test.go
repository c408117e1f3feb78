package slack

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/socketmode"

	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/glossary"
	"refbot/glossary/data"
)

// benchAdapter serves the embedded default glossary.
func benchAdapter(tb testing.TB) *Adapter {
	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		tb.Fatal(err)
	}
	a := New(bot.New(g, bot.Config{}), Config{BotToken: testBotToken, SigningSecret: testSecret}, nil)
	return a
}

// BenchmarkDefineHTTP is one signed /define through the HTTP handler:
// read the capped body, verify the signature, parse, look up, render,
// write the JSON reply.
func BenchmarkDefineHTTP(b *testing.B) {
	benchHandler(b, benchAdapter(b), []byte(slash("/define", "mesa optimisation", "https://hooks.slack.com/commands/T1/2/x")))
}

// benchHandler sends body, signed, through h once per iteration.
func benchHandler(b *testing.B, h http.Handler, body []byte) {
	tmpl := signed(testSecret, formType, string(body))
	b.ReportAllocs()
	defer bottest.ReportCPU(b)()
	for b.Loop() {
		r := tmpl.Clone(context.Background())
		r.Body = io.NopCloser(bytes.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkDefineCore is the core's share of it: bot.Handle alone.
func BenchmarkDefineCore(b *testing.B) {
	a := benchAdapter(b)
	req := bot.Request{Platform: "slack", Kind: bot.Command, Command: "define", Text: "mesa optimisation"}
	b.ReportAllocs()
	defer bottest.ReportCPU(b)()
	for b.Loop() {
		if _, err := a.bot.Handle(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderCard is the Block Kit rendering of the card alone.
func BenchmarkRenderCard(b *testing.B) {
	a := benchAdapter(b)
	r, _ := a.bot.Handle(context.Background(), bot.Request{Kind: bot.Command, Command: "define", Text: "mesa optimisation"})
	b.ReportAllocs()
	defer bottest.ReportCPU(b)()
	for b.Loop() {
		render(r, renderOptions{controls: true})
	}
}

// BenchmarkWorkspace is what OAuth mode adds to a request: finding the
// workspace's client and identity. "cached" is the path every request
// takes within a minute of the last; "store" reads the installation,
// opens its sealed token (AES-GCM) and builds a client each time, as a
// request would without the cache; "single" is one bot token.
func BenchmarkWorkspace(b *testing.B) {
	store := bot.NewMemoryInstallations()
	keys, err := parseKeys(testKey, "")
	if err != nil {
		b.Fatal(err)
	}
	a := New(bot.New(nil, bot.Config{}), Config{SigningSecret: testSecret, OAuth: &OAuthConfig{Store: store, keys: keys}}, nil)
	in := bot.Installation{Platform: platformName, Team: "T1", BotUser: "U1", BotID: "B1"}
	if err := a.installs.save(context.Background(), &in, credentials{BotToken: "xoxb-bench"}, "bench"); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.workspace(ctx, "T1"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("store", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a.installs.forget("T1")
			if _, err := a.workspace(ctx, "T1"); err != nil {
				b.Fatal(err)
			}
		}
	})
	single := New(bot.New(nil, bot.Config{}), Config{BotToken: testBotToken, SigningSecret: testSecret}, nil)
	b.Run("single", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := single.workspace(ctx, "T1"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSocketModeFlapping: for 20 s Slack drops every Socket Mode
// socket right after its hello. It reports how many sockets were asked
// for (apps.connections.open calls, opens/op) with refbot's connection at
// its default timings, beside slack-go's own Socket Mode client, which
// resets its backoff on every successful connect. Each op is one 20 s
// window; run it alone:
// go test ./adapters/slack -run XXX -bench SocketModeFlapping -benchtime 1x -count 3
func BenchmarkSocketModeFlapping(b *testing.B) {
	const window = 20 * time.Second
	flapping := func(e *env) { e.api.socketPlan = func(int) socketPlan { return socketPlan{drop: true} } }
	measure := func(b *testing.B, run func(ctx context.Context, e *env)) {
		var opens int32
		for b.Loop() {
			e := newEnvConfig(b, ModeSocket, false, bot.Config{}, nil, flapping)
			ctx, cancel := context.WithTimeout(b.Context(), window)
			run(ctx, e)
			cancel()
			opens += e.api.opens.Load()
		}
		b.ReportMetric(float64(opens)/float64(b.N), "opens/op")
		b.ReportMetric(0, "ns/op") // each op is the same 20 s
	}
	b.Run("refbot", func(b *testing.B) {
		measure(b, func(ctx context.Context, e *env) {
			if err := e.a.Run(ctx); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("slack-go-baseline", func(b *testing.B) {
		measure(b, func(ctx context.Context, e *env) {
			c := socketmode.New(e.a.api)
			stopped := make(chan struct{})
			var drain sync.WaitGroup
			drain.Go(func() { // nothing is answered; only opens count
				for {
					select {
					case <-c.Events:
					case <-stopped:
						return
					}
				}
			})
			c.RunContext(ctx)
			close(stopped)
			drain.Wait()
		})
	})
}
