package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"refbot/adapters/platform"
	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/bot/sqlite"
)

// OAuth mode against the fakes: a browser (an http.Client with a cookie
// jar, over TLS as installers' browsers are) goes through the real install
// page and redirect handler; Slack's side is the fake Web API, which
// accepts only the tokens it issued and records which token each call
// carried.

// Two keys for REFBOT_SECRET_KEY: 32 bytes each, in base64.
const (
	testKey  = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	testKey2 = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
)

var (
	teamA = fakeTeam{ID: "TAAA1", Name: "Alignment Readers", BotUser: "UBOTA", BotID: "BBOTA"}
	teamB = fakeTeam{ID: "TBBB2", Name: "Interpretability Club", BotUser: "UBOTB", BotID: "BBOTB"}
)

// oauthEnv is refbot's Slack side in OAuth mode: the routes Start returns,
// served over TLS at its public URL, on a state store and a clock tests
// move.
type oauthEnv struct {
	env
	srv   *httptest.Server
	mux   *http.ServeMux
	clock *bottest.Clock
	store InstallStore
}

// startOAuth configures Slack in OAuth mode through Section.Compile and
// Config.Start, as refbot serve does, on api and store; key and old are
// REFBOT_SECRET_KEY and REFBOT_SECRET_KEY_OLD. Queued posts stay in the
// outbox until flush.
func startOAuth(t testing.TB, api *fakeAPI, store InstallStore, clock *bottest.Clock, key, old string) *oauthEnv {
	t.Helper()
	return startOAuthMode(t, ModeHTTP, api, store, clock, key, old)
}

// startOAuthMode is startOAuth with the transport mode.
func startOAuthMode(t testing.TB, mode string, api *fakeAPI, store InstallStore, clock *bottest.Clock, key, old string) *oauthEnv {
	t.Helper()
	return startOAuthCore(t, mode, api, store, clock, key, old, bot.Config{})
}

// startOAuthCore is startOAuthMode with the core's curation settings
// taken from core (its CurationStore and Curation).
func startOAuthCore(t testing.TB, mode string, api *fakeAPI, store InstallStore, clock *bottest.Clock, key, old string, core bot.Config) *oauthEnv {
	t.Helper()
	e := &oauthEnv{env: env{api: api, hooks: newFakeHooks(t), logs: &bottest.Buffer{}}, clock: clock, store: store}
	var handler atomic.Pointer[http.ServeMux]
	e.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.Load().ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	api.auth.mu.Lock()
	api.auth.redirect = e.srv.URL + RedirectPath
	api.auth.mu.Unlock()

	sec := Platform{}.Section().(*Section)
	sec.Enabled, sec.Mode, sec.APIURL = true, mode, api.srv.URL+"/"
	if mode == ModeSocket {
		sec.AppToken = testAppToken
	} else {
		sec.SigningSecret = testSecret
	}
	sec.OAuth = OAuthSection{Enabled: true, ClientID: fakeClientID, ClientSecret: fakeClientSecret, PublicURL: e.srv.URL + "/"}
	pc, err := sec.Compile(getenv(map[string]string{EnvSecretKey: key, EnvSecretKeyOld: old}))
	if err != nil {
		t.Fatal(err)
	}
	cfg := pc.(Config)
	cfg.OAuth.Now = clock.Now
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// Auto-linking is on in channels CA1…CA5 (workspace A's) and
	// CB1…CB5 (B's): a round of checks per channel stays clear of the
	// previous round's cooldowns.
	var channels []bot.AutolinkChannel
	for _, ch := range []string{"CA", "CB"} {
		for i := range 5 {
			channels = append(channels, bot.AutolinkChannel{Platform: platformName, Channel: fmt.Sprint(ch, i+1), Mode: bot.AutolinkDigest})
		}
	}
	b := bot.New(testGlossary(t), bot.Config{Clock: clock, Autolink: bot.AutolinkConfig{Enabled: true, Channels: channels},
		Curation: core.Curation, CurationStore: core.CurationStore})
	svc, err := cfg.Start(platform.Core{Bot: b, Log: log, State: store})
	if err != nil {
		t.Fatal(err)
	}
	e.mux = http.NewServeMux()
	for pattern, h := range svc.Routes {
		e.mux.Handle(pattern, h)
	}
	handler.Store(e.mux)
	e.a = svc.Poster.(*Adapter)
	if err := e.a.startOAuth(t.Context()); err != nil {
		t.Fatal(err)
	}
	return e
}

func newClock() *bottest.Clock { return bottest.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)) }

// browser is a person's browser: cookies kept, redirects not followed
// (the test plays Slack's part).
func (e *oauthEnv) browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: e.srv.Client().Transport, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

var addToSlack = regexp.MustCompile(`href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"`)

// openInstallPage opens /slack/install in c and returns the Add to Slack
// link's query.
func (e *oauthEnv) openInstallPage(t *testing.T, c *http.Client) url.Values {
	t.Helper()
	res, body := get(t, c, e.srv.URL+InstallPath)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("install page: %s\n%s", res.Status, body)
	}
	m := addToSlack.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("install page has no Add to Slack link:\n%s", body)
	}
	u, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// slackRedirect plays Slack sending the browser back with q.
func (e *oauthEnv) slackRedirect(t *testing.T, c *http.Client, q url.Values) (int, string) {
	t.Helper()
	res, body := get(t, c, e.srv.URL+RedirectPath+"?"+q.Encode())
	return res.StatusCode, body
}

