package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"refbot/glossary"
)

// Reading prompts: /refbot reading TERM | next | list | where, and the
// prompts the Scheduler posts.

// MaxPromptLinks caps the key terms linked from one prompt.
const MaxPromptLinks = 8

// MaxPromptTerms caps the related terms listed under a term's prompt.
const MaxPromptTerms = 6

// fallbackQuestions are asked about an entry that has none of its own
// (only possible in a custom glossary; the default one has 2–3 each).
var fallbackQuestions = [...]string{
	"What is the strongest objection to the main claim of the reading, and how would the author answer it?",
	"What would you expect to observe in today's AI systems if this idea matters, and what if it does not?",
}

func (b *Bot) reading(ctx context.Context, req Request, text string) (Reply, error) {
	if r, ok := b.usage(req, CommandReading, text); !ok {
		return r, nil
	}
	switch strings.ToLower(text) {
	case "next":
		return b.readingNext(ctx, req)
	case "list":
		return b.readingList(ctx, req)
	case "where":
		return b.readingWhere(ctx, req)
	}
	r := b.lookup(ctx, req, text)
	if r.Match == nil {
		return b.notFound(req, text, r), nil
	}
	return Reply{Visibility: Public, Prompt: b.entryPrompt(r.Match)}, nil
}

// entryPrompt is the reading prompt for one entry: its sources to read,
// its summary as the reason, its questions and its related terms.
func (b *Bot) entryPrompt(e *glossary.Entry) *Prompt {
	p := &Prompt{
		Title:    "Reading: " + e.Title,
		Summary:  e.Summary,
		Readings: sources(e.Sources),
	}
	p.Questions = slices.Clone(e.Questions)
	if len(p.Questions) > 3 {
		p.Questions = p.Questions[:3]
	}
	if len(p.Questions) == 0 {
		p.Questions = fallbackQuestions[:]
	}
	rel := b.Glossary().Related(e.ID)
	p.Terms = entries(rel[:min(len(rel), MaxPromptTerms)])
	p.Links = b.promptLinks(e.ID, append([]string{p.Summary}, p.Questions...))
	return p
}

// StepReply is the public reply that posts step (0-based) of a curriculum,
// as the schedule, /refbot reading next and refbot reading preview show it.
func (b *Bot) StepReply(curriculum string, step int) (Reply, bool) {
	c, ok := b.Glossary().Curriculum(curriculum)
	if !ok || step < 0 || step >= len(c.Steps) {
		return Reply{}, false
	}
	return Reply{Visibility: Public, Prompt: b.stepPrompt(c, step)}, true
}

func (b *Bot) stepPrompt(c *glossary.Curriculum, i int) *Prompt {
	st := c.Steps[i]
	g := b.Glossary()
	p := &Prompt{
		Title:     st.Title,
		Summary:   fmt.Sprintf("Step %d of %d of %s.", i+1, len(c.Steps), c.Title),
		Questions: slices.Clone(st.Questions),
	}
	if i == 0 && c.Description != "" {
		p.Summary += " " + c.Description
	}
	var ids []string
	for _, id := range st.Entries {
		e, ok := g.Entry(id)
		if !ok {
			continue
		}
		ids = append(ids, id)
		p.Terms = append(p.Terms, suggestion(e, ""))
		if len(st.Readings) == 0 {
			for _, s := range e.Sources {
				if !slices.ContainsFunc(p.Readings, func(r Source) bool { return r.URL == s.URL }) {
					p.Readings = append(p.Readings, Source(s))
				}
			}
		}
	}
	for _, s := range st.Readings {
		p.Readings = append(p.Readings, Source(s))
	}
	p.Links = b.promptLinks("", p.Questions, ids...)
	return p
}

// promptLinks finds glossary terms the texts mention, in order of first
// mention, leaving out self and the ids in skip.
func (b *Bot) promptLinks(self string, texts []string, skip ...string) []Link {
	g := b.Glossary()
	seen := map[string]bool{self: true}
	for _, id := range skip {
		seen[id] = true
	}
	var out []Link
	for _, t := range texts {
		for _, m := range g.Scan(t) {
			if seen[m.Entry.ID] || len(out) == MaxPromptLinks {
				continue
			}
			seen[m.Entry.ID] = true
			out = append(out, link(m.Entry, "", false))
		}
	}
	return out
}

// channelCurriculum is the curriculum a channel reads: its schedule's,
// else the first one loaded. ok is false when there is none.
func (b *Bot) channelCurriculum(platform, channel string) (*glossary.Curriculum, *Schedule, bool) {
	g := b.Glossary()
	for i, s := range b.cfg.Reading.Schedules {
		if s.Platform == platform && s.Channel == channel {
			if c, ok := g.Curriculum(s.Curriculum); ok {
				return c, &b.cfg.Reading.Schedules[i], true
			}
		}
	}
	cs := g.Curricula()
	if len(cs) == 0 {
		return nil, nil, false
	}
	return cs[0], nil, true
}

func noCurriculum(req Request) Reply {
	return Reply{Notice: fmt.Sprintf("No curriculum is loaded. Add a readings/ID.yaml file to the glossary directory (see docs/glossary.md, \"Curricula\"), or use %s TERM for one term.", req.Dialect.command(CommandReading))}
}

