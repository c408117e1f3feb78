package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"refbot/bot"
	"refbot/glossary"
)

var _ bot.CurationStore = (*Store)(nil)

// Curation, as in bot/sqlite: a proposal row moves once from pending to
// approved or rejected — an UPDATE … WHERE status = 'pending' decides, and
// of two reviewers on two replicas the second waits for the first's row
// lock, then finds the row decided. Approving also writes the entry into
// curated_entries, moves the scope's version on, raises the stored
// glossary's version and sends NOTIFY, all in one transaction: a crash
// leaves all of it or none, and every replica listening hears of it when,
// and only if, it commits.

const proposalColumns = `id, scope, team, entry, edit, author, proposed_at, status, edited_by, edited_at, decided_by, decided_at, reason, version`

func scanProposal(r pgx.Row) (bot.Proposal, error) {
	var (
		p                          bot.Proposal
		entry, author, edBy, decBy string
		status                     string
		proposed                   int64
		edited, decidedAt          *int64
	)
	if err := r.Scan(&p.ID, &p.Scope, &p.Team, &entry, &p.Edit, &author, &proposed, &status, &edBy, &edited, &decBy, &decidedAt, &p.Reason, &p.Version); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(entry), &p.Entry); err != nil {
		return p, fmt.Errorf("proposal %d: decode its entry: %w", p.ID, err)
	}
	p.Status = bot.Status(status)
	p.Author, p.EditedBy, p.DecidedBy = bot.ParseWho(author), bot.ParseWho(edBy), bot.ParseWho(decBy)
	p.Proposed = time.Unix(0, proposed).UTC()
	if edited != nil {
		p.Edited = time.Unix(0, *edited).UTC()
	}
	if decidedAt != nil {
		p.Decided = time.Unix(0, *decidedAt).UTC()
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

// AddProposal implements bot.CurationStore. A transaction-scoped advisory
// lock on the scope and author is taken first, so two suggestions from
// one author on two replicas are counted one after the other and the cap
// holds (a count alone, under READ COMMITTED, would let both in).
func (s *Store) AddProposal(ctx context.Context, p bot.Proposal, maxPending int) (int64, error) {
	entry, err := entryJSON(p.Entry)
	if err != nil {
		return 0, err
	}
	var id int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "curation:"+p.Scope+":"+p.Author.String()); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM curation_proposals WHERE scope = $1 AND author = $2 AND status = 'pending'`,
			p.Scope, p.Author.String()).Scan(&n); err != nil {
			return err
		}
		if maxPending > 0 && n >= maxPending {
			return bot.ErrTooManyPending
		}
		return tx.QueryRow(ctx, `INSERT INTO curation_proposals (scope, team, entry_id, entry, edit, author, proposed_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			p.Scope, p.Team, p.Entry.ID, entry, p.Edit, p.Author.String(), p.Proposed.UnixNano()).Scan(&id)
	})
	if errors.Is(err, bot.ErrTooManyPending) {
		s.observe("curation", nil)
		return 0, err
	}
	if err := s.observe("curation", err); err != nil {
		return 0, fmt.Errorf("store a proposal: %w", err)
	}
	return id, nil
}

// Proposal implements bot.CurationStore.
func (s *Store) Proposal(ctx context.Context, scope string, id int64) (bot.Proposal, error) {
	p, err := scanProposal(s.pool.QueryRow(ctx, `SELECT `+proposalColumns+` FROM curation_proposals WHERE scope = $1 AND id = $2`, scope, id))
	if errors.Is(err, pgx.ErrNoRows) {
		s.observe("curation", nil)
		return p, bot.ErrNoProposal
	}
	if err := s.observe("curation", err); err != nil {
		return p, fmt.Errorf("read proposal %d: %w", id, err)
	}
	return p, nil
}

