package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"refbot/bot/timing"
)

// Poster sends the posts the core starts itself: scheduled reading
// prompts. Each platform adapter implements it.
//
// team is the workspace the channel is in, for a platform that serves
// several workspaces with credentials of their own (Slack installed
// through OAuth); it is empty otherwise, and such platforms ignore it.
type Poster interface {
	// Post sends r to channel and returns the id of the message. key
	// identifies the post for good; adapters attach it where Find can see
	// it again (Slack message metadata, Discord's nonce) when they can.
	Post(ctx context.Context, team, channel, key string, r Reply) (messageID string, err error)
	// Find returns the id of a recent message the bot posted to channel
	// with key, or "" when there is none or the platform cannot tell.
	Find(ctx context.Context, team, channel, key string) (messageID string, err error)
}

// Schedule posts a curriculum's steps to one channel at the times of a
// cron specification. Team names the channel's workspace where the
// platform needs it (see Poster).
type Schedule struct {
	Platform, Team, Channel, Curriculum string
	Timing                              *timing.Timing
}

// ReadingConfig holds the reading prompts' collaborators. Zero values
// work: an in-memory store, no schedules.
type ReadingConfig struct {
	Store     ReadingStore
	Schedules []Schedule
}

// Scheduler posts each configured schedule's slots: claim in the store,
// post, confirm.
//
// Exactly once: the store's claim is unique per channel, curriculum and
// slot, so of several schedulers sharing a store (several processes, or a
// restart that overlaps the old process) one claims a slot and the others
// skip it; no leader election is needed. A claim that is never confirmed
// (the process died between claim and confirm) is reconciled once it is
// older than the lease: one scheduler takes it over, confirms it if the
// platform shows the post, and otherwise posts it. If slots passed while
// nobody ran, only the latest one is posted.
type Scheduler struct {
	bot     *Bot
	store   ReadingStore
	clock   Clock
	posters map[string]Poster
	log     *slog.Logger
	// Lease is how long a claim belongs to the scheduler that made it;
	// a post is abandoned after half of it, so an unconfirmed claim older
	// than Lease is one whose owner died or gave up.
	Lease time.Duration
	// MaxWait caps one sleep, so a changed wall clock or a suspended
	// machine is noticed.
	MaxWait time.Duration

	last map[scheduleID]time.Time // the latest slot handled per schedule
}

type scheduleID struct{ platform, channel, curriculum string }

func (s Schedule) id() scheduleID { return scheduleID{s.Platform, s.Channel, s.Curriculum} }

// DefaultLease is the Scheduler's default Lease.
const DefaultLease = 2 * time.Minute

// NewScheduler returns a scheduler for the bot's configured schedules,
// posting through posters by platform name.
func (b *Bot) NewScheduler(posters map[string]Poster) *Scheduler {
	return &Scheduler{
		bot:     b,
		store:   b.cfg.Reading.Store,
		clock:   b.cfg.Clock,
		posters: posters,
		log:     b.log,
		Lease:   DefaultLease,
		MaxWait: 10 * time.Minute,
	}
}

// Run posts slots as they come until ctx is done. Store or platform
// errors are logged and retried; Run returns nil when ctx ends.
func (s *Scheduler) Run(ctx context.Context) error {
	if len(s.bot.cfg.Reading.Schedules) == 0 {
		return nil
	}
	for {
		next, err := s.RunDue(ctx)
		if err != nil {
			level := slog.LevelError
			if errors.Is(err, ErrStoreDown) {
				level = slog.LevelDebug // the store logs its outage once per interval
			}
			s.log.Log(ctx, level, "reading schedule; will try again", "err", err)
		}
		wait := next.Sub(s.clock.Now())
		wait = min(max(wait, time.Second), s.MaxWait)
		select {
		case <-ctx.Done():
			return nil
		case <-s.clock.After(wait):
		}
	}
}

