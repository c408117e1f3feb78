package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"refbot/glossary"
)

// This file is community curation: people suggest entries and edits from
// chat (/suggest, or the Suggest this term button under a reply that
// found nothing), reviewers approve, reject or edit them (/review), and an
// approved entry joins the glossary in service at once, on every process
// sharing the store (layers.go). The rules:
//
//   - One validator: a suggestion is an entry checked by glossary.Check,
//     the code that checks entry files, before it is stored and again
//     before it is approved.
//   - Who: Config.Curation.Suggest says who may suggest (anyone,
//     moderators, nobody); reviewers are the moderators (Request.Moderator)
//     and the user ids Config.Curation.Reviewers lists.
//   - Pending text is shown only to its author and to reviewers; the
//     review channel's notice names no text, only a number.
//   - Exactly one decision: the store decides a proposal once; the
//     second reviewer is told who was first.
//   - Abuse limits: MaxPending proposals waiting per person, and a length
//     cap per form field (MaxLength).

// Command names of curation.
const (
	CommandSuggest = "suggest"
	CommandReview  = "review"
)

// Actions of curation's buttons and forms. A form's Action is one of
// these too: its submission comes back as Kind Submit with it.
const (
	// ActionSuggest opens the suggestion form for the term in Text, or
	// offers an edit when the glossary has it. As a form's Action, State
	// is "" for a new term or the id of the entry the edit changes.
	ActionSuggest = "suggest"
	// ActionSuggestEdit opens the form prefilled with the entry id in Text.
	ActionSuggestEdit = "suggest-edit"
	// ActionReopen opens the form saved as the draft number in Text.
	ActionReopen = "reopen"
	// ActionReview shows the proposal number in Text as the card it would
	// become; reviewers get Approve, Reject and Edit with it.
	ActionReview = "review"
	// ActionApprove approves the proposal number in Text.
	ActionApprove = "approve"
	// ActionReject asks why, in a form, and rejects the proposal number in
	// Text (the form's State).
	ActionReject = "reject"
	// ActionRevise opens a reviewer's edit of the proposal number in Text
	// (the form's State).
	ActionRevise = "revise"
)

// SuggestMode is who may suggest entries from chat.
type SuggestMode int

const (
	SuggestAnyone     SuggestMode = iota // the default
	SuggestModerators                    // moderators and reviewers
	SuggestOff                           // nobody: reviewers still decide what is pending
)

// String names the mode as the configuration spells it.
func (m SuggestMode) String() string {
	switch m {
	case SuggestModerators:
		return "moderators"
	case SuggestOff:
		return "off"
	}
	return "anyone"
}

// ParseSuggestMode reads "anyone", "moderators" or "off".
func ParseSuggestMode(s string) (SuggestMode, bool) {
	for _, m := range []SuggestMode{SuggestAnyone, SuggestModerators, SuggestOff} {
		if s == m.String() {
			return m, true
		}
	}
	return SuggestAnyone, false
}

// CurationConfig holds curation's settings. The zero value lets anyone
// suggest, moderators review, with the default limits.
type CurationConfig struct {
	Suggest SuggestMode
	// Reviewers may review besides the moderators: user ids by platform.
	Reviewers []Who
	// ReviewChannels get a notice of each new suggestion, by platform
	// name; the notice names its number, not its text.
	ReviewChannels map[string]string
	// MaxPending is how many suggestions one person may have waiting; 0
	// means DefaultPendingSuggestions.
	MaxPending int
	// MaxLength caps each form field, in characters, by field name
	// (FieldTitle, ...); a missing or larger one means MaxFieldLength's.
	MaxLength map[string]int
	// Scope is the store's scope of this glossary; "" means DefaultScope.
	Scope string
}

// DefaultPendingSuggestions is CurationConfig.MaxPending's default.
const DefaultPendingSuggestions = 3

// The fields of curation's forms.
const (
	FieldTitle     = "title"
	FieldAliases   = "aliases"
	FieldSummary   = "summary"
	FieldKeyPoints = "key_points"
	FieldSources   = "sources"
	FieldReason    = "reason"
)

// MaxFieldLength is the most each form field takes, in characters, and
// the default cap: what the glossary's own limits allow in an entry (a
// title of glossary.MaxTitle; eight key points of glossary.MaxPoint), and
// within what every platform's text inputs take (Slack's 3,000).
func MaxFieldLength() map[string]int {
	return map[string]int{
		FieldTitle:     glossary.MaxTitle,
		FieldAliases:   500,
		FieldSummary:   glossary.MaxSummary,
		FieldKeyPoints: glossary.MaxKeyPoints * (glossary.MaxPoint + 1), // and a newline each
		FieldSources:   3000,
		FieldReason:    500,
	}
}

// curationSettings is CurationConfig with the defaults applied.
type curationSettings struct {
	CurationConfig
	running atomic.Bool // RunCuration is delivering notices
}

