package platform_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"refbot/adapters/platform"
	"refbot/bot"
	"refbot/glossary"
)

// hello is the smallest platform: a "hello" section with one key, channel
// ids that start with "h-", and one route that asks the core.
type hello struct{}

func (hello) Name() string { return "hello" }

func (hello) CheckChannel(id string) error {
	if !strings.HasPrefix(id, "h-") {
		return fmt.Errorf("%q is not a hello channel id (like h-1)", id)
	}
	return nil
}

func (hello) Section() platform.Section { return &helloSection{Enabled: true} }

func (hello) Tools() []platform.Tool { return nil }

type helloSection struct {
	Enabled bool `yaml:"enabled"`
}

func (s *helloSection) Compile(getenv func(string) string) (platform.Config, error) {
	if !s.Enabled {
		return nil, nil
	}
	return helloConfig{}, nil
}

type helloConfig struct{}

func (helloConfig) Start(core platform.Core) (platform.Service, error) {
	ask := func(w http.ResponseWriter, r *http.Request) {
		reply := core.Bot.Answer(r.Context(), bot.Request{
			Platform: "hello", Kind: bot.Command, Command: bot.CommandDefine, Text: r.URL.Query().Get("q"),
		})
		if reply.Card != nil {
			fmt.Fprint(w, reply.Card.Title)
		}
	}
	return platform.Service{Routes: map[string]http.Handler{"GET /hello": http.HandlerFunc(ask)}}, nil
}

// A platform's life in refbot serve: its section is compiled once, then
// started on the core; its routes join the one HTTP server.
func Example() {
	g, err := glossary.New([]glossary.Entry{{
		ID: "corrigibility", Title: "Corrigibility",
		Summary: "Corrigibility is the property of an AI system that lets its overseers correct it.",
		Sources: []glossary.Source{{Title: "Corrigibility", URL: "https://intelligence.org/files/Corrigibility.pdf"}},
	}}, nil)
	if err != nil {
		panic(err)
	}
	var p platform.Platform = hello{}
	cfg, err := p.Section().Compile(func(string) string { return "" })
	if err != nil {
		panic(err)
	}
	svc, err := cfg.Start(platform.Core{Bot: bot.New(g, bot.Config{})})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	for pattern, h := range svc.Routes {
		mux.Handle(pattern, h)
	}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequestWithContext(context.Background(), "GET", "/hello?q=corrigibility", nil))
	fmt.Println(w.Body.String())
	fmt.Println(p.CheckChannel("general"))
	// Output:
	// Corrigibility
	// "general" is not a hello channel id (like h-1)
}
