package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"refbot/bot"
)

// This file is OAuth mode's side of the Web API: every workspace that
// installed refbot has its own bot token, kept sealed in the state store;
// each request is answered with the token of the workspace it came from.

// InstallStore keeps the workspaces that installed refbot through OAuth,
// and the nonces of install links already used. The state stores
// implement it: bot.MemoryInstallations, bot/sqlite and bot/postgres.
// Installation.Secret reaches a store sealed and stays so.
type InstallStore interface {
	// SaveInstallation adds in, or replaces the installation of its
	// platform and team.
	SaveInstallation(ctx context.Context, in bot.Installation) error
	Installation(ctx context.Context, platform, team string) (bot.Installation, bool, error)
	// Installations lists the platform's installations, ordered by team.
	Installations(ctx context.Context, platform string) ([]bot.Installation, error)
	// DeleteInstallation forgets one, reporting whether there was one.
	DeleteInstallation(ctx context.Context, platform, team string) (bool, error)
	// UseNonce reports true the first time nonce is spent and false for
	// one spent before and not yet expired, across processes.
	UseNonce(ctx context.Context, nonce string, expires, now time.Time) (bool, error)
}

// errNotInstalled: the workspace has no installation (never installed,
// uninstalled, or its tokens revoked).
var errNotInstalled = errors.New("refbot is not installed in this workspace")

// workspace is one Slack workspace as refbot answers in it: a Web API
// client carrying the workspace's bot token, and who refbot is there.
type workspace struct {
	team string
	api  *slack.Client
	self *identity // nil until known (single-token mode, before auth.test)
}