func newCurationSettings(c CurationConfig) curationSettings {
	if c.MaxPending <= 0 {
		c.MaxPending = DefaultPendingSuggestions
	}
	caps := MaxFieldLength()
	for name, n := range c.MaxLength {
		if n > 0 && n < caps[name] {
			caps[name] = n
		}
	}
	c.MaxLength = caps
	if c.Scope == "" {
		c.Scope = DefaultScope
	}
	return curationSettings{CurationConfig: c}
}

// SuggestMode is who may suggest entries on this bot.
func (b *Bot) SuggestMode() SuggestMode { return b.curation.Suggest }

// who is the person asking.
func who(req Request) Who { return Who{Platform: req.Platform, User: req.User} }

// isReviewer reports whether the person asking may review suggestions.
func (b *Bot) isReviewer(ctx context.Context, req Request) bool {
	if req.User == "" {
		return false
	}
	if slices.Contains(b.curation.Reviewers, who(req)) {
		return true
	}
	return req.Moderator != nil && req.Moderator(ctx)
}

// proposeHint tells someone whose term is missing how to get it added;
// button says the reply carries a Suggest this term button.
func (b *Bot) proposeHint(req Request, button bool) string {
	switch {
	case b.cfg.ProposeHint != "":
		return b.cfg.ProposeHint
	case b.curation.Suggest == SuggestAnyone && button:
		return fmt.Sprintf("You can suggest it for the glossary: press Suggest this term, or type %s TERM.", req.Dialect.command(CommandSuggest))
	case b.curation.Suggest == SuggestAnyone:
		return fmt.Sprintf("You can suggest a term for the glossary with %s TERM.", req.Dialect.command(CommandSuggest))
	}
	return DefaultProposeHint
}

// suggestButton offers to suggest text as a new term, when anyone may.
func (b *Bot) suggestButton(text, label string) []Button {
	text = strings.TrimSpace(text)
	if b.curation.Suggest != SuggestAnyone || glossary.Normalize(text) == "" || strings.ContainsFunc(text, unicode.IsControl) {
		return nil
	}
	return []Button{{Label: label, Action: ActionSuggest, Value: cutBytes(text, maxButtonText)}}
}

// maxButtonText is the most of a term a button carries: Discord keeps 100
// bytes of action and value.
const maxButtonText = 80

// cutBytes cuts s to at most n bytes at a character boundary.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimSpace(s[:n])
}

const curationTrouble = "refbot could not reach its store of suggestions, so nothing changed. Try again in a minute; if it keeps failing, tell whoever runs refbot."

// maySuggest says why the person asking may not suggest entries now, or
// returns ok.
func (b *Bot) maySuggest(ctx context.Context, req Request) (Reply, bool) {
	switch {
	case b.curation.Suggest == SuggestOff:
		return Reply{Notice: "Suggesting entries from chat is turned off on this refbot. " + DefaultProposeHint}, false
	case req.User == "":
		return Reply{Notice: "refbot cannot tell who you are here, so it cannot take a suggestion from you."}, false
	case b.curation.Suggest == SuggestModerators && !b.isReviewer(ctx, req):
		return Reply{Notice: "Only moderators can suggest entries on this refbot. Ask one to suggest it. " + DefaultProposeHint}, false
	}
	return Reply{}, true
}

// hasRoom says when the person asking has as many suggestions waiting as
// they may, or returns ok.
func (b *Bot) hasRoom(ctx context.Context, req Request) (Reply, bool, error) {
	mine, err := b.cfg.CurationStore.Proposals(ctx, b.curation.Scope, ProposalFilter{Status: Pending, Author: who(req)})
	if err != nil {
		return Reply{Notice: curationTrouble}, false, fmt.Errorf("count pending suggestions: %w", err)
	}
	if len(mine) >= b.curation.MaxPending {
		return b.tooMany(req), false, nil
	}
	return Reply{}, true, nil
}

func (b *Bot) tooMany(req Request) Reply {
	return Reply{Notice: fmt.Sprintf("You have %d suggestions waiting for a reviewer, as many as refbot keeps from one person. Once a reviewer has decided on one you can suggest more; %s shows yours.",
		b.curation.MaxPending, req.Dialect.command(CommandReview))}
}

// suggestCommand is /suggest [TERM].
func (b *Bot) suggestCommand(ctx context.Context, req Request, text string) (Reply, error) {
	if utf8.RuneCountInString(text) > MaxTermLength {
		r, _ := b.usage(req, CommandSuggest, text)
		return r, nil
	}
	return b.suggestTerm(ctx, req, text)
}

