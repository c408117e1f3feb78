package bot_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/glossary"
)

// curationBot is a bot with a curation store; the console user "mod" is a
// reviewer by configuration, "owner" by being a moderator.
func curationBot(t testing.TB, store bot.CurationStore, cfg bot.CurationConfig) *bot.Bot {
	t.Helper()
	if cfg.Reviewers == nil {
		cfg.Reviewers = []bot.Who{{Platform: "test", User: "mod"}}
	}
	return newBot(t, bot.Config{CurationStore: store, Curation: cfg, Clock: bottest.NewClock(time.Date(2026, 12, 2, 14, 5, 0, 0, time.UTC))})
}

// as is a request from a user on the "test" platform.
func as(user string, kind bot.Kind, command, text string, fields map[string]string) bot.Request {
	req := bot.Request{Platform: "test", Channel: "C1", User: user, Kind: kind, Command: command, Text: text, Fields: fields}
	if user == "owner" {
		req.Moderator = func(context.Context) bool { return true }
	}
	return req
}

func handle(t *testing.T, b *bot.Bot, req bot.Request) bot.Reply {
	t.Helper()
	r, err := b.Handle(context.Background(), req)
	if err != nil {
		t.Fatalf("%s %s %q: %v", req.Kind, req.Command, req.Text, err)
	}
	return r
}

// goodFields is a suggestion that passes every check.
func goodFields() map[string]string {
	return map[string]string{
		bot.FieldTitle:     "Lottery Ticket Hypothesis",
		bot.FieldAliases:   "winning tickets",
		bot.FieldSummary:   "The idea that a large trained network contains a small subnetwork which, trained alone from the same start, would do as well. Pruning finds such a ticket.",
		bot.FieldKeyPoints: "• Found by pruning and rewinding the weights\n- Suggests much of a network is not needed",
		bot.FieldSources:   "The Lottery Ticket Hypothesis — https://arxiv.org/abs/1803.03635\nSee also: grokking, scaling laws",
	}
}

func buttonOf(t *testing.T, r bot.Reply, action string) bot.Button {
	t.Helper()
	for _, b := range r.Buttons {
		if b.Action == action {
			return b
		}
	}
	t.Fatalf("no %s button in %+v", action, r.Buttons)
	return bot.Button{}
}