// RunDue does what is due at the clock's now — reconciles stale claims,
// posts the latest slot of each schedule not yet handled — and returns
// when to look again.
func (s *Scheduler) RunDue(ctx context.Context) (next time.Time, err error) {
	now := s.clock.Now().Truncate(time.Second)
	next = now.Add(s.MaxWait)
	scheds := s.bot.cfg.Reading.Schedules
	if s.last == nil {
		last := make(map[scheduleID]time.Time, len(scheds))
		for _, sc := range scheds {
			t, ok, err := s.store.LastSlot(ctx, sc.Platform, sc.Channel, sc.Curriculum)
			if err != nil {
				return now.Add(time.Minute), fmt.Errorf("read last slot: %w", err)
			}
			if !ok {
				t = now // a new schedule starts now: no catching up on slots before it existed
			}
			last[sc.id()] = t
		}
		s.last = last
	}

	wake, unsettled, err := s.reconcile(ctx, now)
	if !wake.IsZero() && wake.Before(next) {
		next = wake
	}
	for _, sc := range scheds {
		last := s.last[sc.id()]
		if slot, ok := sc.Timing.Latest(last, now); ok && !unsettled[sc.id()] {
			// A schedule with an unsettled claim waits for it (reconcile
			// wakes us when its lease runs out): claimed now, this slot
			// would take the step after it, and if that claim turns out
			// never sent and is released, its step would be skipped.
			if ferr := s.fire(ctx, sc, slot, now); ferr != nil {
				// The store is unreachable: the slot stays due, and the
				// next look (in a minute) claims it, or a later slot.
				err = errors.Join(err, ferr)
				if retry := now.Add(time.Minute); retry.Before(next) {
					next = retry
				}
			} else {
				s.last[sc.id()] = slot
			}
		}
		if n := sc.Timing.Next(now); !n.IsZero() && n.Before(next) {
			next = n
		}
	}
	return next, err
}

func (s *Scheduler) schedule(k PostKey) (Schedule, bool) {
	for _, sc := range s.bot.cfg.Reading.Schedules {
		if sc.Platform == k.Platform && sc.Channel == k.Channel && sc.Curriculum == k.Curriculum {
			return sc, true
		}
	}
	return Schedule{}, false
}

// reconcile settles claims whose owner did not confirm them within the
// lease. It returns when the earliest unsettled claim's lease runs out,
// and the schedules that still have an unsettled claim.
func (s *Scheduler) reconcile(ctx context.Context, now time.Time) (wake time.Time, unsettled map[scheduleID]bool, err error) {
	claims, err := s.store.Unconfirmed(ctx)
	if err != nil {
		// Nothing is known: hold every schedule back until the store answers.
		unsettled = map[scheduleID]bool{}
		for _, sc := range s.bot.cfg.Reading.Schedules {
			unsettled[sc.id()] = true
		}
		return now.Add(time.Minute), unsettled, fmt.Errorf("list unconfirmed posts: %w", err)
	}
	unsettled = map[scheduleID]bool{}
	pending := func(c ReadingPost, until time.Time) {
		unsettled[scheduleID{c.Platform, c.Channel, c.Curriculum}] = true
		if wake.IsZero() || until.Before(wake) {
			wake = until
		}
	}
	for _, c := range claims {
		if expiry := c.ClaimedAt.Add(s.Lease); expiry.After(now) {
			pending(c, expiry)
			continue
		}
		log := s.log.With("key", c.String(), "step", c.Step+1)
		won, err := s.store.TakeOver(ctx, c.PostKey, c.ClaimedAt, now)
		if err != nil {
			log.ErrorContext(ctx, "take over an unconfirmed post", "err", err)
			pending(c, now.Add(time.Minute))
			continue
		}
		if !won {
			pending(c, now.Add(s.Lease)) // another scheduler is on it
			continue
		}
		poster := s.posters[c.Platform]
		sc, ok := s.schedule(c.PostKey) // its Team is empty when the schedule is gone
		id := c.MessageID
		if id == "" && poster != nil {
			if id, err = poster.Find(ctx, sc.Team, c.Channel, c.String()); err != nil {
				log.WarnContext(ctx, "look for an unconfirmed post on the platform; treating it as not sent", "err", err)
				id = ""
			}
		}
		if id != "" {
			if err := s.store.Confirm(ctx, c.PostKey, id, now); err != nil {
				log.ErrorContext(ctx, "confirm a post found on the platform", "err", err)
			} else {
				log.InfoContext(ctx, "reading post found on the platform and confirmed", "message", id)
			}
			continue
		}
		if !ok || poster == nil {
			log.WarnContext(ctx, "dropping an unsent reading post: its schedule or platform is no longer configured")
			if _, err := s.store.Release(ctx, c.PostKey, now); err != nil {
				log.ErrorContext(ctx, "release an unsent post", "err", err)
			}
			continue
		}
		if n := sc.Timing.Next(c.Slot); !n.IsZero() && !n.After(now) {
			// A later slot is due: post that one instead, with this step.
			s.releaseSuperseded(ctx, log, c, now)
			continue
		}
		if !s.send(ctx, sc.Team, c, now) {
			pending(c, now.Add(s.Lease))
		}
	}
	return wake, unsettled, nil
}

