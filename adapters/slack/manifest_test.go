package slack

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"refbot/bot"
)

func TestManifest(t *testing.T) {
	cmds := bot.New(testGlossary(t), bot.Config{}).Commands()
	tests := []struct {
		name   string
		opt    ManifestOptions
		golden string
	}{
		{"http", ManifestOptions{URL: "https://refbot.example.org"}, "manifest-http.json"},
		{"http with path", ManifestOptions{URL: "https://refbot.example.org/slack/events"}, "manifest-http.json"},
		{"socket", ManifestOptions{Socket: true}, "manifest-socket.json"},
		{"oauth", ManifestOptions{URL: "https://refbot.example.org", OAuth: true}, "manifest-oauth.json"},
		{"oauth from the events URL", ManifestOptions{URL: "https://refbot.example.org/slack/events", OAuth: true}, "manifest-oauth.json"},
		{"oauth, socket", ManifestOptions{URL: "https://refbot.example.org", OAuth: true, Socket: true}, "manifest-oauth-socket.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Manifest(cmds, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.golden, out)
			var m map[string]any
			if err := json.Unmarshal(out, &m); err != nil {
				t.Fatal(err)
			}
			s := string(out)
			for _, want := range []string{`"/define"`, `"/refbot"`, `"app_mention"`, `"commands"`, `"chat:write"`, `"app_mentions:read"`} {
				if !strings.Contains(s, want) {
					t.Errorf("manifest lacks %s", want)
				}
			}
			// Every command of the core is named in /refbot's usage hint.
			var hint string
			for _, sc := range m["features"].(map[string]any)["slash_commands"].([]any) {
				if c := sc.(map[string]any); c["command"] == "/refbot" {
					hint, _ = c["usage_hint"].(string)
				}
			}
			if n := len([]rune(hint)); n > 100 {
				t.Errorf("/refbot's usage hint is %d characters; Slack takes 100", n)
			}
			for _, c := range cmds {
				if !slices.Contains(strings.Split(hint, " | "), c.Name) && !strings.Contains(hint, c.Usage(func(n string) string { return n })) {
					t.Errorf("/refbot's usage hint %q does not name %q", hint, c.Name)
				}
			}
			if tt.opt.Socket == strings.Contains(s, "/slack/events") {
				t.Errorf("socket=%v but request URLs present=%v", tt.opt.Socket, !tt.opt.Socket)
			}
			redirect := strings.Contains(s, `"redirect_urls": [
      "https://refbot.example.org/slack/oauth_redirect"
    ]`)
			uninstall := strings.Contains(s, `"app_uninstalled"`) && strings.Contains(s, `"tokens_revoked"`)
			if redirect != tt.opt.OAuth || uninstall != tt.opt.OAuth {
				t.Errorf("oauth=%v but redirect URL %v, uninstall events %v", tt.opt.OAuth, redirect, uninstall)
			}
		})
	}
}

func TestManifestScopesJustified(t *testing.T) {
	for scope, why := range Scopes() {
		if why == "" {
			t.Errorf("scope %s has no reason", scope)
		}
	}
}

// --socket with --url is a usage error, not a silently ignored URL
// (issue 12.13).
func TestManifestSocketWithURL(t *testing.T) {
	if _, err := Manifest(nil, ManifestOptions{Socket: true, URL: "https://refbot.example.org"}); err == nil || !strings.Contains(err.Error(), "--socket needs no --url") {
		t.Errorf("err = %v, want a usage error", err)
	}
}

func TestManifestBadURL(t *testing.T) {
	for _, u := range []string{"", "http://refbot.example.org", "refbot.example.org", "https://", "::"} {
		if _, err := Manifest(nil, ManifestOptions{URL: u}); err == nil {
			t.Errorf("URL %q accepted", u)
		} else if !strings.Contains(err.Error(), "--url") {
			t.Errorf("URL %q: error %q does not say which flag to fix", u, err)
		}
		// Socket Mode needs no URL, but OAuth's redirect does.
		if _, err := Manifest(nil, ManifestOptions{URL: u, Socket: true, OAuth: true}); err == nil || !strings.Contains(err.Error(), "--url") {
			t.Errorf("--socket --oauth with URL %q: %v", u, err)
		}
	}
}