// install takes a browser through the whole flow for g's workspace.
func (e *oauthEnv) install(t *testing.T, g fakeGrant) {
	t.Helper()
	c := e.browser(t)
	link := e.openInstallPage(t, c)
	code := e.api.grant(g)
	status, body := e.slackRedirect(t, c, url.Values{"code": {code}, "state": {link.Get("state")}})
	if status != http.StatusOK || !strings.Contains(body, "refbot is installed in "+html.EscapeString(g.team.Name)) {
		t.Fatalf("installing %s: %d\n%s", g.team.ID, status, body)
	}
}

// svcRoutes are the patterns refbot serves for this configuration.
func (e *oauthEnv) svcRoutes() map[string]bool {
	out := map[string]bool{}
	for _, p := range []string{"POST " + Path, "GET " + InstallPath, "GET " + RedirectPath} {
		if _, pattern := e.mux.Handler(httptest.NewRequest(strings.Fields(p)[0], strings.Fields(p)[1], nil)); pattern == p {
			out[p] = true
		}
	}
	return out
}

// serve runs one request through refbot's routes.
func (e *oauthEnv) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	return w
}

// event delivers an Events API callback from team and returns what it
// posted.
func (e *oauthEnv) event(t *testing.T, team fakeTeam, id string, inner map[string]any) []url.Values {
	t.Helper()
	if w := e.serve(signed(testSecret, jsonType, eventFrom(team, id, inner))); w.Code != http.StatusOK {
		t.Fatalf("event %s from %s: %d %s", id, team.ID, w.Code, w.Body)
	}
	return flush(t, &e.env)
}

// answersWithOwnToken checks that the workspace's mentions, auto-links and
// admin check are answered with its own token.
func (e *oauthEnv) answersWithOwnToken(t *testing.T, team fakeTeam, channel, round string) {
	t.Helper()
	token := e.api.tokenOf(team.ID)
	if token == "" {
		t.Fatalf("the fake has no token for %s", team.ID)
	}
	posts := e.event(t, team, "EvM"+round+team.ID, map[string]any{
		"type": "app_mention", "user": "U1", "text": "<@" + team.BotUser + "> define inner alignment",
		"ts": "1700000000.000100", "channel": channel, "event_ts": "1700000000.000100",
	})
	if len(posts) != 1 || posts[0].Get("_method") != "chat.postMessage" || posts[0].Get("_token") != token || !strings.Contains(posts[0].Get("blocks"), "Inner Alignment") {
		t.Fatalf("%s: @refbot define: posted %v, want one card posted with %s's token", team.ID, posts, team.ID)
	}
	posts = e.event(t, team, "EvL"+round+team.ID, messageEvent(channel, "U1", "isn't this just deceptive alignment?", "1700000000.000200", nil))
	if len(posts) != 1 || posts[0].Get("_token") != token || !strings.Contains(posts[0].Get("blocks"), "Deceptive Alignment") {
		t.Fatalf("%s: auto-link: posted %v, want one digest posted with %s's token", team.ID, posts, team.ID)
	}
	before := len(e.api.callsWith(token))
	w := e.serve(signed(testSecret, formType, slashFrom(team.ID, "C3"+team.ID, testAdmin, "/refbot", "autolink on", e.hooks.url())))
	if !strings.Contains(w.Body.String(), "Auto-linking is on in this channel") {
		t.Fatalf("%s: /refbot autolink on by an admin: %s", team.ID, w.Body)
	}
	if calls := e.api.callsWith(token)[before:]; !slices.Equal(calls, []string{"users.info"}) {
		t.Errorf("%s: the admin check made calls %v with the workspace's token, want users.info", team.ID, calls)
	}
	// A slash command is answered in the HTTP response: no token needed.
	w = e.serve(signed(testSecret, formType, slashFrom(team.ID, channel, "U1", "/define", "mesa optimisation", e.hooks.url())))
	if !strings.Contains(w.Body.String(), "Mesa-Optimization") {
		t.Errorf("%s: /define: %s", team.ID, w.Body)
	}
}