// Proposals implements bot.CurationStore.
func (s *Store) Proposals(ctx context.Context, scope string, f bot.ProposalFilter) ([]bot.Proposal, error) {
	where, args := []string{"scope = $1"}, []any{scope}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Status != "" {
		add("status = $%d", string(f.Status))
	}
	if f.Author != (bot.Who{}) {
		add("author = $%d", f.Author.String())
	}
	if f.EntryID != "" {
		add("entry_id = $%d", f.EntryID)
	}
	q := `SELECT ` + proposalColumns + ` FROM curation_proposals WHERE ` + strings.Join(where, " AND ") + ` ORDER BY id`
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	out, err := func() ([]bot.Proposal, error) {
		rows, err := s.pool.Query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []bot.Proposal
		for rows.Next() {
			p, err := scanProposal(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		return out, rows.Err()
	}()
	if err := s.observe("curation", err); err != nil {
		return nil, fmt.Errorf("list proposals: %w", err)
	}
	return out, nil
}

// pendingOr says why a proposal that a conditional update did not change
// was left alone: it does not exist, or it is decided.
func pendingOr(ctx context.Context, tx pgx.Tx, scope string, id int64) error {
	var status string
	err := tx.QueryRow(ctx, `SELECT status FROM curation_proposals WHERE scope = $1 AND id = $2`, scope, id).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return bot.ErrNoProposal
	}
	if err != nil {
		return err
	}
	return bot.ErrDecided
}

// settled reports err as a CurationStore answers: the contract's own
// errors as they are, anything else observed and wrapped.
func (s *Store) settled(err error, what string, id int64) error {
	if errors.Is(err, bot.ErrDecided) || errors.Is(err, bot.ErrNoProposal) {
		s.observe("curation", nil)
		return err
	}
	if err := s.observe("curation", err); err != nil {
		return fmt.Errorf("%s proposal %d: %w", what, id, err)
	}
	return nil
}

// ReviseProposal implements bot.CurationStore.
func (s *Store) ReviseProposal(ctx context.Context, scope string, id int64, e glossary.Entry, by bot.Who, at time.Time) error {
	entry, err := entryJSON(e)
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE curation_proposals SET entry = $1, entry_id = $2, edited_by = $3, edited_at = $4 WHERE scope = $5 AND id = $6 AND status = 'pending'`,
			entry, e.ID, by.String(), at.UnixNano(), scope, id)
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		return pendingOr(ctx, tx, scope, id)
	})
	return s.settled(err, "revise", id)
}

// Decide implements bot.CurationStore. An approval also raises the stored
// glossary's version and sends NOTIFY in the same transaction, so every
// replica lays the new entry over its files within a moment of the
// commit (bot.FollowGlossary), and none hears of an approval that did not
// commit.
func (s *Store) Decide(ctx context.Context, scope string, id int64, d bot.Decision) (int64, error) {
	var version int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		status, reason := "rejected", d.Reason
		if d.Approve {
			status, reason = "approved", ""
		}
		tag, err := tx.Exec(ctx, `UPDATE curation_proposals SET status = $1, decided_by = $2, decided_at = $3, reason = $4 WHERE scope = $5 AND id = $6 AND status = 'pending'`,
			status, d.By.String(), d.At.UnixNano(), reason, scope, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return pendingOr(ctx, tx, scope, id)
		}
		if !d.Approve {
			err := tx.QueryRow(ctx, `SELECT version FROM curation_versions WHERE scope = $1`, scope).Scan(&version)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			return err
		}
		// The upsert locks the scope's row: approvals on two replicas
		// take the versions one after the other.
		if err := tx.QueryRow(ctx, `INSERT INTO curation_versions (scope, version) VALUES ($1, 1)
ON CONFLICT (scope) DO UPDATE SET version = curation_versions.version + 1 RETURNING version`, scope).Scan(&version); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE curation_proposals SET version = $1 WHERE id = $2`, version, id); err != nil {
			return err
		}
		if _, err = tx.Exec(ctx, `INSERT INTO curated_entries (scope, entry_id, entry, version, proposal_id)
SELECT scope, entry_id, entry, $1, id FROM curation_proposals WHERE id = $2
ON CONFLICT (scope, entry_id) DO UPDATE SET entry = excluded.entry, version = excluded.version, proposal_id = excluded.proposal_id`, version, id); err != nil {
			return err
		}
		_, err = glossaryChanged(ctx, tx)
		return err
	})
	if err := s.settled(err, "decide", id); err != nil {
		return 0, err
	}
	return version, nil
}

// CuratedSince implements bot.CurationStore. The version and the entries
// are read in one REPEATABLE READ transaction, so they always agree.
func (s *Store) CuratedSince(ctx context.Context, scope string, since int64) ([]glossary.Entry, int64, bool, error) {
	var version int64
	err := s.pool.QueryRow(ctx, `SELECT version FROM curation_versions WHERE scope = $1`, scope).Scan(&version)
	if errors.Is(err, pgx.ErrNoRows) {
		err = nil
	}
	if err := s.observe("curated", err); err != nil {
		return nil, 0, false, fmt.Errorf("read the curated version: %w", err)
	}
	if version <= since {
		return nil, version, false, nil
	}
	var out []glossary.Entry
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT version FROM curation_versions WHERE scope = $1`, scope).Scan(&version); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT entry_id, entry FROM curated_entries WHERE scope = $1 ORDER BY entry_id`, scope)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, raw string
			if err := rows.Scan(&id, &raw); err != nil {
				return err
			}
			var e glossary.Entry
			if err := json.Unmarshal([]byte(raw), &e); err != nil {
				return fmt.Errorf("curated entry %s: %w", id, err)
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	if err := s.observe("curated", err); err != nil {
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
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM curation_drafts WHERE created_at < $1`, d.Created.Add(-bot.DraftLife).UnixNano()); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO curation_drafts (scope, author, action, state, fields, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			d.Scope, d.Author.String(), d.Action, d.State, string(fields), d.Created.UnixNano()).Scan(&id)
	})
	if err := s.observe("curation", err); err != nil {
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
	err := s.pool.QueryRow(ctx, `SELECT id, scope, author, action, state, fields, created_at FROM curation_drafts WHERE scope = $1 AND id = $2`, scope, id).
		Scan(&d.ID, &d.Scope, &author, &d.Action, &d.State, &fields, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		s.observe("curation", nil)
		return d, bot.ErrNoDraft
	}
	if err := s.observe("curation", err); err != nil {
		return d, fmt.Errorf("read draft %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(fields), &d.Fields); err != nil {
		return d, fmt.Errorf("draft %d: %w", id, err)
	}
	d.Author, d.Created = bot.ParseWho(author), time.Unix(0, created).UTC()
	return d, nil
}
