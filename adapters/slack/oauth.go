package slack

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"refbot/bot"
)

// This file is OAuth mode's install flow, as Slack documents it for
// distributed apps ("Add to Slack"):
//
//  1. GET /slack/install shows a page with an Add to Slack button. The
//     button's link carries a fresh state parameter, and the same value
//     goes into a cookie: HttpOnly, SameSite=Lax, Secure when the public
//     URL is https, for this browser only.
//  2. Slack asks the installer to allow refbot's scopes, then sends the
//     browser to GET /slack/oauth_redirect?code=…&state=….
//  3. The redirect handler refuses a state it did not sign (forged), one
//     older than 10 minutes (expired), one that is not this browser's
//     cookie (started elsewhere: the CSRF defence) and one already used
//     (replayed; spent nonces live in the state store, so this holds
//     across processes). Then it trades the code for the workspace's bot
//     token (oauth.v2.access), checks the token (auth.test), seals it and
//     saves the installation.
//
// Every outcome, success or failure, is a page a person can read.

// Paths of the install flow on refbot's HTTP server.
const (
	InstallPath  = "/slack/install"
	RedirectPath = "/slack/oauth_redirect"
)

const (
	// stateTTL is how long an install link works.
	stateTTL = 10 * time.Minute
	// stateCookie binds an install link to the browser that opened it.
	stateCookie = "refbot_slack_install"
	// authorizeURL is Slack's consent page.
	authorizeURL = "https://slack.com/oauth/v2/authorize"
	// exchangeTimeout bounds oauth.v2.access and auth.test together,
	// inside the HTTP server's write timeout.
	exchangeTimeout = 10 * time.Second
	// maxQuery caps the redirect's query string: Slack's are short.
	maxQuery = 2048
)

// A state parameter is, in unpadded base64url:
//
//	version (1 byte) ‖ expiry (8, Unix seconds, big-endian) ‖ nonce (16) ‖ HMAC-SHA256 of the rest (32)
//
// signed with a key derived from REFBOT_SECRET_KEY, so any refbot process
// sharing the key can check it.
const (
	stateVersion = 1
	stateNonce   = 16
	stateBody    = 1 + 8 + stateNonce
	stateLen     = stateBody + sha256.Size
)

var (
	errStateForged    = errors.New("state not signed by refbot")
	errStateExpired   = errors.New("state expired")
	errStateElsewhere = errors.New("state is not this browser's (no or another cookie)")
	errStateUsed      = errors.New("state used before")
)

// newState returns a state parameter that expires stateTTL after now.
func (k *keyring) newState(now time.Time) string {
	b := make([]byte, stateBody, stateLen)
	b[0] = stateVersion
	binary.BigEndian.PutUint64(b[1:9], uint64(now.Add(stateTTL).Unix()))
	rand.Read(b[9:stateBody])
	mac := hmac.New(sha256.New, k.current.state)
	mac.Write(b)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(b))
}

// checkState verifies a state parameter's signature (under the current
// key or an old one) and age, and returns its nonce and expiry.
func (k *keyring) checkState(state string, now time.Time) (nonce string, expires time.Time, err error) {
	b, err := base64.RawURLEncoding.DecodeString(state)
	if err != nil || len(b) != stateLen || b[0] != stateVersion {
		return "", time.Time{}, errStateForged
	}
	signed := false
	for _, key := range k.all() {
		mac := hmac.New(sha256.New, key.state)
		mac.Write(b[:stateBody])
		if hmac.Equal(mac.Sum(nil), b[stateBody:]) {
			signed = true
			break
		}
	}
	if !signed {
		return "", time.Time{}, errStateForged
	}
	exp := binary.BigEndian.Uint64(b[1:9])
	if exp > uint64(now.Add(stateTTL).Unix()) { // signed by us, but not like this
		return "", time.Time{}, errStateForged
	}
	expires = time.Unix(int64(exp), 0)
	if !now.Before(expires) {
		return "", time.Time{}, errStateExpired
	}
	return hex.EncodeToString(b[9:stateBody]), expires, nil
}

// callback is what Slack's redirect carries: a code and the state, or an
// error (access_denied when the installer clicked Cancel).
type callback struct {
	Code, State, Error string
}