// suggestTerm opens the form for text as a new term, or, when the
// glossary has the term, offers an edit of it instead.
func (b *Bot) suggestTerm(ctx context.Context, req Request, text string) (Reply, error) {
	if r, ok := b.maySuggest(ctx, req); !ok {
		return r, nil
	}
	text = strings.TrimSpace(text)
	if text != "" {
		if r := b.Glossary().Lookup(text); r.Match != nil {
			return Reply{
				Notice:  fmt.Sprintf("%s is in the glossary already. If something in it is wrong or missing, suggest an edit; if you meant something else, try %s with another name.", r.Match.Title, req.Dialect.command(CommandSuggest)),
				Card:    b.card(r.Match),
				Buttons: []Button{{Label: "Suggest an edit", Action: ActionSuggestEdit, Value: r.Match.ID}},
			}, nil
		}
	}
	if r, ok, err := b.hasRoom(ctx, req); !ok {
		return r, err
	}
	return Reply{Form: b.entryForm(ActionSuggest, "", "Suggest a term", "Send for review", glossary.Entry{Title: text})}, nil
}

// suggestEdit opens the form prefilled with the entry id in req.Text.
func (b *Bot) suggestEdit(ctx context.Context, req Request) (Reply, error) {
	if r, ok := b.maySuggest(ctx, req); !ok {
		return r, nil
	}
	e, ok := b.Glossary().Entry(req.Text)
	if !ok {
		return b.suggestTerm(ctx, req, req.Text)
	}
	if r, ok, err := b.hasRoom(ctx, req); !ok {
		return r, err
	}
	return Reply{Form: b.entryForm(ActionSuggest, e.ID, "Suggest an edit", "Send for review", *e)}, nil
}

// submitSuggestion takes a filled-in suggestion form: checked, then
// stored as pending, and the reviewers told.
func (b *Bot) submitSuggestion(ctx context.Context, req Request) (Reply, error) {
	if r, ok := b.maySuggest(ctx, req); !ok {
		return r, nil
	}
	g := b.Glossary()
	var base *glossary.Entry
	if req.Text != "" {
		e, ok := g.Entry(req.Text)
		if !ok {
			return b.sendBack(ctx, req, b.entryForm(ActionSuggest, "", "Suggest a term", "Send for review", glossary.Entry{}),
				map[string][]string{FieldTitle: {"the entry this edit was for is no longer in the glossary; send it as a new term"}})
		}
		base = e
	}
	f := b.entryForm(ActionSuggest, req.Text, "Suggest a term", "Send for review", glossary.Entry{})
	if base != nil {
		f.Title = "Suggest an edit"
	}
	pe, probs := b.parseEntry(g, req.Fields, base, req.Text)
	if len(probs) > 0 {
		return b.sendBack(ctx, req, f, probs)
	}
	p := Proposal{Scope: b.curation.Scope, Team: req.Team, Entry: pe.entry, Edit: base != nil, Author: who(req), Proposed: b.now()}
	id, err := b.cfg.CurationStore.AddProposal(ctx, p, b.curation.MaxPending)
	switch {
	case errors.Is(err, ErrTooManyPending):
		r, _ := b.sendBack(ctx, req, f, nil)
		r.Notice = b.tooMany(req).Notice + " What you typed is kept: press Edit and resubmit later."
		return r, nil
	case err != nil:
		r, _ := b.sendBack(ctx, req, f, nil)
		r.Notice = curationTrouble
		return r, fmt.Errorf("store a suggestion: %w", err)
	}
	p.ID = id
	b.log.InfoContext(ctx, "suggestion stored", "proposal", id, "entry", p.Entry.ID, "edit", p.Edit, "platform", req.Platform)
	b.announce(p)
	what := "a new term"
	if p.Edit {
		what = "an edit of " + base.Title
	}
	preview := b.card(&p.Entry)
	preview.Pending, preview.Page = true, ""
	return Reply{
		Notice: fmt.Sprintf("Thanks! Your suggestion (number %d, %s) is waiting for a reviewer; refbot will tell you what they decide, and %s shows where it stands. This is how it would look:", id, what, req.Dialect.command(CommandReview)),
		Card:   preview,
	}, nil
}

// sendBack answers a submission that has problems: the form again, with
// what was typed and each field's problems; the problems listed in the
// notice; and, when the draft could be kept, a button to reopen the form.
func (b *Bot) sendBack(ctx context.Context, req Request, f *Form, probs map[string][]string) (Reply, error) {
	fill(f, req.Fields)
	var lines []string
	for i := range f.Fields {
		fl := &f.Fields[i]
		if ps := probs[fl.Name]; len(ps) > 0 {
			fl.Problem = strings.Join(ps, "; ")
			for _, p := range ps {
				lines = append(lines, "• "+shortLabel(fl.Name)+": "+p)
			}
		}
	}
	r := Reply{Form: f, Notice: "Not sent yet: fix these and send it again.\n" + strings.Join(lines, "\n")}
	fields := make(map[string]string, len(req.Fields))
	for _, fl := range f.Fields {
		if v, ok := req.Fields[fl.Name]; ok {
			fields[fl.Name] = cutRunes(v, 4*MaxFieldLength()[fl.Name])
		}
	}
	id, err := b.cfg.CurationStore.SaveDraft(ctx, Draft{Scope: b.curation.Scope, Author: who(req), Action: f.Action, State: f.State, Fields: fields, Created: b.now()})
	if err != nil {
		b.log.WarnContext(ctx, "keep a draft", "err", err)
		r.Notice += "\n(refbot could not keep what you typed: copy it before you close this.)"
		return r, nil
	}
	r.Buttons = []Button{{Label: "Edit and resubmit", Action: ActionReopen, Value: strconv.FormatInt(id, 10)}}
	return r, nil
}

