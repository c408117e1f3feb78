package bot

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// Installation is a chat app installed in one workspace (a team) through
// OAuth: who installed it and when, what it may do, and its credentials.
// The core never uses installations; the adapter that needs them (Slack
// in OAuth mode) declares the store it wants, and the state stores —
// MemoryInstallations here, bot/sqlite, bot/postgres — keep them.
//
// Stores keep Secret exactly as given: the adapter seals the credentials
// (encrypts and authenticates them) before they reach a store, so no
// store ever holds a token in clear text.
type Installation struct {
	Platform   string // "slack"
	Team       string // the workspace's id (Slack: T…)
	TeamName   string // its name when installed, for people
	Enterprise string // the Enterprise Grid organisation's id, or ""
	BotUser    string // the app's bot user in the workspace (Slack: U…)
	BotID      string // the app's bot id there (Slack: B…)
	Scopes     []string
	Installer  string // the user who installed the app
	// InstalledAt is when the workspace last installed (or reinstalled)
	// the app.
	InstalledAt time.Time
	// ExpiresAt is when the access token expires, for apps with token
	// rotation; zero when it never does.
	ExpiresAt time.Time
	// Secret holds the credentials, sealed by the adapter.
	Secret string
}

// MemoryInstallations keeps installations and spent nonces in memory, for
// tests. It implements what Slack's OAuth mode asks of a store.
type MemoryInstallations struct {
	mu       sync.Mutex
	installs map[[2]string]Installation
	nonces   map[string]time.Time
}

// NewMemoryInstallations returns an empty MemoryInstallations.
func NewMemoryInstallations() *MemoryInstallations {
	return &MemoryInstallations{installs: map[[2]string]Installation{}, nonces: map[string]time.Time{}}
}

// SaveInstallation adds in, or replaces the installation of its platform
// and team.
func (m *MemoryInstallations) SaveInstallation(ctx context.Context, in Installation) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	in.Scopes = slices.Clone(in.Scopes)
	m.installs[[2]string{in.Platform, in.Team}] = in
	return nil
}

// Installation returns the platform's installation in team.
func (m *MemoryInstallations) Installation(ctx context.Context, platform, team string) (Installation, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	in, ok := m.installs[[2]string{platform, team}]
	in.Scopes = slices.Clone(in.Scopes)
	return in, ok, nil
}

// Installations lists the platform's installations by team.
func (m *MemoryInstallations) Installations(ctx context.Context, platform string) ([]Installation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Installation
	for k, in := range m.installs {
		if k[0] == platform {
			in.Scopes = slices.Clone(in.Scopes)
			out = append(out, in)
		}
	}
	slices.SortFunc(out, func(a, b Installation) int { return cmp.Compare(a.Team, b.Team) })
	return out, nil
}

// DeleteInstallation forgets the platform's installation in team,
// reporting whether there was one.
func (m *MemoryInstallations) DeleteInstallation(ctx context.Context, platform, team string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{platform, team}
	_, ok := m.installs[k]
	delete(m.installs, k)
	return ok, nil
}

// UseNonce spends nonce: it reports true the first time, and false for a
// nonce spent before and not yet expired. Expired nonces are forgotten.
func (m *MemoryInstallations) UseNonce(ctx context.Context, nonce string, expires, now time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for n, exp := range m.nonces {
		if !exp.After(now) {
			delete(m.nonces, n)
		}
	}
	if _, ok := m.nonces[nonce]; ok {
		return false, nil
	}
	m.nonces[nonce] = expires
	return true, nil
}
