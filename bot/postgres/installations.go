package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"refbot/bot"
)

// This file keeps OAuth installations (Slack in many workspaces): one row
// per platform and workspace, shared by every replica, so a workspace
// installed through one is answered by all. The credentials arrive sealed
// (bot.Installation.Secret) and are stored as given: the database never
// holds a token in clear text, and a replica needs REFBOT_SECRET_KEY to
// use them.

const installColumns = `platform, team, team_name, enterprise, bot_user, bot_id, scopes, installer, installed_at, expires_at, secret`

func scanInstallation(r pgx.Row) (bot.Installation, error) {
	var (
		in        bot.Installation
		scopes    []string
		installed int64
		expires   *int64
	)
	err := r.Scan(&in.Platform, &in.Team, &in.TeamName, &in.Enterprise, &in.BotUser, &in.BotID,
		&scopes, &in.Installer, &installed, &expires, &in.Secret)
	if err != nil {
		return in, err
	}
	if len(scopes) > 0 {
		in.Scopes = scopes
	}
	in.InstalledAt = time.Unix(0, installed).UTC()
	if expires != nil {
		in.ExpiresAt = time.Unix(0, *expires).UTC()
	}
	return in, nil
}

// SaveInstallation adds in, or replaces the installation of its platform
// and team (a reinstall, or fresh tokens).
func (s *Store) SaveInstallation(ctx context.Context, in bot.Installation) error {
	var expires *int64
	if !in.ExpiresAt.IsZero() {
		e := in.ExpiresAt.UnixNano()
		expires = &e
	}
	scopes := in.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO installations (`+installColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (platform, team) DO UPDATE SET
	team_name = excluded.team_name, enterprise = excluded.enterprise, bot_user = excluded.bot_user,
	bot_id = excluded.bot_id, scopes = excluded.scopes, installer = excluded.installer,
	installed_at = excluded.installed_at, expires_at = excluded.expires_at, secret = excluded.secret`,
		in.Platform, in.Team, in.TeamName, in.Enterprise, in.BotUser, in.BotID,
		scopes, in.Installer, in.InstalledAt.UnixNano(), expires, in.Secret)
	if err := s.observe("installation", err); err != nil {
		return fmt.Errorf("save installation: %w", err)
	}
	return nil
}

// Installation returns the platform's installation in team.
func (s *Store) Installation(ctx context.Context, platform, team string) (bot.Installation, bool, error) {
	in, err := scanInstallation(s.pool.QueryRow(ctx, `SELECT `+installColumns+` FROM installations WHERE platform = $1 AND team = $2`, platform, team))
	if errors.Is(err, pgx.ErrNoRows) {
		s.observe("installation", nil)
		return bot.Installation{}, false, nil
	}
	if err := s.observe("installation", err); err != nil {
		return bot.Installation{}, false, fmt.Errorf("read installation: %w", err)
	}
	return in, true, nil
}

// Installations lists the platform's installations by team.
func (s *Store) Installations(ctx context.Context, platform string) ([]bot.Installation, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+installColumns+` FROM installations WHERE platform = $1 ORDER BY team COLLATE "C"`, platform)
	var out []bot.Installation
	if err == nil {
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (bot.Installation, error) { return scanInstallation(r) })
	}
	if err := s.observe("installation", err); err != nil {
		return nil, fmt.Errorf("list installations: %w", err)
	}
	return out, nil
}

// DeleteInstallation forgets the platform's installation in team,
// reporting whether there was one.
func (s *Store) DeleteInstallation(ctx context.Context, platform, team string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM installations WHERE platform = $1 AND team = $2`, platform, team)
	if err := s.observe("installation", err); err != nil {
		return false, fmt.Errorf("delete installation: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// UseNonce spends nonce: it reports true the first time, and false for a
// nonce spent before and not yet expired, whichever replica spent it. One
// statement checks and records (a nonce that has expired is spent
// afresh); expired nonces are then deleted.
func (s *Store) UseNonce(ctx context.Context, nonce string, expires, now time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO spent_nonces (nonce, expires_at) VALUES ($1, $2)
ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at
WHERE spent_nonces.expires_at <= $3`, nonce, expires.UnixNano(), now.UnixNano())
	if err := s.observe("nonce", err); err != nil {
		return false, fmt.Errorf("spend nonce: %w", err)
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM spent_nonces WHERE expires_at <= $1`, now.UnixNano()); err != nil {
		// Only tidying: the nonce is spent either way.
		s.log.WarnContext(ctx, "delete expired nonces", "err", s.observe("nonce", err))
	}
	return tag.RowsAffected() == 1, nil
}