// fill puts the submitted values into the form's fields.
func fill(f *Form, fields map[string]string) {
	for i := range f.Fields {
		if v, ok := fields[f.Fields[i].Name]; ok {
			f.Fields[i].Value = v
		}
	}
}

func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// reopen opens the draft number in req.Text again, for its author.
func (b *Bot) reopen(ctx context.Context, req Request) (Reply, error) {
	id, err := strconv.ParseInt(req.Text, 10, 64)
	if err != nil {
		return Reply{Notice: "That form cannot be reopened. Start again with " + req.Dialect.command(CommandSuggest) + "."}, nil
	}
	d, err := b.cfg.CurationStore.Draft(ctx, b.curation.Scope, id)
	if errors.Is(err, ErrNoDraft) || err == nil && d.Author != who(req) {
		return Reply{Notice: "refbot no longer has that form (drafts are kept for a day, for the person who typed them). Start again with " + req.Dialect.command(CommandSuggest) + "."}, nil
	}
	if err != nil {
		return Reply{Notice: curationTrouble}, fmt.Errorf("read a draft: %w", err)
	}
	var f *Form
	switch d.Action {
	case ActionSuggest:
		title := "Suggest a term"
		if d.State != "" {
			title = "Suggest an edit"
		}
		f = b.entryForm(ActionSuggest, d.State, title, "Send for review", glossary.Entry{})
	case ActionRevise:
		f = b.entryForm(ActionRevise, d.State, "Edit suggestion "+d.State, "Save", glossary.Entry{})
	case ActionReject:
		f = b.reasonForm(d.State)
	default:
		return Reply{Notice: "That form cannot be reopened. Start again with " + req.Dialect.command(CommandSuggest) + "."}, fmt.Errorf("draft %d has unknown action %q", id, d.Action)
	}
	fill(f, d.Fields)
	return Reply{Form: f}, nil
}

// parsedID reads a proposal number from a button or a form's state.
func parsedID(s string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "#")), 10, 64)
	return id, err == nil && id > 0
}

// proposal reads the proposal number in s; the Reply says what went
// wrong when ok is false.
func (b *Bot) proposal(ctx context.Context, req Request, s string) (Proposal, Reply, bool, error) {
	id, ok := parsedID(s)
	if !ok {
		return Proposal{}, Reply{Notice: fmt.Sprintf("%q is not a suggestion number. %s lists them.", s, req.Dialect.command(CommandReview))}, false, nil
	}
	p, err := b.cfg.CurationStore.Proposal(ctx, b.curation.Scope, id)
	if errors.Is(err, ErrNoProposal) {
		return p, Reply{Notice: fmt.Sprintf("There is no suggestion number %d. %s lists them.", id, req.Dialect.command(CommandReview))}, false, nil
	}
	if err != nil {
		return p, Reply{Notice: curationTrouble}, false, fmt.Errorf("read suggestion %d: %w", id, err)
	}
	return p, Reply{}, true, nil
}

// onlyReviewers is the answer to someone who may not review.
func onlyReviewers(req Request) Reply {
	return Reply{Notice: fmt.Sprintf("Only reviewers can do that: moderators (%s) and the people refbot's configuration names. %s shows your own suggestions.", req.Dialect.managers(), req.Dialect.command(CommandReview))}
}

// reviewCommand is /review [NUMBER]: for reviewers the oldest pending
// suggestion as a card, with Approve, Reject, Edit and Next; for everyone
// else, their own suggestions and where they stand.
func (b *Bot) reviewCommand(ctx context.Context, req Request, text string) (Reply, error) {
	if text != "" {
		req.Text = text
		return b.reviewAction(ctx, req)
	}
	if !b.isReviewer(ctx, req) {
		return b.ownProposals(ctx, req)
	}
	pending, err := b.cfg.CurationStore.Proposals(ctx, b.curation.Scope, ProposalFilter{Status: Pending, Limit: 1})
	if err != nil {
		return Reply{Notice: curationTrouble}, fmt.Errorf("list pending suggestions: %w", err)
	}
	if len(pending) == 0 {
		return Reply{Notice: "No suggestions are waiting for review." + b.heldBackNote()}, nil
	}
	return b.reviewCard(ctx, req, pending[0], true)
}

// heldBackNote tells reviewers which curated entries are not served.
func (b *Bot) heldBackNote() string {
	held := b.HeldBack()
	if len(held) == 0 {
		return ""
	}
	lines := make([]string, 0, len(held))
	for _, p := range held {
		lines = append(lines, "• "+p.String())
	}
	return "\nThese approved entries are not served, because a glossary file now clashes with them; suggest an edit of each to fix it:\n" + strings.Join(lines, "\n")
}