// The whole flow in the core: a term that is missing offers the form,
// a submission with problems comes back with them by field, a corrected
// one is stored, the reviewer approves it, and /define finds it.
func TestCurationFlow(t *testing.T) {
	store := bot.NewMemoryCuration()
	b := curationBot(t, store, bot.CurationConfig{})

	r := handle(t, b, as("ann", bot.Command, bot.CommandDefine, "lottery ticket hypothesis", nil))
	if r.Card != nil {
		t.Fatalf("the embedded glossary has the lottery ticket hypothesis; choose another term for this test")
	}
	btn := buttonOf(t, r, bot.ActionSuggest)
	if btn.Label != "Suggest this term" || btn.Value != "lottery ticket hypothesis" {
		t.Errorf("button = %+v", btn)
	}
	if !strings.Contains(r.Notice, "/suggest TERM") {
		t.Errorf("not-found notice does not say how to suggest: %q", r.Notice)
	}

	r = handle(t, b, as("ann", bot.Action, btn.Action, btn.Value, nil))
	if r.Form == nil || r.Form.Action != bot.ActionSuggest || r.Form.Fields[0].Value != "lottery ticket hypothesis" {
		t.Fatalf("the button opened %+v, want the form with the term filled in", r.Form)
	}
	if len(r.Form.Fields) > 5 {
		t.Errorf("%d fields: Discord's modals take 5", len(r.Form.Fields))
	}

	bad := goodFields()
	bad[bot.FieldSummary] = ""
	bad[bot.FieldSources] = "Lottery — javascript:alert(1)\nSee also: no such thing at all"
	r = handle(t, b, as("ann", bot.Submit, r.Form.Action, r.Form.State, bad))
	if r.Form == nil || !r.Form.HasProblems() {
		t.Fatalf("a bad submission was taken: %+v", r)
	}
	problems := map[string]string{}
	for _, f := range r.Form.Fields {
		problems[f.Name] = f.Problem
	}
	if want := "is missing or empty"; problems[bot.FieldSummary] != want {
		t.Errorf("summary problem = %q, want %q", problems[bot.FieldSummary], want)
	}
	for _, want := range []string{"line 1, url: must start with https:// or http://", `See also "no such thing at all": no entry has id "no-such-thing-at-all"`} {
		if !strings.Contains(problems[bot.FieldSources], want) {
			t.Errorf("sources problem = %q, want it to include %q", problems[bot.FieldSources], want)
		}
	}
	if r.Form.Fields[0].Value != "Lottery Ticket Hypothesis" {
		t.Errorf("the form came back without what was typed: %+v", r.Form.Fields[0])
	}
	if !strings.Contains(r.Notice, "• Summary: is missing or empty") {
		t.Errorf("notice does not list the problems: %q", r.Notice)
	}
	reopen := buttonOf(t, r, bot.ActionReopen)
	r = handle(t, b, as("ann", bot.Action, reopen.Action, reopen.Value, nil))
	if r.Form == nil || r.Form.Fields[4].Value != bad[bot.FieldSources] {
		t.Fatalf("reopen = %+v, want the form with what was typed", r.Form)
	}
	if r2 := handle(t, b, as("bob", bot.Action, reopen.Action, reopen.Value, nil)); r2.Form != nil {
		t.Errorf("someone else reopened ann's draft")
	}

	r = handle(t, b, as("ann", bot.Submit, r.Form.Action, r.Form.State, goodFields()))
	if r.Form != nil || r.Card == nil || r.Card.Title != "Lottery Ticket Hypothesis" {
		t.Fatalf("a good submission: %+v", r)
	}
	if !strings.Contains(r.Notice, "number 1") {
		t.Errorf("notice = %q, want the suggestion's number", r.Notice)
	}
	if r := handle(t, b, as("ann", bot.Command, bot.CommandDefine, "lottery ticket hypothesis", nil)); r.Card != nil {
		t.Errorf("a pending suggestion is served")
	}

	// Not a reviewer: /review shows one's own.
	r = handle(t, b, as("ann", bot.Command, bot.CommandReview, "", nil))
	if !strings.Contains(r.Notice, "1, Lottery Ticket Hypothesis — waiting for a reviewer") || r.Card != nil {
		t.Errorf("ann's /review = %+v", r)
	}
	r = handle(t, b, as("bob", bot.Action, bot.ActionReview, "1", nil))
	if r.Card != nil || !strings.Contains(r.Notice, "Only reviewers and its author") {
		t.Errorf("bob saw ann's pending suggestion: %+v", r)
	}
	if r := handle(t, b, as("bob", bot.Action, bot.ActionApprove, "1", nil)); !strings.Contains(r.Notice, "Only reviewers") {
		t.Errorf("bob approved: %q", r.Notice)
	}

	r = handle(t, b, as("mod", bot.Command, bot.CommandReview, "", nil))
	if r.Card == nil || r.Card.Title != "Lottery Ticket Hypothesis" || !strings.Contains(r.Notice, "Suggestion 1: a new term, proposed by test:ann on 2 Dec 2026 14:05 UTC.") {
		t.Fatalf("reviewer's /review = %+v", r)
	}
	approve := buttonOf(t, r, bot.ActionApprove)
	buttonOf(t, r, bot.ActionReject)
	buttonOf(t, r, bot.ActionRevise)
	r = handle(t, b, as("mod", bot.Action, approve.Action, approve.Value, nil))
	if !strings.HasPrefix(r.Notice, "Approved: Lottery Ticket Hypothesis is in the glossary now") || r.Card == nil {
		t.Fatalf("approve = %+v", r)
	}
	r = handle(t, b, as("ann", bot.Command, bot.CommandDefine, "winning tickets", nil))
	if r.Card == nil || r.Card.ID != "lottery-ticket-hypothesis" {
		t.Fatalf("/define after approval = %+v", r)
	}
	if got := len(r.Card.SeeAlso); got != 2 {
		t.Errorf("related terms = %d, want grokking and scaling laws", got)
	}
	if r := handle(t, b, as("owner", bot.Action, bot.ActionApprove, "1", nil)); !strings.Contains(r.Notice, "decided already. Approved by test:mod") {
		t.Errorf("a second approval: %q", r.Notice)
	}
	if b.CuratedVersion() != 1 {
		t.Errorf("version = %d, want 1", b.CuratedVersion())
	}

	// An edit: /suggest on an existing term offers it, prefilled.
	r = handle(t, b, as("bob", bot.Command, bot.CommandSuggest, "lottery ticket hypothesis", nil))
	edit := buttonOf(t, r, bot.ActionSuggestEdit)
	if r.Card == nil || edit.Value != "lottery-ticket-hypothesis" {
		t.Fatalf("/suggest on an existing term = %+v", r)
	}
	r = handle(t, b, as("bob", bot.Action, edit.Action, edit.Value, nil))
	if r.Form == nil || r.Form.State != "lottery-ticket-hypothesis" || r.Form.Fields[2].Value != goodFields()[bot.FieldSummary] {
		t.Fatalf("edit form = %+v", r.Form)
	}
	if !strings.Contains(r.Form.Fields[4].Value, "See also: Grokking, Scaling Laws") {
		t.Errorf("sources field = %q", r.Form.Fields[4].Value)
	}
	fields := map[string]string{}
	for _, f := range r.Form.Fields {
		fields[f.Name] = f.Value
	}
	if r := handle(t, b, as("bob", bot.Submit, r.Form.Action, r.Form.State, fields)); !strings.Contains(r.Notice, "nothing is changed") {
		t.Errorf("an unchanged edit: %q", r.Notice)
	}
	fields[bot.FieldSummary] = "A large network holds a small one that, trained alone from the same start, learns as well. Pruning finds it."
	r = handle(t, b, as("bob", bot.Submit, r.Form.Action, r.Form.State, fields))
	if r.Card == nil || !strings.Contains(r.Notice, "an edit of Lottery Ticket Hypothesis") {
		t.Fatalf("edit submitted: %+v", r)
	}
	r = handle(t, b, as("owner", bot.Command, bot.CommandReview, "", nil))
	if !strings.Contains(r.Notice, "an edit of Lottery Ticket Hypothesis that changes the summary") {
		t.Errorf("review of an edit: %q", r.Notice)
	}

	// The reviewer edits it before approving.
	r = handle(t, b, as("owner", bot.Action, bot.ActionRevise, "2", nil))
	if r.Form == nil || r.Form.Action != bot.ActionRevise {
		t.Fatalf("revise = %+v", r)
	}
	fields[bot.FieldKeyPoints] += "\nNamed by Evan Hubinger"
	r = handle(t, b, as("owner", bot.Submit, r.Form.Action, r.Form.State, fields))
	if !strings.HasPrefix(r.Notice, "Saved your edit. Suggestion 2") || !strings.Contains(r.Notice, "Edited by reviewer test:owner") {
		t.Fatalf("revision = %q", r.Notice)
	}
	handle(t, b, as("owner", bot.Action, bot.ActionApprove, "2", nil))
	r = handle(t, b, as("ann", bot.Command, bot.CommandDefine, "lottery ticket hypothesis", nil))
	if r.Card == nil || len(r.Card.KeyPoints) != 3 || !strings.HasPrefix(r.Card.Summary, "A large network holds") {
		t.Errorf("after the edit: %+v", r.Card)
	}

	// A rejection asks why and keeps the entry as it was.
	r = handle(t, b, as("carl", bot.Command, bot.CommandSuggest, "lottery ticket hypothesis", nil))
	r = handle(t, b, as("carl", bot.Action, bot.ActionSuggestEdit, "lottery-ticket-hypothesis", nil))
	fields[bot.FieldSummary] = "Wrong."
	handle(t, b, as("carl", bot.Submit, r.Form.Action, r.Form.State, fields))
	r = handle(t, b, as("mod", bot.Action, bot.ActionReject, "3", nil))
	if r.Form == nil || r.Form.Fields[0].Name != bot.FieldReason {
		t.Fatalf("reject = %+v", r)
	}
	if r2 := handle(t, b, as("mod", bot.Submit, r.Form.Action, r.Form.State, map[string]string{bot.FieldReason: "  "})); !r2.Form.HasProblems() {
		t.Errorf("a rejection without a reason was taken")
	}
	r = handle(t, b, as("mod", bot.Submit, r.Form.Action, r.Form.State, map[string]string{bot.FieldReason: "The summary is too short."}))
	if !strings.HasPrefix(r.Notice, "Rejected suggestion 3") {
		t.Fatalf("reject submitted: %q", r.Notice)
	}
	if r := handle(t, b, as("ann", bot.Command, bot.CommandDefine, "lottery ticket hypothesis", nil)); r.Card.Summary == "Wrong." {
		t.Errorf("a rejected edit is served")
	}
	r = handle(t, b, as("carl", bot.Command, bot.CommandReview, "", nil))
	if !strings.Contains(r.Notice, "not accepted on 2 Dec 2026 14:05 UTC: The summary is too short.") {
		t.Errorf("carl's /review = %q", r.Notice)
	}
	if r := handle(t, b, as("mod", bot.Command, bot.CommandReview, "", nil)); r.Notice != "No suggestions are waiting for review." {
		t.Errorf("/review with nothing pending = %q", r.Notice)
	}
}