// storeTrouble is what a user sees when the state store fails; the log
// gets the error.
const storeTrouble = "refbot couldn't reach its state store just now. Try again in a minute; if it keeps failing, tell whoever runs refbot to check its log."

func (b *Bot) readingNext(ctx context.Context, req Request) (Reply, error) {
	c, _, ok := b.channelCurriculum(req.Platform, req.Channel)
	if !ok {
		return noCurriculum(req), nil
	}
	now := b.cfg.Clock.Now()
	key := PostKey{Platform: req.Platform, Channel: req.Channel, Curriculum: c.ID, Slot: now.Truncate(time.Second)}
	p, ok, err := b.cfg.Reading.Store.Claim(ctx, key, len(c.Steps), now, true)
	if err != nil {
		return Reply{Notice: storeTrouble}, fmt.Errorf("reading next: %w", err)
	}
	if !ok {
		return Reply{Notice: "The next reading was posted here a moment ago; scroll up to find it."}, nil
	}
	r, _ := b.StepReply(c.ID, p.Step)
	return r, nil
}

func (b *Bot) readingList(ctx context.Context, req Request) (Reply, error) {
	c, _, ok := b.channelCurriculum(req.Platform, req.Channel)
	if !ok {
		return noCurriculum(req), nil
	}
	pos, err := b.cfg.Reading.Store.Position(ctx, req.Platform, req.Channel, c.ID)
	if err != nil {
		return Reply{Notice: storeTrouble}, fmt.Errorf("reading list: %w", err)
	}
	n := len(c.Steps)
	done := pos % n // steps posted in this round
	if pos > 0 && done == 0 {
		done = n
	}
	cmd := req.Dialect.command(CommandReading)
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s — %s.\n", c.Title, Plural(n, "step", "steps"))
	switch {
	case pos == 0:
		fmt.Fprintf(&sb, "Nothing posted in this channel yet; %s next posts step 1.", cmd)
	case done == n:
		fmt.Fprintf(&sb, "This channel has read every step; %s next starts again at step 1.", cmd)
	default:
		fmt.Fprintf(&sb, "This channel is at step %d.", done+1)
	}
	for i, st := range c.Steps {
		mark := "· "
		switch {
		case i < done:
			mark = "✓ "
		case i == done%n && done < n:
			mark = "→ "
		}
		fmt.Fprintf(&sb, "\n%s%d. %s", mark, i+1, st.Title)
	}
	sb.WriteString(otherCurricula(b.Glossary(), c.ID))
	return Reply{Notice: sb.String()}, nil
}

// otherCurricula names the loaded curricula other than the one a channel
// reads, and how a channel gets one of them; "" when there are none.
func otherCurricula(g *glossary.Glossary, current string) string {
	var names []string
	for _, c := range g.Curricula() {
		if c.ID != current {
			names = append(names, fmt.Sprintf("%s (%s)", c.Title, c.ID))
		}
	}
	if len(names) == 0 {
		return ""
	}
	return fmt.Sprintf("\nAlso loaded: %s. A schedule picks a channel's curriculum (reading.schedules in refbot's config); a channel without one reads %s.",
		strings.Join(names, "; "), g.Curricula()[0].Title)
}

func (b *Bot) readingWhere(ctx context.Context, req Request) (Reply, error) {
	c, sched, ok := b.channelCurriculum(req.Platform, req.Channel)
	if !ok {
		return noCurriculum(req), nil
	}
	loc := time.UTC
	if sched != nil {
		loc = sched.Timing.Location()
	}
	last, posted, err := b.cfg.Reading.Store.LastPost(ctx, req.Platform, req.Channel, c.ID)
	if err != nil {
		return Reply{Notice: storeTrouble}, fmt.Errorf("reading where: %w", err)
	}
	pos, err := b.cfg.Reading.Store.Position(ctx, req.Platform, req.Channel, c.ID)
	if err != nil {
		return Reply{Notice: storeTrouble}, fmt.Errorf("reading where: %w", err)
	}
	var sb strings.Builder
	if posted && last.Step < len(c.Steps) {
		how := "asked for with " + req.Dialect.command(CommandReading) + " next"
		if last.Scheduled {
			how = "on schedule"
		}
		fmt.Fprintf(&sb, "Last posted here: step %d of %d of %s, %q, %s (%s).",
			last.Step+1, len(c.Steps), c.Title, c.Steps[last.Step].Title, when(last.ClaimedAt, loc), how)
	} else {
		fmt.Fprintf(&sb, "Nothing from %s has been posted here yet.", c.Title)
	}
	next := c.Steps[pos%len(c.Steps)].Title
	if sched == nil {
		fmt.Fprintf(&sb, " No schedule is set for this channel; %s next posts %q now. (Schedules are set in refbot's config, reading.schedules.)", req.Dialect.command(CommandReading), next)
		return Reply{Notice: sb.String()}, nil
	}
	due := sched.Timing.Next(b.cfg.Clock.Now())
	if due.IsZero() {
		fmt.Fprintf(&sb, " The schedule (%s, %s) has no more dates.", sched.Timing.Spec(), loc)
	} else {
		fmt.Fprintf(&sb, " Next due: %q, %s (schedule %q, %s).", next, when(due, loc), sched.Timing.Spec(), loc)
	}
	return Reply{Notice: sb.String()}, nil
}

// when formats t for people: "Tue 3 Mar 2026, 18:00 GMT".
func when(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2 Jan 2006, 15:04 MST")
}