// releaseSuperseded releases a claim that was never sent and that a later
// due slot supersedes, so that the later slot's post carries its step.
func (s *Scheduler) releaseSuperseded(ctx context.Context, log *slog.Logger, c ReadingPost, now time.Time) {
	released, err := s.store.Release(ctx, c.PostKey, now)
	if err != nil {
		log.ErrorContext(ctx, "release a superseded post", "err", err)
		return
	}
	if !released {
		return // another scheduler settled it
	}
	pos, err := s.store.Position(ctx, c.Platform, c.Channel, c.Curriculum)
	steps := 0
	if cur, ok := s.bot.Glossary().Curriculum(c.Curriculum); ok {
		steps = len(cur.Steps)
	}
	if err != nil || steps == 0 || pos%steps == c.Step {
		log.InfoContext(ctx, "released the claim of a reading post that was never sent, as a later slot is due; the next post carries its step")
		return
	}
	// Something claimed the channel's next step meanwhile (/reading next).
	log.WarnContext(ctx, "released the claim of a reading post that was never sent, as a later slot is due; its step was skipped, because a later post already took the next one",
		"next_step", pos%steps+1)
}

// fire claims slot for sc and posts it. It returns an error, and the slot
// stays due, only when the claim could not be made.
func (s *Scheduler) fire(ctx context.Context, sc Schedule, slot, now time.Time) error {
	cur, ok := s.bot.Glossary().Curriculum(sc.Curriculum)
	if !ok {
		s.log.ErrorContext(ctx, "scheduled curriculum is not in the glossary any more; skipping the slot", "curriculum", sc.Curriculum, "channel", sc.Channel)
		return nil
	}
	key := PostKey{Platform: sc.Platform, Channel: sc.Channel, Curriculum: sc.Curriculum, Slot: slot, Scheduled: true}
	p, ok, err := s.store.Claim(ctx, key, len(cur.Steps), now, false)
	if err != nil {
		return fmt.Errorf("claim a reading slot %s: %w", key, err)
	}
	if !ok {
		return nil // claimed by another scheduler
	}
	s.send(ctx, sc.Team, p, now)
	return nil
}

// send posts a claimed post to its channel in team and confirms it,
// reporting whether it did. On failure the claim stays unconfirmed, for
// reconcile to retry once the lease is over.
func (s *Scheduler) send(ctx context.Context, team string, p ReadingPost, now time.Time) bool {
	log := s.log.With("key", p.String(), "step", p.Step+1)
	poster, ok := s.posters[p.Platform]
	if !ok {
		log.ErrorContext(ctx, "no platform to post a scheduled reading to", "platform", p.Platform)
		return false
	}
	r, ok := s.bot.StepReply(p.Curriculum, p.Step)
	if !ok {
		log.ErrorContext(ctx, "scheduled curriculum step is not in the glossary any more")
		return false
	}
	// A shutdown does not cut a post short: once begun, it finishes (or
	// times out) and is confirmed, so a clean stop leaves nothing for
	// another scheduler to reconcile.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.Lease/2)
	id, err := poster.Post(pctx, team, p.Channel, p.String(), r)
	cancel()
	if err != nil {
		log.ErrorContext(ctx, "post a scheduled reading; will retry when the claim's lease runs out", "err", err)
		return false
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	err = s.store.Confirm(cctx, p.PostKey, id, s.clock.Now())
	cancel()
	if errors.Is(err, ErrStoreDown) {
		// The store logs its outage; reconciliation finds the post on
		// the platform and confirms it when the store is back.
		log.InfoContext(ctx, "reading posted; its confirmation waits for the state store", "message", id)
		return false
	}
	if err != nil {
		log.ErrorContext(ctx, "confirm a posted reading", "message", id, "err", err)
		return false
	}
	log.InfoContext(ctx, "reading posted", "message", id)
	return true
}