// Two reviewers approve at once: exactly one decision wins, and the
// other is told.
func TestConcurrentApprovals(t *testing.T) {
	store := bot.NewMemoryCuration()
	b := curationBot(t, store, bot.CurationConfig{Reviewers: []bot.Who{{Platform: "test", User: "r0"}, {Platform: "test", User: "r1"}, {Platform: "test", User: "r2"}, {Platform: "test", User: "r3"}}})
	handle(t, b, as("ann", bot.Submit, bot.ActionSuggest, "", goodFields()))
	var wg sync.WaitGroup
	replies := make([]bot.Reply, 4)
	for i := range replies {
		wg.Go(func() {
			req := as(fmt.Sprintf("r%d", i), bot.Action, bot.ActionApprove, "1", nil)
			if i%2 == 1 {
				req = as(fmt.Sprintf("r%d", i), bot.Submit, bot.ActionReject, "1", map[string]string{bot.FieldReason: "no"})
			}
			replies[i] = handle(t, b, req)
		})
	}
	wg.Wait()
	won := 0
	for _, r := range replies {
		switch {
		case strings.HasPrefix(r.Notice, "Approved:"), strings.HasPrefix(r.Notice, "Rejected suggestion"):
			won++
		case strings.Contains(r.Notice, "decided already"):
		default:
			t.Errorf("unexpected reply %q", r.Notice)
		}
	}
	if won != 1 {
		t.Errorf("%d decisions won, want exactly 1", won)
	}
	p, _ := store.Proposal(context.Background(), bot.DefaultScope, 1)
	if p.Status == bot.Approved && b.CuratedVersion() != 1 || p.Status == bot.Rejected && b.CuratedVersion() != 0 {
		t.Errorf("status %s with version %d", p.Status, b.CuratedVersion())
	}
}

