package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"refbot/bot"
	"refbot/glossary"
)

var _ bot.CurationStore = (*Store)(nil)

// Curation: proposals are rows that move once from pending to approved
// or rejected — an UPDATE … WHERE status = 'pending' decides, so of two
// reviewers exactly one changes the row. Approving also writes the entry
// into curated_entries and moves the scope's version on, in the same
// transaction: a crash leaves all of it or none. Other processes notice the
// new version on their next poll (CuratedSince).

const proposalColumns = `id, scope, team, entry, edit, author, proposed_at, status, edited_by, edited_at, decided_by, decided_at, reason, version`

func scanProposal(r interface{ Scan(...any) error }) (bot.Proposal, error) {
	var (
		p                          bot.Proposal
		entry, author, edBy, decBy string
		status                     string
		edit                       int
		proposed                   int64
		edited, decidedAt          sql.NullInt64
	)
	if err := r.Scan(&p.ID, &p.Scope, &p.Team, &entry, &edit, &author, &proposed, &status, &edBy, &edited, &decBy, &decidedAt, &p.Reason, &p.Version); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(entry), &p.Entry); err != nil {
		return p, fmt.Errorf("proposal %d: decode its entry: %w", p.ID, err)
	}
	p.Edit, p.Status = edit == 1, bot.Status(status)
	p.Author, p.EditedBy, p.DecidedBy = bot.ParseWho(author), bot.ParseWho(edBy), bot.ParseWho(decBy)
	p.Proposed = time.Unix(0, proposed).UTC()
	if edited.Valid {
		p.Edited = time.Unix(0, edited.Int64).UTC()
	}
	if decidedAt.Valid {
		p.Decided = time.Unix(0, decidedAt.Int64).UTC()
	}
	return p, nil
}

func entryJSON(e glossary.Entry) (string, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return "", fmt.Errorf("encode entry %s: %w", e.ID, err)
	}
	return string(b), nil
}

// AddProposal implements bot.CurationStore: the count of the author's
// pending proposals and the insert are one transaction.
func (s *Store) AddProposal(ctx context.Context, p bot.Proposal, maxPending int) (int64, error) {
	entry, err := entryJSON(p.Entry)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM curation_proposals WHERE scope = ? AND author = ? AND status = 'pending'`,
			p.Scope, p.Author.String()).Scan(&n); err != nil {
			return err
		}
		if maxPending > 0 && n >= maxPending {
			return bot.ErrTooManyPending
		}
		return tx.QueryRowContext(ctx, `INSERT INTO curation_proposals (scope, team, entry_id, entry, edit, author, proposed_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			p.Scope, p.Team, p.Entry.ID, entry, boolInt(p.Edit), p.Author.String(), p.Proposed.UnixNano()).Scan(&id)
	})
	if err != nil {
		if errors.Is(err, bot.ErrTooManyPending) {
			return 0, err
		}
		return 0, fmt.Errorf("store a proposal: %w", err)
	}
	return id, nil
}

