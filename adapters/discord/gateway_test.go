package discord

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

func TestRegisterCommands(t *testing.T) {
	tests := []struct {
		name      string
		guilds    []string
		wantPaths []string
	}{
		{"global", nil, []string{"/api/v9/applications/" + testApp + "/commands"}},
		{"per guild", []string{"111", "222"}, []string{
			"/api/v9/applications/" + testApp + "/guilds/111/commands",
			"/api/v9/applications/" + testApp + "/guilds/222/commands",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			api.limited = 1 // the first call is rate limited and waited out
			a := newAdapter(t, api, func(c *Config) { c.RegisterCommands, c.GuildIDs = true, tt.guilds })
			if err := a.Register(context.Background()); err != nil {
				t.Fatal(err)
			}
			calls := api.Calls()
			if len(calls) != len(tt.wantPaths) {
				t.Fatalf("calls = %v, want %v", calls, tt.wantPaths)
			}
			for i, c := range calls {
				if c.Method != "PUT" || c.Path != tt.wantPaths[i] {
					t.Errorf("call %d = %s %s, want PUT %s", i, c.Method, c.Path, tt.wantPaths[i])
				}
				var got []map[string]any
				if err := json.Unmarshal(c.Body, &got); err != nil {
					t.Fatal(err)
				}
				names := make([]string, len(got))
				for j, g := range got {
					names[j] = g["name"].(string)
				}
				var want []string // the command table, in its order
				for _, c := range newBot(t).Commands() {
					want = append(want, c.Name)
				}
				if strings.Join(names, ",") != strings.Join(want, ",") {
					t.Errorf("registered %v, want the command table %v", names, want)
				}
				def := got[0]["options"].([]any)[0].(map[string]any)
				if def["autocomplete"] != true || def["required"] != true || def["name"] != "term" {
					t.Errorf("/define option = %v, want required term with autocomplete", def)
				}
			}
		})
	}
}

func TestRegisterOffDoesNothing(t *testing.T) {
	api := newFakeAPI(t)
	a := newAdapter(t, api, nil)
	if err := a.Register(context.Background()); err != nil || len(api.Calls()) != 0 {
		t.Fatalf("err %v, calls %v", err, api.Calls())
	}
}

func TestRateLimitWaitIsBounded(t *testing.T) {
	api := newFakeAPI(t)
	api.limited = 1 << 30
	a := newAdapter(t, api, func(c *Config) { c.RegisterCommands, c.MaxRateLimitWait = true, 50*time.Millisecond })
	err := a.Register(context.Background())
	var rl *discordgo.RateLimitError
	if !errors.As(err, &rl) || !strings.Contains(err.Error(), "bound") {
		t.Fatalf("err = %v, want a bounded rate-limit error", err)
	}
}

func TestRegisterRefusedToken(t *testing.T) {
	api := newFakeAPI(t)
	a := newAdapter(t, api, func(c *Config) { c.RegisterCommands, c.Token = true, "wrong" })
	err := a.Register(context.Background())
	if err == nil || !strings.Contains(err.Error(), "bot token") {
		t.Fatalf("err = %v, want advice about the token", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("the error shows the token: %v", err)
	}
}

// runGateway runs the adapter's gateway against api until the test ends.
// done receives Run's result once.
func runGateway(t testing.TB, a *Adapter) (cancel func(), done <-chan error) {
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		errc <- a.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return cancel, errc
}

func TestGatewayAnswersACommand(t *testing.T) {
	api := newFakeAPI(t)
	api.dispatch = interaction(2, commandData("define", stringOpt("term", "corrigability", false)))
	a := newAdapter(t, api, func(c *Config) {
		c.RegisterCommands, c.GuildIDs = true, []string{"111"}
		c.ShardID, c.ShardCount = 1, 2
	})
	cancel, done := runGateway(t, a)

	id := <-api.identify
	if id.D.Intents != 0 {
		t.Errorf("identify intents = %d, want 0 (interactions need none)", id.D.Intents)
	}
	if id.D.Shard == nil || *id.D.Shard != [2]int{1, 2} {
		t.Errorf("identify shard = %v, want [1 2]", id.D.Shard)
	}
	if id.D.Token != "Bot test-token" {
		t.Errorf("identify token not the bot token")
	}
	api.waitCall(t, "/guilds/111/commands")
	cb := api.waitCall(t, "/interactions/2000000000000000002/interaction-token-secret/callback")
	r := checkPayload(t, cb.Body)
	if r.Type != 4 || len(r.Data.Embeds) != 1 || !strings.Contains(r.Data.Embeds[0].Title, "Corrigibility") {
		t.Errorf("callback = %s, want the Corrigibility card", cb.Body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil after cancel", err)
	}
}

func TestGatewayStopsOnDisallowedIntent(t *testing.T) {
	api := newFakeAPI(t)
	api.closing = 4014
	a := newAdapter(t, api, func(c *Config) { c.MessageContent = true })
	_, done := runGateway(t, a)
	id := <-api.identify
	if want := int(discordgo.IntentsGuildMessages | discordgo.IntentMessageContent); id.D.Intents != want {
		t.Errorf("intents = %d, want %d", id.D.Intents, want)
	}
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "4014") || !strings.Contains(err.Error(), "Privileged Gateway Intents > Message Content Intent") {
			t.Fatalf("Run = %v, want the 4014 advice", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run kept retrying after 4014")
	}
}

// Over the gateway too, an autocomplete result is exactly type 8 and its
// choices, [] when nothing matches (issue 12.6).
func TestGatewayAutocomplete(t *testing.T) {
	api := newFakeAPI(t)
	a := newAdapter(t, api, nil)
	for n, typed := range []string{"mesa", "zzzzqqqq"} {
		var i discordgo.Interaction
		if err := json.Unmarshal(interaction(4, commandData("define", stringOpt("term", typed, true))), &i); err != nil {
			t.Fatal(err)
		}
		i.ID += strconv.Itoa(n) // one interaction each: a repeated id is a redelivery
		a.gatewayInteraction(context.Background(), &i)
	}
	calls := api.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d callbacks, want 2", len(calls))
	}
	for _, c := range calls {
		checkPayload(t, c.Body)
	}
	if !strings.HasPrefix(string(calls[0].Body), `{"type":8,"data":{"choices":[{"name":`) || string(calls[1].Body) != `{"type":8,"data":{"choices":[]}}` {
		t.Errorf("callbacks %s and %s", calls[0].Body, calls[1].Body)
	}
}
