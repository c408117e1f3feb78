package bot

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"refbot/glossary"
)

// CurationStore keeps what people suggest for the glossary, the decisions
// on it, and the curated layer the approved suggestions make. It is
// backend-neutral: the in-memory MemoryCuration, SQLite (bot/sqlite) and
// any server database implement it, and all must be safe for concurrent
// use, the database ones across processes. Every method takes a scope: one
// refbot install has one glossary today (DefaultScope), and per-community
// glossaries can come later without a new schema.
type CurationStore interface {
	// AddProposal stores p as pending and returns its number, unless its
	// author has maxPending pending proposals in the scope already
	// (ErrTooManyPending). The count and the insert are one atomic step.
	AddProposal(ctx context.Context, p Proposal, maxPending int) (int64, error)
	// Proposal returns one proposal, or ErrNoProposal.
	Proposal(ctx context.Context, scope string, id int64) (Proposal, error)
	// Proposals lists a scope's proposals that match f, oldest first.
	Proposals(ctx context.Context, scope string, f ProposalFilter) ([]Proposal, error)
	// ReviseProposal replaces a pending proposal's entry with a
	// reviewer's edit; ErrDecided once it is decided.
	ReviseProposal(ctx context.Context, scope string, id int64, e glossary.Entry, by Who, at time.Time) error
	// Decide approves or rejects a pending proposal, exactly once: of two
	// deciders one succeeds and the other gets ErrDecided. Approving also
	// writes the entry into the curated layer and moves the scope's
	// version on by one, in the same transaction, so a crash leaves either
	// all of it or none; a store that is also a GlossaryNotifier raises
	// its glossary version in that transaction too, so that every process
	// following it (FollowGlossary) reads the new layer. It returns the
	// version the decision made (the current one, for a rejection).
	Decide(ctx context.Context, scope string, id int64, d Decision) (version int64, err error)
	// CuratedSince returns the scope's curated entries and their version
	// when the version is past since, or changed false and nothing else
	// when it is not. The version starts at 0 and only grows: every
	// process polls with the version it serves ("changed since"), and is
	// woken sooner by the GlossaryNotifier where the backend can push
	// changes (PostgreSQL's LISTEN/NOTIFY).
	CuratedSince(ctx context.Context, scope string, since int64) (entries []glossary.Entry, version int64, changed bool, err error)
	// SaveDraft keeps a form that came back with problems, so its author
	// can reopen it with what they typed (Discord cannot show a form
	// again in answer to one); it returns the draft's number. Drafts older
	// than a day may be dropped.
	SaveDraft(ctx context.Context, d Draft) (int64, error)
	// Draft returns a saved draft, or ErrNoDraft.
	Draft(ctx context.Context, scope string, id int64) (Draft, error)
}

// DefaultScope is the scope of the one glossary an install has today.
const DefaultScope = "default"

// Errors a CurationStore returns; callers test them with errors.Is.
var (
	ErrTooManyPending = errors.New("too many pending proposals")
	ErrNoProposal     = errors.New("no such proposal")
	ErrDecided        = errors.New("the proposal is decided already")
	ErrNoDraft        = errors.New("no such draft")
)

// Who is a person on a platform.
type Who struct {
	Platform, User string
}

// String is "platform:user", the form stores keep it in.
func (w Who) String() string {
	if w == (Who{}) {
		return ""
	}
	return w.Platform + ":" + w.User
}

// ParseWho reads what String wrote.
func ParseWho(s string) Who {
	p, u, _ := strings.Cut(s, ":")
	return Who{Platform: p, User: u}
}

// Status is where a proposal stands.
type Status string

const (
	Pending  Status = "pending"
	Approved Status = "approved"
	Rejected Status = "rejected"
)

