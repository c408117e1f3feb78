package bottest

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"refbot/bot"
	"refbot/glossary"
)

// CurationStoreSuite checks that a bot.CurationStore keeps the contract
// every backend shares: proposals round-trip, the pending cap holds per
// author and scope, a proposal is decided exactly once (also when
// deciders race), approving writes the curated layer and moves its
// version on, and "changed since" reports exactly the versions past it.
// open returns a new, empty store.
func CurationStoreSuite(t *testing.T, open func(t *testing.T) bot.CurationStore) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 2, 14, 5, 0, 123456789, time.UTC)
	ann := bot.Who{Platform: "slack", User: "U1"}
	mod := bot.Who{Platform: "discord", User: "42"}
	entry := func(id, summary string) glossary.Entry {
		return glossary.Entry{
			ID: id, Title: "Title of " + id, Aliases: []string{"alias"}, Summary: summary,
			KeyPoints: []string{"one", "two"}, SeeAlso: []string{"other"}, Tags: []string{"tag"},
			Sources: []glossary.Source{{Title: "S", URL: "https://example.org/" + id, Authors: "A. B.", Year: 2020}},
		}
	}
	add := func(t *testing.T, s bot.CurationStore, p bot.Proposal) int64 {
		t.Helper()
		id, err := s.AddProposal(ctx, p, 0)
		if err != nil {
			t.Fatalf("AddProposal: %v", err)
		}
		return id
	}

	t.Run("round trip", func(t *testing.T) {
		s := open(t)
		want := bot.Proposal{Scope: bot.DefaultScope, Team: "T1", Entry: entry("x", "Summary «with» \"quotes\" and\nlines."), Edit: true, Author: ann, Proposed: t0}
		id := add(t, s, want)
		got, err := s.Proposal(ctx, bot.DefaultScope, id)
		if err != nil {
			t.Fatal(err)
		}
		want.ID, want.Status = id, bot.Pending
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Proposal =\n%+v\nwant\n%+v", got, want)
		}
		if _, err := s.Proposal(ctx, bot.DefaultScope, id+100); !errors.Is(err, bot.ErrNoProposal) {
			t.Errorf("unknown id: %v", err)
		}
		if _, err := s.Proposal(ctx, "other", id); !errors.Is(err, bot.ErrNoProposal) {
			t.Errorf("another scope's proposal: %v", err)
		}
	})

	t.Run("pending cap", func(t *testing.T) {
		s := open(t)
		p := bot.Proposal{Scope: bot.DefaultScope, Entry: entry("x", "s"), Author: ann, Proposed: t0}
		for range 2 {
			if _, err := s.AddProposal(ctx, p, 2); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.AddProposal(ctx, p, 2); !errors.Is(err, bot.ErrTooManyPending) {
			t.Errorf("third pending: %v, want ErrTooManyPending", err)
		}
		other := p
		other.Author = mod
		if _, err := s.AddProposal(ctx, other, 2); err != nil {
			t.Errorf("another author: %v", err)
		}
		elsewhere := p
		elsewhere.Scope = "other"
		if _, err := s.AddProposal(ctx, elsewhere, 2); err != nil {
			t.Errorf("another scope: %v", err)
		}
		if _, err := s.Decide(ctx, bot.DefaultScope, 1, bot.Decision{By: mod, At: t0, Reason: "no"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddProposal(ctx, p, 2); err != nil {
			t.Errorf("after a decision frees a place: %v", err)
		}
	})

	t.Run("filters", func(t *testing.T) {
		s := open(t)
		for i, id := range []string{"a", "b", "a", "c"} {
			who := ann
			if i%2 == 1 {
				who = mod
			}
			add(t, s, bot.Proposal{Scope: bot.DefaultScope, Entry: entry(id, "s"), Author: who, Proposed: t0})
		}
		if _, err := s.Decide(ctx, bot.DefaultScope, 2, bot.Decision{Approve: true, By: mod, At: t0}); err != nil {
			t.Fatal(err)
		}
		ids := func(f bot.ProposalFilter) []int64 {
			ps, err := s.Proposals(ctx, bot.DefaultScope, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, p := range ps {
				out = append(out, p.ID)
			}
			return out
		}
		for _, c := range []struct {
			f    bot.ProposalFilter
			want []int64
		}{
			{bot.ProposalFilter{}, []int64{1, 2, 3, 4}},
			{bot.ProposalFilter{Status: bot.Pending}, []int64{1, 3, 4}},
			{bot.ProposalFilter{Status: bot.Pending, Limit: 1}, []int64{1}},
			{bot.ProposalFilter{Author: mod}, []int64{2, 4}},
			{bot.ProposalFilter{EntryID: "a"}, []int64{1, 3}},
			{bot.ProposalFilter{Status: bot.Approved, Author: mod}, []int64{2}},
		} {
			if got := ids(c.f); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Proposals(%+v) = %v, want %v", c.f, got, c.want)
			}
		}
	})

	t.Run("decide once and publish", func(t *testing.T) {
		s := open(t)
		_, v, changed, err := s.CuratedSince(ctx, bot.DefaultScope, 0)
		if err != nil || changed || v != 0 {
			t.Fatalf("empty store: version %d, changed %v, %v", v, changed, err)
		}
		id := add(t, s, bot.Proposal{Scope: bot.DefaultScope, Entry: entry("x", "first"), Author: ann, Proposed: t0})
		v, err = s.Decide(ctx, bot.DefaultScope, id, bot.Decision{Approve: true, By: mod, At: t0.Add(time.Hour)})
		if err != nil || v != 1 {
			t.Fatalf("Decide = %d, %v; want version 1", v, err)
		}
		if _, err := s.Decide(ctx, bot.DefaultScope, id, bot.Decision{By: ann, At: t0, Reason: "late"}); !errors.Is(err, bot.ErrDecided) {
			t.Errorf("a second decision: %v, want ErrDecided", err)
		}
		if err := s.ReviseProposal(ctx, bot.DefaultScope, id, entry("x", "late"), mod, t0); !errors.Is(err, bot.ErrDecided) {
			t.Errorf("revising a decided proposal: %v, want ErrDecided", err)
		}
		if _, err := s.Decide(ctx, bot.DefaultScope, 99, bot.Decision{Approve: true, By: mod, At: t0}); !errors.Is(err, bot.ErrNoProposal) {
			t.Errorf("deciding an unknown proposal: %v", err)
		}
		p, _ := s.Proposal(ctx, bot.DefaultScope, id)
		if p.Status != bot.Approved || p.DecidedBy != mod || !p.Decided.Equal(t0.Add(time.Hour)) || p.Version != 1 {
			t.Errorf("approved proposal = %+v", p)
		}
		es, v, changed, err := s.CuratedSince(ctx, bot.DefaultScope, 0)
		if err != nil || !changed || v != 1 || len(es) != 1 || !reflect.DeepEqual(es[0], entry("x", "first")) {
			t.Fatalf("CuratedSince(0) = %+v, %d, %v, %v", es, v, changed, err)
		}
		if _, _, changed, _ := s.CuratedSince(ctx, bot.DefaultScope, 1); changed {
			t.Errorf("CuratedSince(1) at version 1 reports a change")
		}

		// An edit of the same id, revised by a reviewer, replaces it.
		id = add(t, s, bot.Proposal{Scope: bot.DefaultScope, Entry: entry("x", "second"), Edit: true, Author: ann, Proposed: t0})
		if err := s.ReviseProposal(ctx, bot.DefaultScope, id, entry("x", "second, revised"), mod, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		// A rejection does not move the version.
		rid := add(t, s, bot.Proposal{Scope: bot.DefaultScope, Entry: entry("y", "no"), Author: ann, Proposed: t0})
		if v, err := s.Decide(ctx, bot.DefaultScope, rid, bot.Decision{By: mod, At: t0, Reason: "a reason"}); err != nil || v != 1 {
			t.Errorf("reject = %d, %v; want version 1 still", v, err)
		}
		if p, _ := s.Proposal(ctx, bot.DefaultScope, rid); p.Status != bot.Rejected || p.Reason != "a reason" {
			t.Errorf("rejected proposal = %+v", p)
		}
		if v, err := s.Decide(ctx, bot.DefaultScope, id, bot.Decision{Approve: true, By: mod, At: t0}); err != nil || v != 2 {
			t.Fatalf("approve the edit = %d, %v", v, err)
		}
		es, v, _, _ = s.CuratedSince(ctx, bot.DefaultScope, 1)
		if v != 2 || len(es) != 1 || es[0].Summary != "second, revised" {
			t.Errorf("after the edit: %+v at %d", es, v)
		}
		p, _ = s.Proposal(ctx, bot.DefaultScope, id)
		if p.EditedBy != mod || !p.Edited.Equal(t0.Add(time.Minute)) {
			t.Errorf("revised proposal = %+v", p)
		}
		if _, v, changed, _ := s.CuratedSince(ctx, "other", 0); changed || v != 0 {
			t.Errorf("another scope sees version %d", v)
		}
	})

	t.Run("racing deciders", func(t *testing.T) {
		s := open(t)
		for round := range 5 {
			id := add(t, s, bot.Proposal{Scope: bot.DefaultScope, Entry: entry("race", "s"), Author: ann, Proposed: t0})
			var (
				wg  sync.WaitGroup
				mu  sync.Mutex
				won int
			)
			for i := range 6 {
				wg.Go(func() {
					_, err := s.Decide(ctx, bot.DefaultScope, id, bot.Decision{Approve: i%2 == 0, By: mod, At: t0, Reason: "r"})
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						won++
					case !errors.Is(err, bot.ErrDecided):
						t.Errorf("round %d: Decide: %v", round, err)
					}
				})
			}
			wg.Wait()
			if won != 1 {
				t.Errorf("round %d: %d deciders won, want 1", round, won)
			}
		}
		approved, _ := s.Proposals(ctx, bot.DefaultScope, bot.ProposalFilter{Status: bot.Approved})
		_, v, _, _ := s.CuratedSince(ctx, bot.DefaultScope, 0)
		if int64(len(approved)) != v {
			t.Errorf("version %d after %d approvals: each approval moves it once", v, len(approved))
		}
	})

	t.Run("drafts", func(t *testing.T) {
		s := open(t)
		d := bot.Draft{Scope: bot.DefaultScope, Author: ann, Action: bot.ActionSuggest, State: "x", Fields: map[string]string{"title": "T", "summary": "line\nline"}, Created: t0}
		id, err := s.SaveDraft(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Draft(ctx, bot.DefaultScope, id)
		d.ID = id
		if err != nil || !reflect.DeepEqual(got, d) {
			t.Errorf("Draft = %+v, %v; want %+v", got, err, d)
		}
		if _, err := s.Draft(ctx, bot.DefaultScope, id+1); !errors.Is(err, bot.ErrNoDraft) {
			t.Errorf("unknown draft: %v", err)
		}
		if _, err := s.Draft(ctx, "other", id); !errors.Is(err, bot.ErrNoDraft) {
			t.Errorf("another scope's draft: %v", err)
		}
	})
}