// The scenario: two workspaces install refbot through the real
// pages; each is answered with its own token; one uninstalls and the
// other carries on; a restart keeps what is installed; the database file
// holds no token in clear text.
func TestOAuthTwoWorkspaces(t *testing.T) {
	dir := t.TempDir()
	api := newFakeAPI(t)
	clock := newClock()
	store := openSQLite(t, dir)
	e := startOAuth(t, api, store, clock, testKey, "")

	e.install(t, fakeGrant{team: teamA, installer: "UALICE"})
	e.install(t, fakeGrant{team: teamB, installer: "UBOB", expiresIn: 12 * 60 * 60})
	if n := api.exchanges(); n != 2 {
		t.Fatalf("oauth.v2.access traded %d codes, want 2", n)
	}
	list, err := store.Installations(t.Context(), platformName)
	if err != nil || len(list) != 2 || list[0].Team != teamA.ID || list[0].BotID != teamA.BotID || list[0].Installer != "UALICE" ||
		list[1].Team != teamB.ID || list[1].ExpiresAt.IsZero() || !slices.Contains(list[1].Scopes, "commands") {
		t.Fatalf("installations = %+v, %v", list, err)
	}
	e.answersWithOwnToken(t, teamA, "CA1", "1")
	e.answersWithOwnToken(t, teamB, "CB1", "1")

	// A scheduled reading names its workspace.
	r, _ := e.a.bot.StepReply("ai-safety-fundamentals", 0)
	if _, err := e.a.Post(t.Context(), teamB.ID, "CB1", "refbot/reading/test", r); err != nil {
		t.Fatal(err)
	}
	for _, p := range flush(t, &e.env) {
		if p.Get("_token") != api.tokenOf(teamB.ID) {
			t.Errorf("the scheduled prompt posted with token %q, want workspace B's", p.Get("_token"))
		}
	}
	if id, err := e.a.Find(t.Context(), teamB.ID, "CB1", "refbot/reading/test"); err != nil || id == "" {
		t.Errorf("Find in workspace B = %q, %v; want the prompt", id, err)
	}
	if _, err := e.a.Post(t.Context(), "TNOWHERE", "CB1", "k", r); err == nil || !strings.Contains(err.Error(), "refbot slack installations") {
		t.Errorf("posting to a workspace with no installation: %v, want advice", err)
	}

	// Workspace A uninstalls: its tokens go at once, B carries on.
	oldA := api.tokenOf(teamA.ID)
	if posts := e.event(t, teamA, "EvUninstall", map[string]any{"type": "app_uninstalled"}); len(posts) != 0 {
		t.Fatalf("uninstalling posted %v", posts)
	}
	if _, ok, _ := store.Installation(t.Context(), platformName, teamA.ID); ok {
		t.Fatal("workspace A's installation is still stored after app_uninstalled")
	}
	callsA := len(api.callsWith(oldA))
	logsBefore := strings.Count(e.logs.String(), "not installed")
	if posts := e.event(t, teamA, "EvAfter", mentionEvent("<@UBOTA> define inner alignment", "1700000000.000300", "")); len(posts) != 0 {
		t.Errorf("an event from the uninstalled workspace posted %v", posts)
	}
	if n := strings.Count(e.logs.String(), "not installed") - logsBefore; n != 1 {
		t.Errorf("the ignored event logged %d lines about it, want 1:\n%s", n, e.logs)
	}
	if n := len(api.callsWith(oldA)); n != callsA {
		t.Errorf("workspace A's old token was used %d more times after the uninstall", n-callsA)
	}
	w := e.serve(signed(testSecret, formType, slashFrom(teamA.ID, "CA1", "U1", "/define", "mesa", e.hooks.url())))
	if !strings.Contains(w.Body.String(), "not installed in this workspace") || !strings.Contains(w.Body.String(), e.srv.URL+InstallPath) {
		t.Errorf("/define from the uninstalled workspace: %s, want where to install", w.Body)
	}
	e.answersWithOwnToken(t, teamB, "CB2", "2")

	// Restart: a new process on the same file finds B, and A installs again.
	store.Close()
	store = openSQLite(t, dir)
	e = startOAuth(t, api, store, clock, testKey, "")
	e.answersWithOwnToken(t, teamB, "CB3", "3")
	e.install(t, fakeGrant{team: teamA, installer: "UALICE"})
	e.answersWithOwnToken(t, teamA, "CA2", "3")

	// tokens_revoked for B's bot deletes B; a revoked user token does not.
	e.event(t, teamB, "EvRevokeUser", map[string]any{"type": "tokens_revoked", "tokens": map[string]any{"oauth": []string{"U1"}}})
	if _, ok, _ := store.Installation(t.Context(), platformName, teamB.ID); !ok {
		t.Fatal("revoking a user token deleted the installation")
	}
	e.event(t, teamB, "EvRevokeBot", map[string]any{"type": "tokens_revoked", "tokens": map[string]any{"bot": []string{teamB.BotUser}}})
	if _, ok, _ := store.Installation(t.Context(), platformName, teamB.ID); ok {
		t.Fatal("revoking the bot token left the installation")
	}
	e.answersWithOwnToken(t, teamA, "CA3", "4")

	// No token, refresh token included, is in the files in clear text;
	// what the files do hold (the workspaces' names) is found.
	store.Close()
	raw := stateBytes(t, dir)
	if !strings.Contains(raw, teamA.Name) {
		t.Fatal("the grep does not see the database's contents: nothing proven")
	}
	secrets := api.issuedSecrets()
	if len(secrets) < 4 {
		t.Fatalf("the fake issued %d secrets, want at least 4", len(secrets))
	}
	for _, s := range secrets {
		if strings.Contains(raw, s) {
			t.Errorf("the state files contain the token %q in clear text", s)
		}
	}
	for _, s := range secrets {
		if strings.Contains(e.logs.String(), s) {
			t.Errorf("the log contains the token %q", s)
		}
	}
}