// reviewCard is a proposal as the card it would become, with what it is
// and who proposed it, and — for a reviewer while it is pending —
// Approve, Reject, Edit and the next one waiting.
func (b *Bot) reviewCard(ctx context.Context, req Request, p Proposal, reviewer bool) (Reply, error) {
	r := Reply{Card: b.card(&p.Entry)}
	if p.Status == Pending {
		r.Card.Pending, r.Card.Page = true, "" // no page on the website yet
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "Suggestion %d: %s, proposed by %s on %s.", p.ID, b.describe(p), p.Author, day(p.Proposed))
	if p.EditedBy != (Who{}) {
		fmt.Fprintf(&sb, " Edited by reviewer %s on %s.", p.EditedBy, day(p.Edited))
	}
	if p.Status != Pending {
		sb.WriteString(" " + decided(p))
		r.Notice = sb.String()
		return r, nil
	}
	if !reviewer {
		sb.WriteString(" It is waiting for a reviewer.")
		r.Notice = sb.String()
		return r, nil
	}
	n := strconv.FormatInt(p.ID, 10)
	r.Buttons = []Button{
		{Label: "Approve", Action: ActionApprove, Value: n},
		{Label: "Reject", Action: ActionReject, Value: n},
		{Label: "Edit", Action: ActionRevise, Value: n},
	}
	next, err := b.cfg.CurationStore.Proposals(ctx, b.curation.Scope, ProposalFilter{Status: Pending})
	if err != nil {
		b.log.WarnContext(ctx, "list pending suggestions", "err", err)
	}
	others := slices.DeleteFunc(next, func(q Proposal) bool { return q.ID == p.ID })
	if len(others) > 0 {
		i := slices.IndexFunc(others, func(q Proposal) bool { return q.ID > p.ID })
		if i < 0 {
			i = 0
		}
		fmt.Fprintf(&sb, " %d more waiting.", len(others))
		r.Buttons = append(r.Buttons, Button{Label: fmt.Sprintf("Next: %d", others[i].ID), Action: ActionReview, Value: strconv.FormatInt(others[i].ID, 10)})
	}
	r.Notice = sb.String() + b.heldBackNote()
	return r, nil
}

// describe says what a proposal is: a new term, or an edit and what it
// changes.
func (b *Bot) describe(p Proposal) string {
	if !p.Edit {
		return "a new term"
	}
	cur, ok := b.Glossary().Entry(p.Entry.ID)
	if !ok {
		return "an edit of " + p.Entry.ID + " (no longer in the glossary)"
	}
	var changed []string
	add := func(name string, same bool) {
		if !same {
			changed = append(changed, name)
		}
	}
	add("the title", cur.Title == p.Entry.Title)
	add("the other names", slices.Equal(cur.Aliases, p.Entry.Aliases))
	add("the summary", cur.Summary == p.Entry.Summary)
	add("the key points", slices.Equal(cur.KeyPoints, p.Entry.KeyPoints))
	add("the sources", slices.Equal(cur.Sources, p.Entry.Sources))
	add("the related terms", slices.Equal(cur.SeeAlso, p.Entry.SeeAlso))
	if len(changed) == 0 {
		return "an edit of " + cur.Title + " that matches it as it is now"
	}
	return "an edit of " + cur.Title + " that changes " + joinAnd(changed)
}

