package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"refbot/bot"
)

// This file keeps OAuth installations: one row per platform and
// workspace. The credentials arrive sealed (bot.Installation.Secret) and
// are stored as given, so the file never holds a token in clear text.

const installColumns = `platform, team, team_name, enterprise, bot_user, bot_id, scopes, installer, installed_at, expires_at, secret`

func scanInstallation(r interface{ Scan(...any) error }) (bot.Installation, error) {
	var (
		in        bot.Installation
		scopes    string
		installed int64
		expires   sql.NullInt64
	)
	err := r.Scan(&in.Platform, &in.Team, &in.TeamName, &in.Enterprise, &in.BotUser, &in.BotID,
		&scopes, &in.Installer, &installed, &expires, &in.Secret)
	if err != nil {
		return in, err
	}
	if scopes != "" {
		in.Scopes = strings.Split(scopes, ",")
	}
	in.InstalledAt = time.Unix(0, installed).UTC()
	if expires.Valid {
		in.ExpiresAt = time.Unix(0, expires.Int64).UTC()
	}
	return in, nil
}

// SaveInstallation adds in, or replaces the installation of its platform
// and team (a reinstall, or fresh tokens).
func (s *Store) SaveInstallation(ctx context.Context, in bot.Installation) error {
	var expires sql.NullInt64
	if !in.ExpiresAt.IsZero() {
		expires = sql.NullInt64{Int64: in.ExpiresAt.UnixNano(), Valid: true}
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO installations (`+installColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (platform, team) DO UPDATE SET
	team_name = excluded.team_name, enterprise = excluded.enterprise, bot_user = excluded.bot_user,
	bot_id = excluded.bot_id, scopes = excluded.scopes, installer = excluded.installer,
	installed_at = excluded.installed_at, expires_at = excluded.expires_at, secret = excluded.secret`,
		in.Platform, in.Team, in.TeamName, in.Enterprise, in.BotUser, in.BotID,
		strings.Join(in.Scopes, ","), in.Installer, in.InstalledAt.UnixNano(), expires, in.Secret)
	if err != nil {
		return fmt.Errorf("save installation: %w", err)
	}
	return nil
}

// Installation returns the platform's installation in team.
func (s *Store) Installation(ctx context.Context, platform, team string) (bot.Installation, bool, error) {
	in, err := scanInstallation(s.db.QueryRowContext(ctx, `SELECT `+installColumns+` FROM installations WHERE platform = ? AND team = ?`, platform, team))
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Installation{}, false, nil
	}
	if err != nil {
		return bot.Installation{}, false, fmt.Errorf("read installation: %w", err)
	}
	return in, true, nil
}

// Installations lists the platform's installations by team.
func (s *Store) Installations(ctx context.Context, platform string) ([]bot.Installation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+installColumns+` FROM installations WHERE platform = ? ORDER BY team`, platform)
	if err != nil {
		return nil, fmt.Errorf("list installations: %w", err)
	}
	defer rows.Close()
	var out []bot.Installation
	for rows.Next() {
		in, err := scanInstallation(rows)
		if err != nil {
			return nil, fmt.Errorf("list installations: %w", err)
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list installations: %w", err)
	}
	return out, nil
}

// DeleteInstallation forgets the platform's installation in team,
// reporting whether there was one.
func (s *Store) DeleteInstallation(ctx context.Context, platform, team string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM installations WHERE platform = ? AND team = ?`, platform, team)
	if err != nil {
		return false, fmt.Errorf("delete installation: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("delete installation: %w", err)
	}
	return n > 0, nil
}

// UseNonce spends nonce: it reports true the first time, and false for a
// nonce spent before and not yet expired, whichever process spent it.
// Expired nonces are deleted on the way.
func (s *Store) UseNonce(ctx context.Context, nonce string, expires, now time.Time) (bool, error) {
	fresh := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM spent_nonces WHERE expires_at <= ?`, now.UnixNano()); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO spent_nonces (nonce, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, nonce, expires.UnixNano())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		fresh = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("spend nonce: %w", err)
	}
	return fresh, nil
}