// A forged, expired, replayed or borrowed state is refused with a page
// that says what to do, and no code is traded.
func TestOAuthRefusesBadState(t *testing.T) {
	api := newFakeAPI(t)
	clock := newClock()
	e := startOAuth(t, api, bot.NewMemoryInstallations(), clock, testKey, "")
	g := fakeGrant{team: teamA}

	// forge changes one character of a state's base64 for another letter,
	// away from the end of a part (whose low bits may not count), so the
	// state still reads as one and only its signature gives it away.
	// (XOR 1 turned z, Z, - and _ into characters a state cannot hold: a
	// malformed query instead.)
	forge := func(state string) string {
		b := []byte(state)
		isLetter := func(c byte) bool { return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' }
		i := len(b) / 2
		for !isLetter(b[i]) || !isLetter(b[i+1]) {
			i++
		}
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	otherKey := func(*testing.T) string {
		k, err := parseKeys(testKey2, "")
		if err != nil {
			t.Fatal(err)
		}
		return k.newState(clock.Now())
	}
	tests := []struct {
		name string
		// run returns the browser and the state to come back with.
		run  func(t *testing.T) (*http.Client, string)
		want string
	}{
		{"forged: one character changed", func(t *testing.T) (*http.Client, string) {
			c := e.browser(t)
			return c, forge(e.openInstallPage(t, c).Get("state"))
		}, "not valid here"},
		{"forged: signed with another key", func(t *testing.T) (*http.Client, string) {
			return e.browser(t), otherKey(t)
		}, "not valid here"},
		{"expired", func(t *testing.T) (*http.Client, string) {
			c := e.browser(t)
			state := e.openInstallPage(t, c).Get("state")
			clock.Advance(stateTTL + time.Second)
			return c, state
		}, "expired"},
		{"another browser", func(t *testing.T) (*http.Client, string) {
			return e.browser(t), e.openInstallPage(t, e.browser(t)).Get("state")
		}, "another browser"},
		{"replayed with the cookie copied", func(t *testing.T) (*http.Client, string) {
			c := e.browser(t)
			state := e.openInstallPage(t, c).Get("state")
			if status, body := e.slackRedirect(t, c, url.Values{"code": {e.api.grant(g)}, "state": {state}}); status != http.StatusOK {
				t.Fatalf("the first use failed: %d\n%s", status, body)
			}
			replay := e.browser(t)
			u, _ := url.Parse(e.srv.URL + "/slack/")
			replay.Jar.SetCookies(u, []*http.Cookie{{Name: stateCookie, Value: state}})
			return replay, state
		}, "already used"},
		{"replayed in the same browser", func(t *testing.T) (*http.Client, string) {
			c := e.browser(t)
			state := e.openInstallPage(t, c).Get("state")
			if status, _ := e.slackRedirect(t, c, url.Values{"code": {e.api.grant(g)}, "state": {state}}); status != http.StatusOK {
				t.Fatal("the first use failed")
			}
			return c, state
		}, "cannot be used"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, state := tc.run(t)
			before := api.exchanges()
			status, body := e.slackRedirect(t, c, url.Values{"code": {e.api.grant(g)}, "state": {state}})
			if status != http.StatusBadRequest || !strings.Contains(body, tc.want) || !strings.Contains(body, "Start") {
				t.Errorf("status %d, want 400 and a page saying %q and how to start again:\n%s", status, tc.want, body)
			}
			if n := api.exchanges() - before; n != 0 {
				t.Errorf("%d codes traded for a refused state", n)
			}
		})
	}
}

// Every other outcome lands on a page: cancelled, Slack's error, a code
// Slack refuses, an organisation-wide install, a team id that is not one.
func TestOAuthOutcomePages(t *testing.T) {
	api := newFakeAPI(t)
	e := startOAuth(t, api, bot.NewMemoryInstallations(), newClock(), testKey, "")
	tests := []struct {
		name   string
		query  func(state string) url.Values
		status int
		want   string
	}{
		{"cancelled", func(state string) url.Values { return url.Values{"error": {"access_denied"}, "state": {state}} },
			http.StatusOK, "You chose Cancel"},
		{"Slack's error", func(state string) url.Values { return url.Values{"error": {"invalid_scope"}, "state": {state}} },
			http.StatusBadRequest, "Slack said: invalid_scope"},
		{"a code Slack refuses", func(state string) url.Values { return url.Values{"code": {"1.2.unknown"}, "state": {state}} },
			http.StatusBadGateway, "Slack did not accept the installation"},
		{"organisation-wide", func(state string) url.Values {
			return url.Values{"code": {api.grant(fakeGrant{team: teamA, response: func(m map[string]any) { m["is_enterprise_install"] = true }})}, "state": {state}}
		}, http.StatusBadGateway, "organisation-wide"},
		{"a malformed team id", func(state string) url.Values {
			return url.Values{"code": {api.grant(fakeGrant{team: fakeTeam{ID: "T1<b>", Name: "x", BotUser: "UX"}})}, "state": {state}}
		}, http.StatusBadGateway, "Slack did not accept"},
		{"a user token instead of a bot token", func(state string) url.Values {
			return url.Values{"code": {api.grant(fakeGrant{team: teamA, response: func(m map[string]any) { m["token_type"] = "user" }})}, "state": {state}}
		}, http.StatusBadGateway, "Slack did not accept"},
		{"no query", func(string) url.Values { return nil }, http.StatusBadRequest, "not a Slack install link"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := e.browser(t)
			state := e.openInstallPage(t, c).Get("state")
			status, body := e.slackRedirect(t, c, tc.query(state))
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("status %d, want %d and %q:\n%s", status, tc.status, tc.want, body)
			}
		})
	}
	if list, _ := e.store.Installations(t.Context(), platformName); len(list) != 0 {
		t.Errorf("failed installs left installations: %+v", list)
	}
}

// The install page: the link asks for the features' scopes, returns to
// the public URL, and the cookie binding it to the browser is HttpOnly,
// Secure (https) and SameSite=Lax; the page's headers allow no scripts or
// framing.
func TestInstallPage(t *testing.T) {
	e := startOAuth(t, newFakeAPI(t), bot.NewMemoryInstallations(), newClock(), testKey, "")
	res, body := get(t, e.browser(t), e.srv.URL+InstallPath)
	link := e.openInstallPage(t, e.browser(t))
	if link.Get("client_id") != fakeClientID || link.Get("redirect_uri") != e.srv.URL+RedirectPath {
		t.Errorf("link = %v", link)
	}
	scopes := strings.Split(link.Get("scope"), ",")
	for _, want := range []string{"commands", "chat:write", "app_mentions:read", "channels:history", "users:read"} {
		if !slices.Contains(scopes, want) {
			t.Errorf("scope %q not asked for (auto-linking is on): %v", want, scopes)
		}
	}
	if !strings.Contains(body, "<code>users:read</code>: telling workspace admins and owners") {
		t.Errorf("the page does not say why each scope is needed:\n%s", body)
	}
	cookies := res.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies = %v", cookies)
	}
	c := cookies[0]
	if c.Name != stateCookie || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/slack/" || c.MaxAge != 600 {
		t.Errorf("cookie = %+v; want HttpOnly, Secure, SameSite=Lax, Path=/slack/, 10 minutes", c)
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
		"Content-Type":            "text/html; charset=utf-8",
	} {
		if got := res.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
}