// Proposal is a suggested entry or edit, and what became of it.
type Proposal struct {
	ID    int64
	Scope string
	// Team is the workspace or server it was suggested in, where the
	// platform has one: its review channel and its author are told there.
	Team string
	// Entry is the entry as proposed, or as a reviewer last edited it.
	Entry glossary.Entry
	// Edit marks a change to an entry that was in service when proposed;
	// otherwise it is a new term.
	Edit     bool
	Author   Who
	Proposed time.Time
	Status   Status
	// EditedBy is the reviewer who last edited the entry, if any.
	EditedBy Who
	Edited   time.Time
	// DecidedBy approved or rejected it; Reason says why it was rejected.
	DecidedBy Who
	Decided   time.Time
	Reason    string
	// Version is the curated layer's version its approval made.
	Version int64
}

// ProposalFilter selects proposals; zero fields select all.
type ProposalFilter struct {
	Status  Status
	Author  Who
	EntryID string
	// Limit caps how many are returned (the oldest first); 0: no cap.
	Limit int
}

func (f ProposalFilter) match(p Proposal) bool {
	return (f.Status == "" || p.Status == f.Status) &&
		(f.Author == Who{} || p.Author == f.Author) &&
		(f.EntryID == "" || p.Entry.ID == f.EntryID)
}

// Decision is a reviewer's verdict on a proposal.
type Decision struct {
	Approve bool
	By      Who
	At      time.Time
	Reason  string // why it was rejected
}

// Draft is a form its author has yet to get right.
type Draft struct {
	ID      int64
	Scope   string
	Author  Who
	Action  string // the form's Action and State
	State   string
	Fields  map[string]string
	Created time.Time
}

// MemoryCuration is an in-memory CurationStore, for the console and tests.
type MemoryCuration struct {
	mu        sync.Mutex
	proposals []Proposal // by id - 1
	curated   map[string]map[string]glossary.Entry
	versions  map[string]int64
	drafts    map[int64]Draft
	nextDraft int64
	notify    *MemoryGlossaryNotifier // raised by each approval; may be nil
}

var _ CurationStore = (*MemoryCuration)(nil)

// NewMemoryCuration returns an empty MemoryCuration.
func NewMemoryCuration() *MemoryCuration {
	return &MemoryCuration{curated: map[string]map[string]glossary.Entry{}, versions: map[string]int64{}, drafts: map[int64]Draft{}}
}

// NotifyTo makes each approval raise n's version, as a database store
// raises its glossary version in the approving transaction: for the
// memory stores used together as one state. It returns m.
func (m *MemoryCuration) NotifyTo(n *MemoryGlossaryNotifier) *MemoryCuration {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.notify = n
	return m
}

// AddProposal implements CurationStore.
func (m *MemoryCuration) AddProposal(ctx context.Context, p Proposal, maxPending int) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, q := range m.proposals {
		if q.Scope == p.Scope && q.Author == p.Author && q.Status == Pending {
			n++
		}
	}
	if maxPending > 0 && n >= maxPending {
		return 0, ErrTooManyPending
	}
	p.ID = int64(len(m.proposals) + 1)
	p.Status = Pending
	p.Entry = cloneEntry(p.Entry)
	m.proposals = append(m.proposals, p)
	return p.ID, nil
}

// find returns the proposal's index, or -1; m.mu is held.
func (m *MemoryCuration) find(scope string, id int64) int {
	if id < 1 || id > int64(len(m.proposals)) || m.proposals[id-1].Scope != scope {
		return -1
	}
	return int(id - 1)
}

// Proposal implements CurationStore.
func (m *MemoryCuration) Proposal(ctx context.Context, scope string, id int64) (Proposal, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.find(scope, id)
	if i < 0 {
		return Proposal{}, ErrNoProposal
	}
	p := m.proposals[i]
	p.Entry = cloneEntry(p.Entry)
	return p, nil
}

// Proposals implements CurationStore.
func (m *MemoryCuration) Proposals(ctx context.Context, scope string, f ProposalFilter) ([]Proposal, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Proposal
	for _, p := range m.proposals {
		if p.Scope == scope && f.match(p) {
			p.Entry = cloneEntry(p.Entry)
			out = append(out, p)
			if f.Limit > 0 && len(out) == f.Limit {
				break
			}
		}
	}
	return out, nil
}