// credentials are what Installation.Secret seals.
type credentials struct {
	BotToken     string `json:"bot_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// String keeps tokens out of logs and error messages, whatever prints a
// credentials value by mistake.
func (credentials) String() string { return "credentials{…}" }

// GoString is String for %#v.
func (c credentials) GoString() string { return c.String() }

// LogValue is String for slog.
func (c credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// sealAAD binds a sealed secret to its workspace.
func sealAAD(team string) []byte { return []byte("refbot installation/" + platformName + "/" + team) }

const (
	// cacheFor is how long a workspace's client is reused before the
	// store is read again, so that another process's uninstall or token
	// refresh is seen within this time.
	cacheFor = time.Minute
	// refreshAhead: a rotating token is refreshed once it has less than
	// this left (Slack's last 12 hours).
	refreshAhead = time.Hour
	// refreshNow: a request for a workspace whose token has less than
	// this left waits for a refresh first.
	refreshNow = 2 * time.Minute
	// refreshEvery is how often Run looks for tokens to refresh.
	refreshEvery = 10 * time.Minute
)

// installs is OAuth mode's workspaces: loaded from the store, their
// secrets opened, kept for a little while, refreshed before they expire.
type installs struct {
	store  InstallStore
	keys   *keyring
	oauth  OAuthConfig
	apiURL string
	hc     *http.Client
	newAPI func(token string) *slack.Client
	now    func() time.Time
	log    *slog.Logger

	mu      sync.Mutex
	cache   map[string]cachedWorkspace
	renewMu sync.Mutex // one refresh at a time in this process
}

type cachedWorkspace struct {
	ws       *workspace
	loaded   time.Time
	expires  time.Time // the token's; zero: never
	notFound bool
}

// workspace returns team's workspace, or errNotInstalled.
func (s *installs) workspace(ctx context.Context, team string) (*workspace, error) {
	now := s.now()
	s.mu.Lock()
	c, ok := s.cache[team]
	s.mu.Unlock()
	if ok && now.Sub(c.loaded) < cacheFor && (c.expires.IsZero() || c.expires.Sub(now) > refreshNow) {
		if c.notFound {
			return nil, errNotInstalled
		}
		return c.ws, nil
	}
	ws, err := s.load(ctx, team, refreshNow)
	if errors.Is(err, errNotInstalled) {
		s.remember(team, cachedWorkspace{loaded: now, notFound: true})
	}
	return ws, err
}

// load reads team's installation, opens its secret (sealing it again when
// an old key opened it), refreshes its token when less than ahead is
// left, and caches the workspace.
func (s *installs) load(ctx context.Context, team string, ahead time.Duration) (*workspace, error) {
	in, ok, err := s.store.Installation(ctx, platformName, team)
	if err != nil {
		return nil, fmt.Errorf("read the installation of %s: %w", team, err)
	}
	if !ok {
		return nil, errNotInstalled
	}
	creds, stale, err := s.open(in)
	if err != nil {
		return nil, err
	}
	if stale {
		// A failure is logged by save; the token opened, so carry on.
		_ = s.save(ctx, &in, creds, "sealed again under the current REFBOT_SECRET_KEY")
	}
	if !in.ExpiresAt.IsZero() && in.ExpiresAt.Sub(s.now()) < ahead {
		if in, creds, err = s.refresh(ctx, in, creds); err != nil {
			return nil, err
		}
	}
	ws := &workspace{team: team, api: s.newAPI(creds.BotToken), self: &identity{userID: in.BotUser, botID: in.BotID}}
	s.remember(team, cachedWorkspace{ws: ws, loaded: s.now(), expires: in.ExpiresAt})
	return ws, nil
}

func (s *installs) remember(team string, c cachedWorkspace) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cache[team] = c
}

func (s *installs) forget(team string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.cache, team)
}

// open unseals an installation's credentials.
func (s *installs) open(in bot.Installation) (credentials, bool, error) {
	plain, stale, err := s.keys.open(in.Secret, sealAAD(in.Team))
	if err != nil {
		return credentials{}, false, fmt.Errorf("open the token of %s: %w", in.Team, err)
	}
	var c credentials
	if err := json.Unmarshal(plain, &c); err != nil || c.BotToken == "" {
		return credentials{}, false, fmt.Errorf("open the token of %s: unreadable credentials", in.Team)
	}
	return c, stale, nil
}

// save seals creds into in and stores it, logging (never the tokens) why.
func (s *installs) save(ctx context.Context, in *bot.Installation, creds credentials, why string) error {
	plain, err := json.Marshal(creds)
	if err != nil {
		return err
	}
	in.Secret = s.keys.seal(plain, sealAAD(in.Team))
	if err := s.store.SaveInstallation(ctx, *in); err != nil {
		s.log.ErrorContext(ctx, "slack: could not save an installation", "team", in.Team, "why", why, "err", err)
		return fmt.Errorf("save the installation of %s: %w", in.Team, err)
	}
	s.forget(in.Team)
	s.log.InfoContext(ctx, "slack: installation saved", "team", in.Team, "why", why)
	return nil
}

// refresh trades the refresh token for a new access token (token
// rotation) and saves it. When Slack refuses, another process may have
// refreshed first: the stored installation is read again and used if it
// is fresher.
func (s *installs) refresh(ctx context.Context, in bot.Installation, creds credentials) (bot.Installation, credentials, error) {
	s.renewMu.Lock()
	defer s.renewMu.Unlock()
	if cur, ok, err := s.store.Installation(ctx, platformName, in.Team); err == nil && ok && cur.ExpiresAt.After(in.ExpiresAt) {
		if c, _, err := s.open(cur); err == nil {
			return cur, c, nil // refreshed meanwhile
		}
	}
	if creds.RefreshToken == "" {
		return in, creds, fmt.Errorf("the token of %s expires at %s and there is no refresh token; reinstall refbot in that workspace", in.Team, in.ExpiresAt.Format(time.RFC3339))
	}
	res, err := slack.RefreshOAuthV2TokenContext(ctx, s.hc, s.oauth.ClientID, s.oauth.ClientSecret, creds.RefreshToken, slack.OAuthOptionAPIURL(s.apiURL))
	if err != nil {
		return in, creds, fmt.Errorf("refresh the token of %s: %w", in.Team, err)
	}
	if res.AccessToken == "" {
		return in, creds, fmt.Errorf("refresh the token of %s: Slack returned no token", in.Team)
	}
	creds.BotToken = res.AccessToken
	if res.RefreshToken != "" {
		creds.RefreshToken = res.RefreshToken
	}
	in.ExpiresAt = time.Time{}
	if res.ExpiresIn > 0 {
		in.ExpiresAt = s.now().Add(time.Duration(res.ExpiresIn) * time.Second).UTC()
	}
	if err := s.save(ctx, &in, creds, "token refreshed"); err != nil {
		return in, creds, err
	}
	return in, creds, nil
}

// refreshDue refreshes every rotating token with less than refreshAhead
// left, and seals again every secret an old key sealed. It returns how
// many it refreshed and resealed.
func (s *installs) refreshDue(ctx context.Context) (refreshed, resealed int, err error) {
	list, err := s.store.Installations(ctx, platformName)
	if err != nil {
		return 0, 0, fmt.Errorf("list installations: %w", err)
	}
	var errs []error
	for _, in := range list {
		creds, stale, err := s.open(in)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if stale {
			if err := s.save(ctx, &in, creds, "sealed again under the current REFBOT_SECRET_KEY"); err != nil {
				errs = append(errs, err)
				continue
			}
			resealed++
		}
		if !in.ExpiresAt.IsZero() && in.ExpiresAt.Sub(s.now()) < refreshAhead {
			if _, _, err := s.refresh(ctx, in, creds); err != nil {
				errs = append(errs, err)
				continue
			}
			refreshed++
		}
	}
	return refreshed, resealed, errors.Join(errs...)
}

// remove deletes team's installation at once: its tokens are gone from
// the store and from this process.
func (s *installs) remove(ctx context.Context, team, why string) {
	s.forget(team)
	ok, err := s.store.DeleteInstallation(ctx, platformName, team)
	s.forget(team)
	switch {
	case err != nil:
		s.log.ErrorContext(ctx, "slack: could not delete an installation", "team", team, "why", why, "err", err)
	case ok:
		s.log.InfoContext(ctx, "slack: installation deleted with its tokens", "team", team, "why", why)
	default:
		s.log.InfoContext(ctx, "slack: nothing to delete; no installation", "team", team, "why", why)
	}
}

// revoked handles tokens_revoked: when the workspace's bot token is among
// the revoked, the installation goes.
func (s *installs) revoked(ctx context.Context, team string, botUsers []string) {
	in, ok, err := s.store.Installation(ctx, platformName, team)
	if err != nil {
		s.log.ErrorContext(ctx, "slack: tokens revoked, but the installation could not be read", "team", team, "err", err)
		return
	}
	if ok && slices.Contains(botUsers, in.BotUser) {
		s.remove(ctx, team, "tokens_revoked")
	}
}

// scopeList splits Slack's comma-separated scopes.
func scopeList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