// Over plain http (localhost only), the cookie is not Secure, or the
// browser would never send it back.
func TestInstallCookieOverHTTP(t *testing.T) {
	o := &OAuthConfig{PublicURL: "http://localhost:8080"}
	if o.secureCookies() {
		t.Error("Secure cookie on an http public URL")
	}
	if (&OAuthConfig{PublicURL: "https://x.example/refbot"}).cookiePath() != "/refbot/slack/" {
		t.Error("the cookie path ignores the public URL's path")
	}
}

// Hostile values in Slack's answer (the workspace's name) and in the
// redirect's query are escaped or refused; nothing is reflected raw.
func TestOAuthHostileInput(t *testing.T) {
	api := newFakeAPI(t)
	e := startOAuth(t, api, bot.NewMemoryInstallations(), newClock(), testKey, "")
	names := []string{
		`<script>alert(1)</script>`,
		`"><img src=x onerror=alert(1)>`,
		`Reading&amp;Group <!channel> <@U123>`,
		"Right\u202eto\u202cleft and \x00 nul",
		strings.Repeat("Ŵ", 2000),
		`javascript:alert(1)`,
	}
	for i, name := range names {
		team := fakeTeam{ID: "THOST" + string(rune('A'+i)), Name: name, BotUser: "UHOST", BotID: "BHOST"}
		c := e.browser(t)
		state := e.openInstallPage(t, c).Get("state")
		status, body := e.slackRedirect(t, c, url.Values{"code": {api.grant(fakeGrant{team: team})}, "state": {state}})
		if status != http.StatusOK {
			t.Errorf("name %q: status %d", name, status)
			continue
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img") || strings.Contains(body, "\x00") {
			t.Errorf("name %q reached the page unescaped:\n%s", name, body)
		}
	}

	queries := []string{
		`code=<script>alert(1)</script>&state=abc`,
		`error=<script>alert(1)</script>`,
		`error=access_denied&error=access_denied`,
		`code=a&code=b&state=s`,
		`state=%22%3E%3Cimg%20src%3Dx%3E&code=1.2.3`,
		`code=1.2.3&state=%zz`,
		`code=1.2.3&state=` + strings.Repeat("A", 5000),
		`code=%00&state=AAAA`,
		`code=1.2.3&state=AAAA;rm%20-rf`,
		`error=` + strings.Repeat("x", 65),
		`code=ok`,
		`state=only`,
		`;;;&&&===`,
		`code=1.2.3&state=` + url.QueryEscape("Ŵ"),
	}
	rejectedBefore := e.a.rejections.Total()
	for _, q := range queries {
		res, body := get(t, e.browser(t), e.srv.URL+RedirectPath+"?"+q)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%q: status %d, want 400", q, res.StatusCode)
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img") || strings.Contains(body, "rm -rf") {
			t.Errorf("%q reflected into the page:\n%s", q, body)
		}
		if res.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%q: no Content-Security-Policy", q)
		}
	}
	// Anyone can send these: each is counted, and the log gets one line
	// for them all (it used to get one each).
	if n := e.a.rejections.Total() - rejectedBefore; n != uint64(len(queries)) {
		t.Errorf("%d hostile redirects counted, want %d", n, len(queries))
	}
	if n := strings.Count(e.logs.String(), "rejected an unauthenticated request"); n != 1 {
		t.Errorf("%d log lines for %d hostile redirects, want 1:\n%s", n, len(queries), e.logs)
	}
	// The install page takes nothing from its query.
	_, body := get(t, e.browser(t), e.srv.URL+InstallPath+"?team=%3Cscript%3Ealert(1)%3C/script%3E&redirect_uri=https://evil.example")
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "evil.example") {
		t.Errorf("the install page reflects its query:\n%s", body)
	}
	if n := api.exchanges(); n != len(names) {
		t.Errorf("%d codes traded, want %d (one per good install)", n, len(names))
	}
}

// Token rotation: a token near its expiry is refreshed before it runs out,
// by the background pass and, failing that, by the next request.
func TestOAuthTokenRotation(t *testing.T) {
	api := newFakeAPI(t)
	clock := newClock()
	store := bot.NewMemoryInstallations()
	e := startOAuth(t, api, store, clock, testKey, "")
	e.install(t, fakeGrant{team: teamB, expiresIn: 12 * 60 * 60})
	first := api.tokenOf(teamB.ID)
	e.answersWithOwnToken(t, teamB, "CB1", "1")

	clock.Advance(10 * time.Hour) // two hours left: not yet
	if n, _, err := e.a.installs.refreshDue(t.Context()); n != 0 || err != nil {
		t.Fatalf("refreshed %d, %v; want nothing two hours before expiry", n, err)
	}
	clock.Advance(90 * time.Minute) // 30 minutes left
	if n, _, err := e.a.installs.refreshDue(t.Context()); n != 1 || err != nil {
		t.Fatalf("refreshed %d, %v; want 1", n, err)
	}
	second := api.tokenOf(teamB.ID)
	if second == first || second == "" {
		t.Fatalf("token after refresh = %q", second)
	}
	e.answersWithOwnToken(t, teamB, "CB2", "2")
	in, _, _ := store.Installation(t.Context(), platformName, teamB.ID)
	if want := clock.Now().Add(12 * time.Hour); !in.ExpiresAt.Equal(want) {
		t.Errorf("expires %v, want %v", in.ExpiresAt, want)
	}

	// Missed by the background pass: the request itself refreshes first.
	clock.Advance(12*time.Hour - time.Minute)
	posts := e.event(t, teamB, "EvLate", mentionEvent("<@UBOTB> define inner alignment", "1.3", ""))
	third := api.tokenOf(teamB.ID)
	if third == second || len(posts) != 1 || posts[0].Get("_token") != third {
		t.Errorf("a request a minute before expiry: posted %v; want it posted with a fresh token", posts)
	}
	for _, s := range api.issuedSecrets() {
		if strings.Contains(e.logs.String(), s) {
			t.Errorf("the log contains %q", s)
		}
	}
}