func joinAnd(ss []string) string {
	if len(ss) < 2 {
		return strings.Join(ss, "")
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " and " + ss[len(ss)-1]
}

// day writes a time as people read a date: "2 Dec 2026 14:05 UTC".
func day(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") }

// decided says what became of a decided proposal.
func decided(p Proposal) string {
	if p.Status == Approved {
		return fmt.Sprintf("Approved by %s on %s.", p.DecidedBy, day(p.Decided))
	}
	return fmt.Sprintf("Rejected by %s on %s: %s", p.DecidedBy, day(p.Decided), p.Reason)
}

// ownProposals lists the asker's own suggestions, newest first.
func (b *Bot) ownProposals(ctx context.Context, req Request) (Reply, error) {
	if req.User == "" {
		return Reply{Notice: "refbot cannot tell who you are here."}, nil
	}
	mine, err := b.cfg.CurationStore.Proposals(ctx, b.curation.Scope, ProposalFilter{Author: who(req)})
	if err != nil {
		return Reply{Notice: curationTrouble}, fmt.Errorf("list own suggestions: %w", err)
	}
	head := "Only reviewers can review suggestions."
	if len(mine) == 0 {
		return Reply{Notice: head + fmt.Sprintf(" You have made no suggestions; %s TERM suggests one.", req.Dialect.command(CommandSuggest))}, nil
	}
	slices.Reverse(mine)
	const shown = 10
	var lines []string
	var buttons []Button
	for i, p := range mine {
		if i == shown {
			lines = append(lines, fmt.Sprintf("…and %d older.", len(mine)-shown))
			break
		}
		line := fmt.Sprintf("• %d, %s — ", p.ID, p.Entry.Title)
		switch p.Status {
		case Pending:
			line += "waiting for a reviewer since " + day(p.Proposed)
			if len(buttons) < 5 {
				buttons = append(buttons, Button{Label: fmt.Sprintf("Show %d", p.ID), Action: ActionReview, Value: strconv.FormatInt(p.ID, 10)})
			}
		case Approved:
			line += "approved on " + day(p.Decided)
		default:
			line += "not accepted on " + day(p.Decided) + ": " + p.Reason
		}
		lines = append(lines, line)
	}
	return Reply{Notice: head + " Your suggestions:\n" + strings.Join(lines, "\n"), Buttons: buttons}, nil
}

// reviewAction shows a proposal: to a reviewer with the decisions, to its
// author as it stands, to anyone else not at all.
func (b *Bot) reviewAction(ctx context.Context, req Request) (Reply, error) {
	p, r, ok, err := b.proposal(ctx, req, req.Text)
	if !ok {
		return r, err
	}
	reviewer := b.isReviewer(ctx, req)
	if !reviewer && p.Author != who(req) {
		return Reply{Notice: fmt.Sprintf("Only reviewers and its author can see suggestion %d.", p.ID)}, nil
	}
	return b.reviewCard(ctx, req, p, reviewer)
}

// decidedNotice tells a reviewer that someone else decided first.
func decidedNotice(p Proposal) Reply {
	return Reply{Notice: fmt.Sprintf("Suggestion %d is decided already. %s", p.ID, decided(p))}
}

// pendingProposal reads the proposal in s for a reviewer: ok only when the
// asker may review and it is still pending.
func (b *Bot) pendingProposal(ctx context.Context, req Request, s string) (Proposal, Reply, bool, error) {
	if !b.isReviewer(ctx, req) {
		return Proposal{}, onlyReviewers(req), false, nil
	}
	p, r, ok, err := b.proposal(ctx, req, s)
	if !ok {
		return p, r, false, err
	}
	if p.Status != Pending {
		return p, decidedNotice(p), false, nil
	}
	return p, Reply{}, true, nil
}

// approve approves the proposal number in req.Text: checked once more
// against the glossary in service, decided in the store (exactly once),
// and laid over the glossary at once.
func (b *Bot) approve(ctx context.Context, req Request) (Reply, error) {
	p, r, ok, err := b.pendingProposal(ctx, req, req.Text)
	if !ok {
		return r, err
	}
	n := strconv.FormatInt(p.ID, 10)
	if probs := b.approvalProblems(p); len(probs) > 0 {
		return Reply{
			Notice:  fmt.Sprintf("Suggestion %d cannot be approved as it is:\n• %s\nEdit it, or reject it.", p.ID, strings.Join(probs, "\n• ")),
			Buttons: []Button{{Label: "Edit", Action: ActionRevise, Value: n}, {Label: "Reject", Action: ActionReject, Value: n}},
		}, nil
	}
	v, err := b.cfg.CurationStore.Decide(ctx, b.curation.Scope, p.ID, Decision{Approve: true, By: who(req), At: b.now()})
	if errors.Is(err, ErrDecided) {
		return b.decidedAlready(ctx, req, p.ID)
	}
	if err != nil {
		return Reply{Notice: curationTrouble}, fmt.Errorf("approve suggestion %d: %w", p.ID, err)
	}
	b.log.InfoContext(ctx, "suggestion approved", "proposal", p.ID, "entry", p.Entry.ID, "version", v, "platform", req.Platform)
	if _, err := b.SyncCurated(ctx); err != nil {
		// Approved and stored; the next poll publishes it.
		b.log.WarnContext(ctx, "publish an approved entry", "proposal", p.ID, "err", err)
	}
	p.Status, p.DecidedBy, p.Decided, p.Version = Approved, who(req), b.now(), v
	b.tellAuthor(p)
	reply := Reply{Notice: fmt.Sprintf("Approved: %s is in the glossary now, on every platform; %s %s finds it.", p.Entry.Title, req.Dialect.command(CommandDefine), p.Entry.Title)}
	if e, ok := b.Glossary().Entry(p.Entry.ID); ok {
		reply.Card = b.card(e)
	}
	return reply, nil
}

// approvalProblems are why a proposal cannot join the glossary in service
// now: the validator's problems, and a new term whose id is taken.
func (b *Bot) approvalProblems(p Proposal) []string {
	g := b.Glossary()
	var out []string
	if _, taken := g.Entry(p.Entry.ID); taken && !p.Edit {
		out = append(out, fmt.Sprintf("the glossary has an entry with the id %q now", p.Entry.ID))
	}
	for _, pr := range g.Check(p.Entry) {
		out = append(out, pr.String())
	}
	return out
}

// decidedAlready answers the reviewer who came second.
func (b *Bot) decidedAlready(ctx context.Context, req Request, id int64) (Reply, error) {
	p, err := b.cfg.CurationStore.Proposal(ctx, b.curation.Scope, id)
	if err != nil {
		return Reply{Notice: fmt.Sprintf("Suggestion %d was decided by another reviewer a moment ago.", id)}, nil
	}
	return decidedNotice(p), nil
}

// reasonForm asks a reviewer why they reject proposal n.
func (b *Bot) reasonForm(n string) *Form {
	return &Form{Action: ActionReject, State: n, Title: "Reject suggestion " + n, Submit: "Reject", Fields: []Field{{
		Name: FieldReason, Label: "Why? The author will read this", Lines: true, Required: true,
		Placeholder: "It is covered by the entry on inner alignment.", MaxLength: b.curation.MaxLength[FieldReason],
	}}}
}

// rejectAction asks why, for the proposal number in req.Text.
func (b *Bot) rejectAction(ctx context.Context, req Request) (Reply, error) {
	p, r, ok, err := b.pendingProposal(ctx, req, req.Text)
	if !ok {
		return r, err
	}
	return Reply{Form: b.reasonForm(strconv.FormatInt(p.ID, 10))}, nil
}

// submitReject rejects a proposal with the reason given.
func (b *Bot) submitReject(ctx context.Context, req Request) (Reply, error) {
	p, r, ok, err := b.pendingProposal(ctx, req, req.Text)
	if !ok {
		return r, err
	}
	f := b.reasonForm(strconv.FormatInt(p.ID, 10))
	reason := strings.TrimSpace(req.Fields[FieldReason])
	if probs := b.capProblems(f, req.Fields); len(probs) > 0 {
		return b.sendBack(ctx, req, f, probs)
	}
	if reason == "" {
		return b.sendBack(ctx, req, f, map[string][]string{FieldReason: {"is missing or empty: the author would like to know why"}})
	}
	_, err = b.cfg.CurationStore.Decide(ctx, b.curation.Scope, p.ID, Decision{By: who(req), At: b.now(), Reason: reason})
	if errors.Is(err, ErrDecided) {
		return b.decidedAlready(ctx, req, p.ID)
	}
	if err != nil {
		return Reply{Notice: curationTrouble}, fmt.Errorf("reject suggestion %d: %w", p.ID, err)
	}
	b.log.InfoContext(ctx, "suggestion rejected", "proposal", p.ID, "entry", p.Entry.ID, "platform", req.Platform)
	p.Status, p.DecidedBy, p.Decided, p.Reason = Rejected, who(req), b.now(), reason
	b.tellAuthor(p)
	return Reply{Notice: fmt.Sprintf("Rejected suggestion %d (%s). Its author is told why.", p.ID, p.Entry.Title)}, nil
}

// reviseAction opens a reviewer's edit of the proposal number in req.Text.
func (b *Bot) reviseAction(ctx context.Context, req Request) (Reply, error) {
	p, r, ok, err := b.pendingProposal(ctx, req, req.Text)
	if !ok {
		return r, err
	}
	n := strconv.FormatInt(p.ID, 10)
	return Reply{Form: b.entryForm(ActionRevise, n, "Edit suggestion "+n, "Save", p.Entry)}, nil
}

// submitRevision saves a reviewer's edit of a pending proposal and shows
// it for review again.
func (b *Bot) submitRevision(ctx context.Context, req Request) (Reply, error) {
	p, r, ok, err := b.pendingProposal(ctx, req, req.Text)
	if !ok {
		return r, err
	}
	n := strconv.FormatInt(p.ID, 10)
	f := b.entryForm(ActionRevise, n, "Edit suggestion "+n, "Save", glossary.Entry{})
	keepID := ""
	if p.Edit {
		keepID = p.Entry.ID
	}
	pe, probs := b.parseEntry(b.Glossary(), req.Fields, &p.Entry, keepID)
	if len(probs) > 0 {
		return b.sendBack(ctx, req, f, probs)
	}
	err = b.cfg.CurationStore.ReviseProposal(ctx, b.curation.Scope, p.ID, pe.entry, who(req), b.now())
	if errors.Is(err, ErrDecided) {
		return b.decidedAlready(ctx, req, p.ID)
	}
	if err != nil {
		return Reply{Notice: curationTrouble}, fmt.Errorf("edit suggestion %d: %w", p.ID, err)
	}
	p, err = b.cfg.CurationStore.Proposal(ctx, b.curation.Scope, p.ID)
	if err != nil {
		return Reply{Notice: curationTrouble}, fmt.Errorf("read suggestion %d: %w", p.ID, err)
	}
	r, err = b.reviewCard(ctx, req, p, true)
	r.Notice = "Saved your edit. " + r.Notice
	return r, err
}

// notice is a post the curator makes: to a channel, or privately to a
// user, in team (see Poster).
type notice struct {
	platform, team, channel, user, key string
	reply                              Reply
}

// maxNotices is how many notices may wait for the curator.
const maxNotices = 64

// queue hands a notice to RunCuration; without it running (the console,
// refbot define) there is nobody to post it and it is dropped.
func (b *Bot) queue(n notice) {
	if !b.curation.running.Load() {
		return
	}
	select {
	case b.notices <- n:
	default:
		b.log.Warn("curation: too many notices waiting; dropping one", "platform", n.platform, "key", n.key)
	}
}

// announce tells each review channel that a suggestion is waiting. The
// notice names its number only: pending text is for reviewers' eyes.
func (b *Bot) announce(p Proposal) {
	what := "a new term"
	if p.Edit {
		what = "an edit"
	}
	for platform, channel := range b.curation.ReviewChannels {
		b.queue(notice{platform: platform, team: p.Team, channel: channel, key: fmt.Sprintf("curation-%s-%d", p.Scope, p.ID), reply: Reply{
			Visibility: Public,
			Notice:     fmt.Sprintf("A suggestion is waiting for review: number %d, %s. Reviewers: press Review to see it.", p.ID, what),
			Buttons:    []Button{{Label: "Review", Action: ActionReview, Value: strconv.FormatInt(p.ID, 10)}},
		}})
	}
}

// tellAuthor tells a proposal's author what was decided, privately.
func (b *Bot) tellAuthor(p Proposal) {
	var text string
	if p.Status == Approved {
		text = fmt.Sprintf("Your suggestion %d (%s) was approved: it is in the glossary now. Try /define %s.", p.ID, p.Entry.Title, p.Entry.Title)
	} else {
		text = fmt.Sprintf("Your suggestion %d (%s) was not accepted. The reviewer wrote: %s", p.ID, p.Entry.Title, p.Reason)
	}
	b.queue(notice{platform: p.Author.Platform, team: p.Team, user: p.Author.User, key: fmt.Sprintf("curation-%s-%d-%s", p.Scope, p.ID, p.Status), reply: Reply{Notice: text}})
}

// DirectPoster is a Poster that can also send a private message to one
// user (a Slack app DM, a Discord DM): the author hears of the decision on
// their suggestion there. team is as for Poster.
type DirectPoster interface {
	PostDirect(ctx context.Context, team, user string, r Reply) error
}

// DefaultCurationPoll is how often RunCuration asks the store whether the
// curated layer changed.
const DefaultCurationPoll = 2 * time.Second

// noticeTimeout bounds one notice's post.
const noticeTimeout = 30 * time.Second

// RunCuration keeps the curated layer of the glossary in service current
// with the store, until ctx is done: it asks the store every poll (0
// means DefaultCurationPoll) whether the layer changed since the version in
// service, and lays the new layer over the files. (Sooner than the poll,
// a process following the store's GlossaryNotifier — refbot serve, through
// FollowGlossary, woken by PostgreSQL's NOTIFY — calls SyncCurated when an
// approval anywhere raises the glossary's version.) It also posts the
// curation notices (review channels, authors) through posters, by
// platform. It returns nil when ctx is done; a store that fails is logged
// and asked again.
func (b *Bot) RunCuration(ctx context.Context, posters map[string]Poster, poll time.Duration) error {
	if poll <= 0 {
		poll = DefaultCurationPoll
	}
	b.curation.running.Store(true)
	defer b.curation.running.Store(false)
	t := time.NewTicker(poll)
	defer t.Stop()
	// failing is set while reads fail; logged, when this loop said so
	// (a store that cannot reach its database logs that itself).
	failing, logged := false, false
	sync := func() {
		changed, err := b.SyncCurated(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			if !failing && !errors.Is(err, ErrStoreDown) {
				b.log.ErrorContext(ctx, "curation: cannot read the curated glossary; serving the last one read, and trying again", "err", err)
				logged = true
			}
			failing = true
			return
		case changed:
			b.log.InfoContext(ctx, "curated glossary updated", "version", b.CuratedVersion(), "entries", b.Glossary().Len())
		}
		if failing && err == nil && logged {
			b.log.InfoContext(ctx, "curation: the store answers again")
		}
		if err == nil {
			logged = false
		}
		failing = err != nil
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			sync()
		case n := <-b.notices:
			b.deliver(ctx, posters, n)
		}
	}
}

// deliver posts one notice, logging a failure: a lost notice loses no
// suggestion, and /review shows where each stands.
func (b *Bot) deliver(ctx context.Context, posters map[string]Poster, n notice) {
	ctx, cancel := context.WithTimeout(ctx, noticeTimeout)
	defer cancel()
	p := posters[n.platform]
	var err error
	switch {
	case p == nil:
		b.log.DebugContext(ctx, "curation: no poster for the platform; notice not sent", "platform", n.platform, "key", n.key)
		return
	case n.channel != "":
		_, err = p.Post(ctx, n.team, n.channel, n.key, n.reply)
	default:
		dp, ok := p.(DirectPoster)
		if !ok {
			b.log.DebugContext(ctx, "curation: the platform cannot send private messages; the author is not told", "platform", n.platform)
			return
		}
		err = dp.PostDirect(ctx, n.team, n.user, n.reply)
	}
	if err != nil {
		b.log.LogAttrs(ctx, slog.LevelWarn, "curation: notice not sent", slog.String("platform", n.platform), slog.String("key", n.key), slog.Any("err", err))
	}
}