// Proposal implements bot.CurationStore.
func (s *Store) Proposal(ctx context.Context, scope string, id int64) (bot.Proposal, error) {
	p, err := scanProposal(s.db.QueryRowContext(ctx, `SELECT `+proposalColumns+` FROM curation_proposals WHERE scope = ? AND id = ?`, scope, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, bot.ErrNoProposal
	}
	if err != nil {
		return p, fmt.Errorf("read proposal %d: %w", id, err)
	}
	return p, nil
}

// Proposals implements bot.CurationStore.
func (s *Store) Proposals(ctx context.Context, scope string, f bot.ProposalFilter) ([]bot.Proposal, error) {
	where, args := []string{"scope = ?"}, []any{scope}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.Author != (bot.Who{}) {
		where, args = append(where, "author = ?"), append(args, f.Author.String())
	}
	if f.EntryID != "" {
		where, args = append(where, "entry_id = ?"), append(args, f.EntryID)
	}
	q := `SELECT ` + proposalColumns + ` FROM curation_proposals WHERE ` + strings.Join(where, " AND ") + ` ORDER BY id`
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list proposals: %w", err)
	}
	defer rows.Close()
	var out []bot.Proposal
	for rows.Next() {
		p, err := scanProposal(rows)
		if err != nil {
			return nil, fmt.Errorf("list proposals: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list proposals: %w", err)
	}
	return out, nil
}

// pendingOr says why a proposal that a conditional update did not change
// was left alone: it does not exist, or it is decided.
func pendingOr(ctx context.Context, tx *sql.Tx, scope string, id int64) error {
	var status string
	err := tx.QueryRowContext(ctx, `SELECT status FROM curation_proposals WHERE scope = ? AND id = ?`, scope, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.ErrNoProposal
	}
	if err != nil {
		return err
	}
	return bot.ErrDecided
}

// ReviseProposal implements bot.CurationStore.
func (s *Store) ReviseProposal(ctx context.Context, scope string, id int64, e glossary.Entry, by bot.Who, at time.Time) error {
	entry, err := entryJSON(e)
	if err != nil {
		return err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE curation_proposals SET entry = ?, entry_id = ?, edited_by = ?, edited_at = ? WHERE scope = ? AND id = ? AND status = 'pending'`,
			entry, e.ID, by.String(), at.UnixNano(), scope, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		return pendingOr(ctx, tx, scope, id)
	})
	if err != nil && !errors.Is(err, bot.ErrDecided) && !errors.Is(err, bot.ErrNoProposal) {
		return fmt.Errorf("revise proposal %d: %w", id, err)
	}
	return err
}

// Decide implements bot.CurationStore. An approval also raises the
// stored glossary's version (bot.GlossaryNotifier) in its transaction.
func (s *Store) Decide(ctx context.Context, scope string, id int64, d bot.Decision) (int64, error) {
	var version int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		status, reason := "rejected", d.Reason
		if d.Approve {
			status, reason = "approved", ""
		}
		res, err := tx.ExecContext(ctx, `UPDATE curation_proposals SET status = ?, decided_by = ?, decided_at = ?, reason = ? WHERE scope = ? AND id = ? AND status = 'pending'`,
			status, d.By.String(), d.At.UnixNano(), reason, scope, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n != 1 {
			return pendingOr(ctx, tx, scope, id)
		}
		if err := tx.QueryRowContext(ctx, `SELECT version FROM curation_versions WHERE scope = ?`, scope).Scan(&version); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if !d.Approve {
			return nil
		}
		version++
		if _, err := tx.ExecContext(ctx, `INSERT INTO curation_versions (scope, version) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE SET version = excluded.version`, scope, version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE curation_proposals SET version = ? WHERE id = ?`, version, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO curated_entries (scope, entry_id, entry, version, proposal_id)
SELECT scope, entry_id, entry, ?, id FROM curation_proposals WHERE id = ?
ON CONFLICT (scope, entry_id) DO UPDATE SET entry = excluded.entry, version = excluded.version, proposal_id = excluded.proposal_id`, version, id); err != nil {
			return err
		}
		// The stored glossary changed: processes following it
		// (bot.FollowGlossary) read the new layer at their next check.
		_, err = tx.ExecContext(ctx, `UPDATE glossary_version SET version = version + 1 WHERE id = 1`)
		return err
	})
	if err != nil && !errors.Is(err, bot.ErrDecided) && !errors.Is(err, bot.ErrNoProposal) {
		return 0, fmt.Errorf("decide proposal %d: %w", id, err)
	}
	return version, err
}

// CuratedSince implements bot.CurationStore. The version and the entries
// are read in one transaction, so they always agree.
func (s *Store) CuratedSince(ctx context.Context, scope string, since int64) ([]glossary.Entry, int64, bool, error) {
	var version int64
	err := s.db.QueryRowContext(ctx, `SELECT version FROM curation_versions WHERE scope = ?`, scope).Scan(&version)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, 0, false, fmt.Errorf("read the curated version: %w", err)
	}
	if version <= since {
		return nil, version, false, nil
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, false, fmt.Errorf("read the curated entries: %w", err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT version FROM curation_versions WHERE scope = ?`, scope).Scan(&version); err != nil {
		return nil, 0, false, fmt.Errorf("read the curated version: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT entry_id, entry FROM curated_entries WHERE scope = ? ORDER BY entry_id`, scope)
	if err != nil {
		return nil, 0, false, fmt.Errorf("read the curated entries: %w", err)
	}
	defer rows.Close()
	var out []glossary.Entry
	for rows.Next() {
		var id, raw string
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, 0, false, fmt.Errorf("read the curated entries: %w", err)
		}
		var e glossary.Entry
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, 0, false, fmt.Errorf("curated entry %s: %w", id, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, false, fmt.Errorf("read the curated entries: %w", err)
	}
	return out, version, true, nil
}

// SaveDraft implements bot.CurationStore; drafts older than bot.DraftLife
// go as new ones come.
func (s *Store) SaveDraft(ctx context.Context, d bot.Draft) (int64, error) {
	fields, err := json.Marshal(d.Fields)
	if err != nil {
		return 0, fmt.Errorf("encode a draft: %w", err)
	}
	var id int64
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM curation_drafts WHERE created_at < ?`, d.Created.Add(-bot.DraftLife).UnixNano()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO curation_drafts (scope, author, action, state, fields, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			d.Scope, d.Author.String(), d.Action, d.State, string(fields), d.Created.UnixNano()).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("save a draft: %w", err)
	}
	return id, nil
}

// Draft implements bot.CurationStore.
func (s *Store) Draft(ctx context.Context, scope string, id int64) (bot.Draft, error) {
	var (
		d              bot.Draft
		author, fields string
		created        int64
	)
	err := s.db.QueryRowContext(ctx, `SELECT id, scope, author, action, state, fields, created_at FROM curation_drafts WHERE scope = ? AND id = ?`, scope, id).
		Scan(&d.ID, &d.Scope, &author, &d.Action, &d.State, &fields, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return d, bot.ErrNoDraft
	}
	if err != nil {
		return d, fmt.Errorf("read draft %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(fields), &d.Fields); err != nil {
		return d, fmt.Errorf("draft %d: %w", id, err)
	}
	d.Author, d.Created = bot.ParseWho(author), time.Unix(0, created).UTC()
	return d, nil
}