// Key rotation: with the new key in REFBOT_SECRET_KEY and the old one in
// REFBOT_SECRET_KEY_OLD, refbot opens what the old key sealed and seals it
// again at start; then the old key can go. A key refbot was never given
// opens nothing, and says so.
func TestOAuthKeyRotation(t *testing.T) {
	api := newFakeAPI(t)
	clock := newClock()
	store := bot.NewMemoryInstallations()
	e := startOAuth(t, api, store, clock, testKey, "")
	e.install(t, fakeGrant{team: teamA})
	old, _, _ := store.Installation(t.Context(), platformName, teamA.ID)
	keyID := func(sealed string) string { return strings.Split(sealed, ".")[1] }

	e = startOAuth(t, api, store, clock, testKey2, testKey)
	now, _, _ := store.Installation(t.Context(), platformName, teamA.ID)
	if keyID(now.Secret) == keyID(old.Secret) {
		t.Fatalf("the secret is still sealed under the old key (%s)", keyID(now.Secret))
	}
	if !strings.Contains(e.logs.String(), "sealed again") {
		t.Errorf("no log line about sealing again:\n%s", e.logs)
	}
	e = startOAuth(t, api, store, clock, testKey2, "")
	e.answersWithOwnToken(t, teamA, "CA1", "1")
	if strings.Count(e.logs.String(), "sealed again") != 0 {
		t.Error("sealed again what the current key sealed")
	}

	e = startOAuth(t, api, store, clock, testKey, "")
	w := e.serve(signed(testSecret, jsonType, eventFrom(teamA, "EvK", mentionEvent("<@UBOTA> define x", "1.2", ""))))
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(e.logs.String(), "neither REFBOT_SECRET_KEY nor in REFBOT_SECRET_KEY_OLD") {
		t.Errorf("with the wrong key: %d, logs:\n%s", w.Code, e.logs)
	}
}

// The sealed secret is bound to its workspace: copied onto another
// workspace's row it does not open.
func TestSealBoundToWorkspace(t *testing.T) {
	k, err := parseKeys(testKey, "")
	if err != nil {
		t.Fatal(err)
	}
	sealed := k.seal([]byte(`{"bot_token":"xoxb-1"}`), sealAAD("TAAA1"))
	if _, _, err := k.open(sealed, sealAAD("TBBB2")); err == nil {
		t.Error("a secret moved to another workspace opened")
	}
	plain, stale, err := k.open(sealed, sealAAD("TAAA1"))
	if err != nil || stale || string(plain) != `{"bot_token":"xoxb-1"}` {
		t.Errorf("open = %q, %v, %v", plain, stale, err)
	}
	for _, bad := range []string{"", "v1", "v1.x", "v2." + k.current.id + ".AAAA", "v1." + k.current.id + ".!!!!", "v1." + k.current.id + ".AAAA", sealed[:len(sealed)-2]} {
		if _, _, err := k.open(bad, sealAAD("TAAA1")); err == nil {
			t.Errorf("open(%q) succeeded", bad)
		}
	}
	if strings.Contains(sealed, "xoxb") {
		t.Error("the sealed value shows the token")
	}
}

// REFBOT_SECRET_KEY: missing or malformed keys are refused with how to
// make one; a fresh key from the tool is accepted.
func TestParseKeys(t *testing.T) {
	for _, tc := range []struct{ cur, old, want string }{
		{"", "", "refbot slack secret-key"},
		{"not base64!", "", "not base64"},
		{"c2hvcnQ=", "", "decodes to 5 bytes, want 32"},
		{testKey, "bad!", "REFBOT_SECRET_KEY_OLD: key 1"},
	} {
		_, err := parseKeys(tc.cur, tc.old)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseKeys(%q, %q) = %v, want %q", tc.cur, tc.old, err, tc.want)
		}
	}
	k, err := parseKeys(newSecretKey(), testKey+", "+testKey2)
	if err != nil || len(k.old) != 2 {
		t.Errorf("a new key with two old ones: %v, %v", k, err)
	}
	if a, b := newSecretKey(), newSecretKey(); a == b || len(a) != 44 {
		t.Errorf("new keys %q and %q", a, b)
	}
}