// ReviseProposal implements CurationStore.
func (m *MemoryCuration) ReviseProposal(ctx context.Context, scope string, id int64, e glossary.Entry, by Who, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.find(scope, id)
	switch {
	case i < 0:
		return ErrNoProposal
	case m.proposals[i].Status != Pending:
		return ErrDecided
	}
	p := &m.proposals[i]
	p.Entry, p.EditedBy, p.Edited = cloneEntry(e), by, at
	return nil
}

// Decide implements CurationStore.
func (m *MemoryCuration) Decide(ctx context.Context, scope string, id int64, d Decision) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.find(scope, id)
	switch {
	case i < 0:
		return 0, ErrNoProposal
	case m.proposals[i].Status != Pending:
		return 0, ErrDecided
	}
	p := &m.proposals[i]
	p.DecidedBy, p.Decided = d.By, d.At
	if !d.Approve {
		p.Status, p.Reason = Rejected, d.Reason
		return m.versions[scope], nil
	}
	p.Status = Approved
	m.versions[scope]++
	p.Version = m.versions[scope]
	if m.curated[scope] == nil {
		m.curated[scope] = map[string]glossary.Entry{}
	}
	m.curated[scope][p.Entry.ID] = cloneEntry(p.Entry)
	if m.notify != nil {
		_, _ = m.notify.GlossaryChanged(ctx) // (it never fails)
	}
	return p.Version, nil
}

// CuratedSince implements CurationStore.
func (m *MemoryCuration) CuratedSince(ctx context.Context, scope string, since int64) ([]glossary.Entry, int64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := m.versions[scope]
	if v <= since {
		return nil, v, false, nil
	}
	ids := slices.Sorted(maps.Keys(m.curated[scope]))
	out := make([]glossary.Entry, 0, len(ids))
	for _, id := range ids {
		out = append(out, cloneEntry(m.curated[scope][id]))
	}
	return out, v, true, nil
}

// maxDrafts bounds the drafts kept in memory; the oldest go first.
const maxDrafts = 1000

// SaveDraft implements CurationStore.
func (m *MemoryCuration) SaveDraft(ctx context.Context, d Draft) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, old := range m.drafts {
		if d.Created.Sub(old.Created) > DraftLife || id <= m.nextDraft-maxDrafts {
			delete(m.drafts, id)
		}
	}
	m.nextDraft++
	d.ID = m.nextDraft
	d.Fields = maps.Clone(d.Fields)
	m.drafts[d.ID] = d
	return d.ID, nil
}

// Draft implements CurationStore.
func (m *MemoryCuration) Draft(ctx context.Context, scope string, id int64) (Draft, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.drafts[id]
	if !ok || d.Scope != scope {
		return Draft{}, ErrNoDraft
	}
	d.Fields = maps.Clone(d.Fields)
	return d, nil
}

// DraftLife is how long a draft is kept at least.
const DraftLife = 24 * time.Hour

// cloneEntry copies e's lists, so a store's copy and a caller's never
// share an array.
func cloneEntry(e glossary.Entry) glossary.Entry {
	e.Aliases = slices.Clone(e.Aliases)
	e.Describes = slices.Clone(e.Describes)
	e.KeyPoints = slices.Clone(e.KeyPoints)
	e.Sources = slices.Clone(e.Sources)
	e.SeeAlso = slices.Clone(e.SeeAlso)
	e.Tags = slices.Clone(e.Tags)
	e.Questions = slices.Clone(e.Questions)
	e.NoAutolink = slices.Clone(e.NoAutolink)
	return e
}

// String describes a proposal for logs: its number and entry id, never
// its text.
func (p Proposal) String() string { return fmt.Sprintf("proposal %d (%s)", p.ID, p.Entry.ID) }