// Processes share the curated layer through the store: a bot that did
// not approve serves the entry after its next sync, and a bot started
// after a crash between approval and publication serves it from the
// start — published once, lost never.
func TestCuratedLayerIsShared(t *testing.T) {
	store := bot.NewMemoryCuration()
	a := curationBot(t, store, bot.CurationConfig{})
	other := curationBot(t, store, bot.CurationConfig{})
	handle(t, a, as("ann", bot.Submit, bot.ActionSuggest, "", goodFields()))
	handle(t, a, as("mod", bot.Action, bot.ActionApprove, "1", nil))
	if r := handle(t, other, as("ann", bot.Command, bot.CommandDefine, "lottery ticket hypothesis", nil)); r.Card != nil {
		t.Fatalf("served before a sync")
	}
	changed, err := other.SyncCurated(context.Background())
	if err != nil || !changed {
		t.Fatalf("SyncCurated = %v, %v", changed, err)
	}
	if r := handle(t, other, as("ann", bot.Command, bot.CommandDefine, "lottery ticket hypothesis", nil)); r.Card == nil {
		t.Errorf("not served after a sync")
	}
	if changed, _ := other.SyncCurated(context.Background()); changed {
		t.Errorf("a second sync changed the glossary again")
	}

	// The crash: the approval is committed in the store, and the process
	// dies before it lays the entry over its glossary.
	handle(t, a, as("ann", bot.Submit, bot.ActionSuggest, "", map[string]string{
		bot.FieldTitle: "Sandbagging Evaluations", bot.FieldSummary: "A model doing worse on purpose when it is tested.",
		bot.FieldSources: "Sandbagging — https://example.org/sandbagging",
	}))
	if _, err := store.Decide(context.Background(), bot.DefaultScope, 2, bot.Decision{Approve: true, By: bot.Who{Platform: "test", User: "mod"}, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	restarted := curationBot(t, store, bot.CurationConfig{})
	if _, err := restarted.SyncCurated(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := handle(t, restarted, as("ann", bot.Command, bot.CommandDefine, "sandbagging evaluations", nil)); r.Card == nil {
		t.Errorf("the entry approved before the crash is not served")
	}
	if r := handle(t, a, as("mod", bot.Action, bot.ActionApprove, "2", nil)); !strings.Contains(r.Notice, "decided already") {
		t.Errorf("approving again after the crash: %q", r.Notice)
	}
	if restarted.CuratedVersion() != 2 {
		t.Errorf("version %d, want 2: one per approval", restarted.CuratedVersion())
	}
	approved, _ := store.Proposals(context.Background(), bot.DefaultScope, bot.ProposalFilter{Status: bot.Approved})
	if len(approved) != 2 {
		t.Errorf("%d approvals recorded, want 2", len(approved))
	}
}

// A new base glossary (a reload of the files) keeps the curated layer;
// one that takes a curated entry's name holds that entry back, without
// failing the reload, and reviewers are told.
func TestReloadUnderCuratedLayer(t *testing.T) {
	store := bot.NewMemoryCuration()
	b := curationBot(t, store, bot.CurationConfig{})
	handle(t, b, as("ann", bot.Submit, bot.ActionSuggest, "", goodFields()))
	handle(t, b, as("mod", bot.Action, bot.ActionApprove, "1", nil))
	g, _ := defaultGlossary()
	b.SetGlossary(g)
	if r := handle(t, b, as("ann", bot.Command, bot.CommandDefine, "lottery ticket hypothesis", nil)); r.Card == nil {
		t.Fatalf("a reload dropped the curated layer")
	}
	// A file now names "winning tickets".
	var es []glossary.Entry
	for _, e := range g.Entries() {
		es = append(es, *e)
	}
	es = append(es, glossary.Entry{ID: "hacker", Title: "Winning Tickets", Summary: "A file's entry.", Sources: []glossary.Source{{Title: "x", URL: "https://example.org"}}})
	files, err := glossary.New(es, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.SetGlossary(files)
	if r := handle(t, b, as("ann", bot.Command, bot.CommandDefine, "winning tickets", nil)); r.Card == nil || r.Card.ID != "hacker" {
		t.Errorf("the file's entry is not served: %+v", r.Card)
	}
	if _, ok := b.Glossary().Entry("lottery-ticket-hypothesis"); ok {
		t.Errorf("the clashing curated entry is still served")
	}
	r := handle(t, b, as("mod", bot.Command, bot.CommandReview, "", nil))
	if !strings.Contains(r.Notice, `curated/lottery-ticket-hypothesis: aliases[0]: "winning tickets" is also a name of "hacker"`) {
		t.Errorf("reviewers are not told: %q", r.Notice)
	}
}

func TestSuggestModesAndLimits(t *testing.T) {
	for _, c := range []struct {
		mode      bot.SuggestMode
		user      string
		wantForm  bool
		wantInMsg string
	}{
		{bot.SuggestAnyone, "ann", true, ""},
		{bot.SuggestModerators, "ann", false, "Only moderators can suggest"},
		{bot.SuggestModerators, "owner", true, ""},
		{bot.SuggestModerators, "mod", true, ""},
		{bot.SuggestOff, "owner", false, "turned off"},
		{bot.SuggestAnyone, "", false, "cannot tell who you are"},
	} {
		b := curationBot(t, bot.NewMemoryCuration(), bot.CurationConfig{Suggest: c.mode})
		r := handle(t, b, as(c.user, bot.Command, bot.CommandSuggest, "new thing", nil))
		if (r.Form != nil) != c.wantForm || !strings.Contains(r.Notice, c.wantInMsg) {
			t.Errorf("%s, %q: form %v, notice %q", c.mode, c.user, r.Form != nil, r.Notice)
		}
		// A forged or late submission meets the same rule.
		r = handle(t, b, as(c.user, bot.Submit, bot.ActionSuggest, "", goodFields()))
		if (r.Card != nil) != c.wantForm {
			t.Errorf("%s, %q: submission taken %v: %q", c.mode, c.user, r.Card != nil, r.Notice)
		}
		nf := handle(t, b, as(c.user, bot.Command, bot.CommandDefine, "no such term here", nil))
		if has := len(nf.Buttons) > 0; has != (c.mode == bot.SuggestAnyone) {
			t.Errorf("%s: not-found buttons %+v", c.mode, nf.Buttons)
		}
	}

	b := curationBot(t, bot.NewMemoryCuration(), bot.CurationConfig{MaxPending: 2, MaxLength: map[string]int{bot.FieldSummary: 50}})
	f := goodFields()
	r := handle(t, b, as("ann", bot.Submit, bot.ActionSuggest, "", f))
	if !strings.Contains(r.Notice, "Summary: is 154 characters; the limit here is 50") {
		t.Errorf("summary over the configured cap: %q", r.Notice)
	}
	f[bot.FieldSummary] = "Short enough, and in the model's own training."
	for i, title := range []string{"One Thing", "Two Thing", "Three Thing"} {
		f[bot.FieldTitle], f[bot.FieldAliases] = title, ""
		r = handle(t, b, as("ann", bot.Submit, bot.ActionSuggest, "", f))
		if got := r.Card != nil; got != (i < 2) {
			t.Errorf("suggestion %d taken %v: %q", i+1, got, r.Notice)
		}
	}
	if !strings.Contains(r.Notice, "You have 2 suggestions waiting") || len(r.Buttons) != 1 || r.Buttons[0].Action != bot.ActionReopen {
		t.Errorf("over the pending cap: %+v", r)
	}
	if r := handle(t, b, as("ann", bot.Command, bot.CommandSuggest, "four thing", nil)); r.Form != nil {
		t.Errorf("the form opened with the pending cap reached")
	}
	if r := handle(t, b, as("bob", bot.Command, bot.CommandSuggest, "four thing", nil)); r.Form == nil {
		t.Errorf("another person's cap is their own")
	}
}

// The stats' most wanted missing terms carry Suggest buttons.
func TestStatsSuggestButtons(t *testing.T) {
	b := curationBot(t, bot.NewMemoryCuration(), bot.CurationConfig{})
	handle(t, b, as("ann", bot.Command, bot.CommandDefine, "zebra crossing", nil))
	r := handle(t, b, as("ann", bot.Command, bot.CommandStats, "", nil))
	btn := buttonOf(t, r, bot.ActionSuggest)
	if btn.Value != "zebra crossing" || btn.Label != "Suggest “zebra crossing”" {
		t.Errorf("button = %+v", btn)
	}
}

// downCuration fails the calls a suggestion and a sync make.
type downCuration struct{ *bot.MemoryCuration }

var errDown = errors.New("store down")

func (downCuration) AddProposal(context.Context, bot.Proposal, int) (int64, error) { return 0, errDown }
func (downCuration) Proposals(context.Context, string, bot.ProposalFilter) ([]bot.Proposal, error) {
	return nil, errDown
}
func (downCuration) CuratedSince(context.Context, string, int64) ([]glossary.Entry, int64, bool, error) {
	return nil, 0, false, errDown
}

// A store that fails loses nothing typed: the answer says so, and the
// form comes back to send again.
func TestCurationStoreDown(t *testing.T) {
	b := curationBot(t, downCuration{bot.NewMemoryCuration()}, bot.CurationConfig{})
	r, err := b.Handle(context.Background(), as("ann", bot.Submit, bot.ActionSuggest, "", goodFields()))
	if err == nil || !strings.Contains(r.Notice, "could not reach its store") || r.Form == nil || len(r.Buttons) != 1 {
		t.Errorf("store down: %+v, %v", r, err)
	}
	if _, err := b.SyncCurated(context.Background()); !errors.Is(err, errDown) {
		t.Errorf("SyncCurated = %v", err)
	}
	if r := handle(t, b, as("ann", bot.Command, bot.CommandDefine, "mesa optimisation", nil)); r.Card == nil {
		t.Errorf("a failing curation store stopped lookups")
	}
}

func TestMemoryCurationContract(t *testing.T) {
	bottest.CurationStoreSuite(t, func(t *testing.T) bot.CurationStore { return bot.NewMemoryCuration() })
}

// A suggestion's card is marked pending, so no adapter offers to share
// it in the channel; the approved entry's card is not.
func TestPendingCardsAreNotShared(t *testing.T) {
	b := curationBot(t, bot.NewMemoryCuration(), bot.CurationConfig{})
	if r := handle(t, b, as("ann", bot.Submit, bot.ActionSuggest, "", goodFields())); !r.Card.Pending {
		t.Errorf("the thanks card is not pending")
	}
	if r := handle(t, b, as("mod", bot.Command, bot.CommandReview, "", nil)); !r.Card.Pending {
		t.Errorf("the review card is not pending")
	}
	if r := handle(t, b, as("mod", bot.Action, bot.ActionApprove, "1", nil)); r.Card.Pending {
		t.Errorf("the approved card is pending")
	}
	if r := handle(t, b, as("ann", bot.Command, bot.CommandReview, "1", nil)); r.Card.Pending {
		t.Errorf("a decided suggestion's card is pending")
	}
}

// flakyCuration fails CuratedSince with errs, one per call, then answers;
// calls receives each call's index after it returns.
type flakyCuration struct {
	*bot.MemoryCuration
	mu    sync.Mutex
	errs  []error
	n     int
	calls chan int
}

func (f *flakyCuration) CuratedSince(ctx context.Context, scope string, since int64) ([]glossary.Entry, int64, bool, error) {
	f.mu.Lock()
	i := f.n
	f.n++
	f.mu.Unlock()
	defer func() { f.calls <- i }()
	if i < len(f.errs) && f.errs[i] != nil {
		return nil, 0, false, f.errs[i]
	}
	return f.MemoryCuration.CuratedSince(ctx, scope, since)
}

// The curation poll logs a store that fails once, and once that it answers
// again; an outage the store reports itself (bot.ErrStoreDown) is not
// logged again here.
func TestRunCurationLogsFailuresOnce(t *testing.T) {
	down := fmt.Errorf("read the curated version: %w: dial unix: connection refused", bot.ErrStoreDown)
	broken := errors.New("read the curated version: no such table")
	store := &flakyCuration{MemoryCuration: bot.NewMemoryCuration(), errs: []error{down, down, nil, broken, broken, nil}, calls: make(chan int, 100)}
	var log bottest.Buffer
	g, err := defaultGlossary()
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(g, bot.Config{CurationStore: store, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.RunCuration(ctx, nil, time.Millisecond) }()
	for i := <-store.calls; i < len(store.errs); i = <-store.calls {
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(log.String(), "cannot read the curated glossary"); got != 1 || !strings.Contains(log.String(), "no such table") {
		t.Errorf("failures logged %d times, want the broken store once:\n%s", got, log.String())
	}
	if got := strings.Count(log.String(), "the store answers again"); got != 1 {
		t.Errorf("recoveries logged %d times, want once (after the logged failure):\n%s", got, log.String())
	}
	if strings.Contains(log.String(), "connection refused") {
		t.Errorf("an outage the store logs itself was logged again:\n%s", log.String())
	}
}