// An event from a workspace that never installed refbot is acknowledged
// and ignored, with one log line.
func TestOAuthUnknownWorkspace(t *testing.T) {
	e := startOAuth(t, newFakeAPI(t), bot.NewMemoryInstallations(), newClock(), testKey, "")
	stranger := fakeTeam{ID: "TSTRANGE", BotUser: "USTRANGE"}
	if posts := e.event(t, stranger, "Ev1", messageEvent("CA1", "U1", "deceptive alignment", "1.1", nil)); len(posts) != 0 {
		t.Errorf("posted %v", posts)
	}
	if n := strings.Count(e.logs.String(), "not installed"); n != 1 {
		t.Errorf("%d log lines, want 1:\n%s", n, e.logs)
	}
	w := e.serve(signed(testSecret, formType, interactionForm(suggestionPayload("mesa"))))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"options":[]`) {
		t.Errorf("a menu search from a workspace with no installation: %d %s", w.Code, w.Body)
	}
}

// In OAuth mode a reading schedule must name its workspace; with one bot
// token it must not.
func TestCheckTeam(t *testing.T) {
	oauth := Config{OAuth: &OAuthConfig{}}
	for _, tc := range []struct {
		cfg  Config
		team string
		ok   bool
	}{
		{oauth, "T0123ABCD", true},
		{oauth, "", false},
		{oauth, "C0123ABCD", false},
		{oauth, "t0123", false},
		{Config{}, "", true},
		{Config{}, "T0123ABCD", false},
	} {
		if err := tc.cfg.CheckTeam(tc.team); (err == nil) != tc.ok {
			t.Errorf("oauth=%v CheckTeam(%q) = %v", tc.cfg.OAuth != nil, tc.team, err)
		}
	}
}

// The state parameter: a round trip, and every way to break one.
func TestState(t *testing.T) {
	k, _ := parseKeys(testKey, "")
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s := k.newState(now)
	nonce, exp, err := k.checkState(s, now.Add(9*time.Minute))
	if err != nil || len(nonce) != 2*stateNonce || !exp.Equal(now.Add(stateTTL)) {
		t.Fatalf("checkState = %q, %v, %v", nonce, exp, err)
	}
	if _, _, err := k.checkState(s, now.Add(stateTTL)); err != errStateExpired {
		t.Errorf("at expiry: %v", err)
	}
	if k.newState(now) == s {
		t.Error("two states alike")
	}
	// Signed under an old key: still accepted while the key is listed.
	rotated, _ := parseKeys(testKey2, testKey)
	if _, _, err := rotated.checkState(s, now); err != nil {
		t.Errorf("a state signed just before a key change: %v", err)
	}
	for _, bad := range []string{"", "AAAA", s + "A", s[:len(s)-1], strings.ToUpper(s), "!" + s[1:]} {
		if _, _, err := k.checkState(bad, now); err != errStateForged {
			t.Errorf("checkState(%q) = %v, want forged", bad, err)
		}
	}
}

// openSQLite opens the SQLite state store in dir, as refbot serve does.
func openSQLite(t *testing.T, dir string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.OpenDir(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// stateBytes is every file in the state directory (the database, its
// write-ahead log), as bytes.
func stateBytes(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b.Write(raw)
	}
	return b.String()
}

// Socket Mode serves many workspaces too: one connection (the app-level
// token), each event answered with its workspace's token, and a button
// answered through its response_url, which needs no token.
func TestOAuthSocketMode(t *testing.T) {
	api := newFakeAPI(t)
	e := startOAuthMode(t, ModeSocket, api, bot.NewMemoryInstallations(), newClock(), testKey, "")
	if _, ok := e.svcRoutes()["POST "+Path]; ok {
		t.Error("Socket Mode serves POST /slack/events")
	}
	e.install(t, fakeGrant{team: teamA})
	e.install(t, fakeGrant{team: teamB})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.a.Run(ctx) }()
	defer func() {
		cancel()
		if err := recv(t, done, "Run to return"); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	for i, team := range []fakeTeam{teamB, teamA} {
		id := fmt.Sprint("s", i)
		api.envelopes <- envelope("events_api", id, eventFrom(team, "EvSock"+id, mentionEvent("<@"+team.BotUser+"> define inner alignment", "1700000000.000900", "")))
		if a := recv(t, api.acks, "the ack"); a["envelope_id"] != id {
			t.Fatalf("ack = %v", a)
		}
		got := recv(t, api.posts, "the thread reply")
		if got.Get("_token") != api.tokenOf(team.ID) {
			t.Errorf("%s: posted with %q, want its own token", team.ID, got.Get("_token"))
		}
	}
	hook := e.hooks.url()
	payload := strings.Replace(buttonPayload(bot.ActionShare, "mesa-optimization", hook, true), `"id":"T1"`, `"id":"`+teamA.ID+`"`, 1)
	api.envelopes <- envelope("interactive", "b1", payload)
	recv(t, api.acks, "the button's ack")
	if p := recv(t, e.hooks.got, "the shared card"); p.Body["response_type"] != "in_channel" {
		t.Errorf("share: %v", p.Body)
	}
}

// fromTeam is an interaction payload as sent from another workspace.
func fromTeam(payload, team string) string {
	var p map[string]any
	if err := json.Unmarshal([]byte(payload), &p); err != nil {
		panic(err)
	}
	p["team"] = map[string]any{"id": team}
	b, _ := json.Marshal(p)
	return string(b)
}

// Curation in OAuth mode: every form opens (views.open on the command's
// or the button's trigger) with the token of the workspace the request
// came from, and a suggestion's notices (the review channel, its author's
// direct message) go out with the token of the workspace it came from,
// whoever reviews it.
func TestOAuthCurationUsesWorkspaceToken(t *testing.T) {
	api := newFakeAPI(t)
	clock := newClock()
	e := startOAuthCore(t, ModeHTTP, api, bot.NewMemoryInstallations(), clock, testKey, "", bot.Config{
		CurationStore: bot.NewMemoryCuration(),
		Curation:      bot.CurationConfig{ReviewChannels: map[string]string{platformName: "CREVIEW"}},
	})
	e.install(t, fakeGrant{team: teamA, installer: "UALICE"})
	e.install(t, fakeGrant{team: teamB, installer: "UBOB"})
	tokenA, tokenB := api.tokenOf(teamA.ID), api.tokenOf(teamB.ID)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.a.bot.RunCuration(ctx, map[string]bot.Poster{platformName: e.a}, time.Hour) }()
	defer func() {
		cancel()
		recv(t, done, "RunCuration to return")
	}()

	// opened runs the queued jobs and returns the one views.open call,
	// checking its token and trigger.
	opened := func(what, token, trigger string) map[string]any {
		t.Helper()
		if posts := flush(t, &e.env); len(posts) != 0 {
			t.Errorf("%s: posted %v", what, posts)
		}
		v := recv(t, api.views, what)
		if v["_method"] != "views.open" || v["_token"] != token || v["trigger_id"] != trigger {
			t.Fatalf("%s: %v with token %v and trigger %v; want views.open with the workspace's token %s and trigger %s",
				what, v["_method"], v["_token"], v["trigger_id"], token, trigger)
		}
		return v["view"].(map[string]any)
	}

	// /refbot suggest from each workspace opens its modal with that
	// workspace's token.
	const slashTrigger = "13345224609.738474920.8088930838d88f008e0"
	for _, tc := range []struct {
		team  fakeTeam
		token string
	}{{teamA, tokenA}, {teamB, tokenB}} {
		w := e.serve(signed(testSecret, formType, slashFrom(tc.team.ID, "C9", "U1", "/refbot", "suggest lottery ticket hypothesis", e.hooks.url())))
		if w.Code != http.StatusOK {
			t.Fatalf("/refbot suggest from %s: %d %s", tc.team.ID, w.Code, w.Body)
		}
		opened("/refbot suggest from "+tc.team.ID, tc.token, slashTrigger)
	}

	// The Suggest this term button under "no entry" opens it with the
	// pressing workspace's token, on the button's trigger.
	w := e.serve(signed(testSecret, formType, slashFrom(teamA.ID, "C9", "U1", "/define", "lottery ticket hypothesis", e.hooks.url())))
	notFound := decode(t, w.Body.Bytes())
	e.serve(signed(testSecret, formType, interactionForm(fromTeam(press(t, "U1", notFound["blocks"].([]any), bot.ActionSuggest, e.hooks.url(), nil), teamA.ID))))
	form := opened("Suggest this term from "+teamA.ID, tokenA, "1.2.3")

	// A member of B submits; the review channel hears of it through B.
	sub := fromTeam(viewSubmission("UB1", form, map[string]string{
		bot.FieldTitle:   "Lottery Ticket Hypothesis",
		bot.FieldSummary: "The idea that a large trained network holds a small subnetwork which, trained alone from the same start, would do as well.",
		bot.FieldSources: "The Lottery Ticket Hypothesis — https://arxiv.org/abs/1803.03635",
	}), teamB.ID)
	if resp := decode(t, e.serve(signed(testSecret, formType, interactionForm(sub))).Body.Bytes()); resp["response_action"] != "update" {
		t.Fatalf("submission from %s answered %v", teamB.ID, resp)
	}
	notice := recv(t, api.posts, "the review channel's notice")
	if notice.Get("channel") != "CREVIEW" || notice.Get("_token") != tokenB {
		t.Errorf("review notice posted to %s with token %q, want CREVIEW with B's %q", notice.Get("channel"), notice.Get("_token"), tokenB)
	}

	// B's admin approves; the author hears of it through B.
	w = e.serve(signed(testSecret, formType, slashFrom(teamB.ID, "CREVIEW", testAdmin, "/refbot", "review", e.hooks.url())))
	card := decode(t, w.Body.Bytes())
	blocks, _ := card["blocks"].([]any)
	if len(blocks) == 0 {
		t.Fatalf("/refbot review from %s's admin: %s", teamB.ID, w.Body)
	}
	e.serve(signed(testSecret, formType, interactionForm(fromTeam(press(t, testAdmin, blocks, bot.ActionApprove, e.hooks.url(), nil), teamB.ID))))
	posts := flush(t, &e.env) // the answer through response_url
	if hook := recv(t, e.hooks.got, "the approval"); !strings.HasPrefix(hook.Body["text"].(string), "Approved: Lottery Ticket Hypothesis") {
		t.Errorf("approval answered %v", hook.Body)
	}
	var dm url.Values
	if len(posts) > 0 {
		dm = posts[0]
	} else {
		dm = recv(t, api.posts, "the author's direct message")
	}
	if dm.Get("channel") != "UB1" || dm.Get("_token") != tokenB || !strings.Contains(dm.Get("text"), "was approved") {
		t.Errorf("author told in %s with token %q: %q; want UB1 with B's %q", dm.Get("channel"), dm.Get("_token"), dm.Get("text"), tokenB)
	}
	// And the entry is live for both workspaces.
	for _, team := range []fakeTeam{teamA, teamB} {
		w := e.serve(signed(testSecret, formType, slashFrom(team.ID, "C9", "U2", "/define", "lottery ticket hypothesis", e.hooks.url())))
		if !strings.Contains(w.Body.String(), "Lottery Ticket Hypothesis:") {
			t.Errorf("/define from %s after approval: %s", team.ID, w.Body)
		}
	}
	if n := len(api.views); n != 0 {
		t.Errorf("%d views calls left over", n)
	}
}