var (
	codeChars  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,512}$`)
	stateChars = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	errorChars = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)
)

// parseCallback reads the redirect's query string. A parameter given
// twice, or with characters Slack never sends, makes it malformed; so
// does a query with neither a code and a state nor an error.
func parseCallback(rawQuery string) (callback, error) {
	if len(rawQuery) > maxQuery {
		return callback{}, errors.New("query too long")
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return callback{}, errors.New("malformed query")
	}
	var c callback
	for _, f := range []struct {
		name string
		dst  *string
		ok   *regexp.Regexp
	}{{"code", &c.Code, codeChars}, {"state", &c.State, stateChars}, {"error", &c.Error, errorChars}} {
		vs, present := q[f.name]
		if !present {
			continue
		}
		if len(vs) != 1 {
			return callback{}, fmt.Errorf("%s given %d times", f.name, len(vs))
		}
		if !f.ok.MatchString(vs[0]) {
			return callback{}, fmt.Errorf("malformed %s", f.name)
		}
		*f.dst = vs[0]
	}
	switch {
	case c.Error != "":
		return c, nil
	case c.Code == "" || c.State == "":
		return callback{}, errors.New("no code and state")
	}
	return c, nil
}

// startOAuth runs when refbot starts in OAuth mode: it reads the
// installations (failing if the store cannot be read), seals again what
// an old key sealed, refreshes tokens about to expire, and says where to
// install.
func (a *Adapter) startOAuth(ctx context.Context) error {
	list, err := a.installs.store.Installations(ctx, platformName)
	if err != nil {
		return fmt.Errorf("slack: cannot read the installations from the state store: %w", err)
	}
	a.log.InfoContext(ctx, "slack: OAuth mode", "installations", len(list), "install_page", a.cfg.OAuth.PublicURL+InstallPath, "mode", a.cfg.Mode)
	a.renew(ctx)
	return nil
}

// keepFresh refreshes rotating tokens before they expire, until ctx is
// done.
func (a *Adapter) keepFresh(ctx context.Context) {
	t := time.NewTicker(refreshEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			a.renew(ctx)
		}
	}
}

func (a *Adapter) renew(ctx context.Context) {
	defer a.survive(ctx, "token refresh")
	refreshed, resealed, err := a.installs.refreshDue(ctx)
	if resealed > 0 {
		a.log.InfoContext(ctx, "slack: installations sealed again under the current REFBOT_SECRET_KEY; once every refbot process has the new key, REFBOT_SECRET_KEY_OLD can go", "count", resealed)
	}
	if refreshed > 0 {
		a.log.InfoContext(ctx, "slack: tokens refreshed before expiry", "count", refreshed)
	}
	if err != nil {
		a.log.WarnContext(ctx, "slack: some installations could not be refreshed or sealed again", "err", err)
	}
}

// cookiePath is where the install cookie is sent: the install flow's
// paths under the public URL's.
func (o *OAuthConfig) cookiePath() string {
	u, err := url.Parse(o.PublicURL)
	if err != nil {
		return "/slack/"
	}
	return strings.TrimSuffix(u.Path, "/") + "/slack/"
}

// secureCookies reports whether the install cookie gets Secure: when
// browsers reach refbot over https.
func (o *OAuthConfig) secureCookies() bool { return strings.HasPrefix(o.PublicURL, "https://") }

func (o *OAuthConfig) redirectURL() string { return o.PublicURL + RedirectPath }

// authorizeLink is the Add to Slack link for state.
func (o *OAuthConfig) authorizeLink(state string) string {
	q := url.Values{
		"client_id":    {o.ClientID},
		"scope":        {strings.Join(o.Scopes, ",")},
		"redirect_uri": {o.redirectURL()},
		"state":        {state},
	}
	return authorizeURL + "?" + q.Encode()
}

// serveInstall is GET /slack/install: the Add to Slack page. Its query
// is ignored; each visit makes a new link, bound to this browser.
func (a *Adapter) serveInstall(w http.ResponseWriter, r *http.Request) {
	o := a.cfg.OAuth
	state := a.installs.keys.newState(o.Now())
	http.SetCookie(w, &http.Cookie{
		Name: stateCookie, Value: state, Path: o.cookiePath(),
		MaxAge: int(stateTTL / time.Second), HttpOnly: true, Secure: o.secureCookies(), SameSite: http.SameSiteLaxMode,
	})
	var scopes []scopeLine
	all := Scopes()
	for k, v := range AutolinkScopes() {
		all[k] = v
	}
	for _, s := range o.Scopes {
		scopes = append(scopes, scopeLine{Name: s, Why: all[s]})
	}
	writePage(w, http.StatusOK, page{
		Title:   "Add refbot to Slack",
		Heading: "Add refbot to your Slack workspace",
		Lines: []string{
			"refbot looks up AI-safety terms for your study group: /define mesa optimisation shows a glossary card with a summary, key points, sources and related terms.",
			"The button takes you to Slack, which asks you to choose a workspace and allow what refbot needs. The link works for 10 minutes, in this browser.",
		},
		AddToSlack: o.authorizeLink(state),
		Scopes:     scopes,
	})
}

// serveRedirect is GET /slack/oauth_redirect, where Slack sends the
// installer back.
func (a *Adapter) serveRedirect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	o := a.cfg.OAuth
	again := pageLink{URL: o.PublicURL + InstallPath, Text: "Start again"}
	cb, err := parseCallback(r.URL.RawQuery)
	if err != nil {
		a.rejections.Reject(ctx, "install redirect with a malformed query: "+err.Error(), r.RemoteAddr)
		writePage(w, http.StatusBadRequest, page{Title: "Not an install link", Heading: "This is not a Slack install link",
			Lines: []string{"The address is incomplete or was changed. Start the installation again from the install page."}, Link: &again})
		return
	}
	// The cookie has done its work whatever happens next.
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Path: o.cookiePath(), MaxAge: -1, HttpOnly: true, Secure: o.secureCookies(), SameSite: http.SameSiteLaxMode})

	if cb.Error != "" {
		if cb.Error == "access_denied" {
			writePage(w, http.StatusOK, page{Title: "Installation cancelled", Heading: "Installation cancelled",
				Lines: []string{"You chose Cancel, so refbot was not added. Nothing was changed."}, Link: &again})
			return
		}
		// Anyone can send this query: counted and logged sparingly.
		a.rejections.Reject(ctx, "install redirect with an error from Slack (or a forged one): "+cb.Error, r.RemoteAddr)
		writePage(w, http.StatusBadRequest, page{Title: "Installation failed", Heading: "Slack could not install refbot",
			Lines: []string{"Slack said: " + cb.Error + ". Try again; if it keeps failing, tell whoever runs this refbot."}, Link: &again})
		return
	}

	now := o.Now()
	nonce, expires, err := a.installs.keys.checkState(cb.State, now)
	if err == nil {
		if c, cerr := r.Cookie(stateCookie); cerr != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(cb.State)) != 1 {
			err = errStateElsewhere
		}
	}
	if err == nil {
		var fresh bool
		fresh, err = a.installs.store.UseNonce(ctx, nonce, expires, now)
		if err != nil {
			a.log.ErrorContext(ctx, "slack: cannot record an install link as used", "err", err)
			writePage(w, http.StatusServiceUnavailable, page{Title: "Try again", Heading: "refbot could not finish the installation",
				Lines: []string{"Its storage did not answer. Wait a minute and start again."}, Link: &again})
			return
		}
		if !fresh {
			err = errStateUsed
		}
	}
	if err != nil {
		a.rejections.Reject(ctx, "install redirect refused: "+err.Error(), r.RemoteAddr)
		lines := []string{"This install link is not valid here. It may have been changed, or it was opened in another browser or tab than the one that started the installation."}
		switch {
		case errors.Is(err, errStateExpired):
			lines = []string{"This install link has expired: links work for 10 minutes."}
		case errors.Is(err, errStateUsed):
			lines = []string{"This install link was already used. Each link works once."}
		}
		lines = append(lines, "Start the installation again, in this browser.")
		writePage(w, http.StatusBadRequest, page{Title: "Link not valid", Heading: "This install link cannot be used", Lines: lines, Link: &again})
		return
	}

	ctx, cancel := context.WithTimeout(ctx, exchangeTimeout)
	defer cancel()
	in, appID, err := a.exchange(ctx, cb.Code)
	if err != nil {
		a.log.WarnContext(ctx, "slack: installation failed", "err", err)
		msg := "Slack did not accept the installation. Start again; if it keeps failing, tell whoever runs this refbot."
		var ue userError
		if errors.As(err, &ue) {
			msg = string(ue)
		}
		writePage(w, http.StatusBadGateway, page{Title: "Installation failed", Heading: "refbot could not be installed", Lines: []string{msg}, Link: &again})
		return
	}
	a.log.InfoContext(ctx, "slack: installed", "team", in.Team, "team_name", in.TeamName, "installer", in.Installer, "scopes", strings.Join(in.Scopes, ","))
	p := page{Title: "refbot is installed", Heading: "refbot is installed in " + in.TeamName,
		Lines: []string{
			"Invite it to a channel with /invite @refbot, then try /define mesa optimisation.",
			"/refbot help lists every command. In a thread, write @refbot define TERM.",
		}}
	if appIDChars.MatchString(appID) {
		q := url.Values{"app": {appID}, "team": {in.Team}}
		p.Link = &pageLink{URL: "https://slack.com/app_redirect?" + q.Encode(), Text: "Open Slack"}
	}
	writePage(w, http.StatusOK, p)
}

// userError is an installation failure whose text is for the installer.
type userError string

func (e userError) Error() string { return string(e) }

var (
	teamChars  = regexp.MustCompile(`^T[A-Z0-9]{2,32}$`)
	userChars  = regexp.MustCompile(`^[UW][A-Z0-9]{2,32}$`)
	appIDChars = regexp.MustCompile(`^A[A-Z0-9]{2,32}$`)
)

// exchange trades an install code for the workspace's bot token
// (oauth.v2.access), checks the token with auth.test, and saves the
// installation with its secret sealed. It returns the app's id too.
func (a *Adapter) exchange(ctx context.Context, code string) (bot.Installation, string, error) {
	o := a.cfg.OAuth
	s := a.installs
	res, err := slack.GetOAuthV2ResponseContext(ctx, s.hc, o.ClientID, o.ClientSecret, code, o.redirectURL(), slack.OAuthOptionAPIURL(s.apiURL))
	if err != nil {
		return bot.Installation{}, "", fmt.Errorf("oauth.v2.access: %w", err)
	}
	switch {
	case res.IsEnterpriseInstall:
		return bot.Installation{}, "", userError("refbot installs in one workspace at a time; an organisation-wide (Enterprise Grid) install is not supported. Install it in each workspace instead.")
	case res.AccessToken == "" || res.TokenType != "bot":
		return bot.Installation{}, "", fmt.Errorf("oauth.v2.access returned no bot token (token_type %q)", res.TokenType)
	case !teamChars.MatchString(res.Team.ID):
		return bot.Installation{}, "", fmt.Errorf("oauth.v2.access returned a malformed team id %q", res.Team.ID)
	case !userChars.MatchString(res.BotUserID):
		return bot.Installation{}, "", fmt.Errorf("oauth.v2.access returned a malformed bot user id %q", res.BotUserID)
	}
	granted := scopeList(res.Scope)
	if missing := missingScopes(o.Scopes, granted); len(missing) > 0 {
		a.log.WarnContext(ctx, "slack: installed with fewer scopes than refbot asks for; some features will fail", "team", res.Team.ID, "missing", strings.Join(missing, ","))
	}
	who, err := s.newAPI(res.AccessToken).AuthTestContext(ctx)
	if err != nil {
		return bot.Installation{}, "", fmt.Errorf("auth.test with the new token: %w", err)
	}
	if who.TeamID != res.Team.ID {
		return bot.Installation{}, "", fmt.Errorf("auth.test says the new token is for team %q, not %q", who.TeamID, res.Team.ID)
	}
	in := bot.Installation{
		Platform: platformName, Team: res.Team.ID, TeamName: res.Team.Name, Enterprise: res.Enterprise.ID,
		BotUser: res.BotUserID, BotID: who.BotID, Scopes: granted, Installer: res.AuthedUser.ID,
		InstalledAt: o.Now().UTC(),
	}
	if res.ExpiresIn > 0 {
		in.ExpiresAt = in.InstalledAt.Add(time.Duration(res.ExpiresIn) * time.Second)
	}
	creds := credentials{BotToken: res.AccessToken, RefreshToken: res.RefreshToken}
	if err := s.save(ctx, &in, creds, "installed"); err != nil {
		return bot.Installation{}, "", err
	}
	return in, res.AppID, nil
}

// missingScopes are the scopes asked for and not granted.
func missingScopes(asked, granted []string) []string {
	var out []string
	for _, s := range asked {
		if !slices.Contains(granted, s) {
			out = append(out, s)
		}
	}
	return out
}
