package slack_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"

	"refbot/adapters/platform"
	"refbot/adapters/slack"
	"refbot/bot"
	"refbot/glossary"
	"refbot/glossary/data"
)

// A signed /define request served by the adapter's HTTP handler: the reply
// is the ephemeral card, in the response body.
func Example() {
	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		panic(err)
	}
	const secret = "signing-secret"
	// Started as refbot serve starts it: through the platform contract.
	svc, err := slack.Config{BotToken: "xoxb-example", SigningSecret: secret}.Start(platform.Core{Bot: bot.New(g, bot.Config{})})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	for pattern, h := range svc.Routes {
		mux.Handle(pattern, h)
	}

	body := url.Values{"command": {"/define"}, "text": {"mesa optimisation"}, "user_id": {"U1"}, "channel_id": {"C1"}}.Encode()
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	req := httptest.NewRequest(http.MethodPost, slack.Path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", stamp)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))

	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)
	var reply struct {
		ResponseType string `json:"response_type"`
		Blocks       []struct {
			Type string `json:"type"`
			Text struct {
				Text string `json:"text"`
			} `json:"text"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &reply); err != nil {
		panic(err)
	}
	fmt.Println(w.Code, reply.ResponseType, reply.Blocks[0].Type, reply.Blocks[0].Text.Text)
	// Output: 200 ephemeral header Mesa-Optimization
}

// The app manifest a workspace admin pastes into api.slack.com.
func ExampleManifest() {
	g, _ := glossary.New(nil, nil)
	out, err := slack.Manifest(bot.New(g, bot.Config{}).Commands(), slack.ManifestOptions{URL: "https://refbot.example.org"})
	if err != nil {
		panic(err)
	}
	var m struct {
		Features struct {
			SlashCommands []struct {
				Command string `json:"command"`
				URL     string `json:"url"`
			} `json:"slash_commands"`
		} `json:"features"`
	}
	_ = json.Unmarshal(out, &m)
	for _, c := range m.Features.SlashCommands {
		fmt.Println(c.Command, c.URL)
	}
	// Output:
	// /define https://refbot.example.org/slack/events
	// /refbot https://refbot.example.org/slack/events
}
