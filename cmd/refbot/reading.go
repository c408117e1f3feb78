package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"refbot/adapters/platform"
	"refbot/adapters/shell"
	"refbot/bot"
	"refbot/bot/timing"
	"refbot/glossary"
)

// ReadingConfig is the reading: section: when to post which curriculum
// where.
type ReadingConfig struct {
	Schedules []ScheduleConfig `yaml:"schedules"`
}

// ScheduleConfig is one entry of reading.schedules.
type ScheduleConfig struct {
	Platform   string `yaml:"platform"`   // a platform's name: slack, discord
	Team       string `yaml:"team"`       // the channel's workspace, where the platform needs it (Slack with slack.oauth)
	Channel    string `yaml:"channel"`    // the channel's id
	Curriculum string `yaml:"curriculum"` // a curriculum id; empty: the first one
	Cron       string `yaml:"cron"`       // five fields, e.g. "0 18 * * 2"
	Timezone   string `yaml:"timezone"`   // IANA name, e.g. Europe/London; empty: UTC
}

// schedule is one reading.schedules entry, compiled: its cron read in its
// zone. An empty curriculum means the glossary's first, known once the
// glossary is loaded.
type schedule struct {
	platform, team, channel, curriculum string
	timing                              *timing.Timing
}

// compile checks what can be checked without the glossary, every problem
// naming its key, and parses each schedule once.
func (r ReadingConfig) compile(known platformSet) ([]schedule, error) {
	var errs []error
	var out []schedule
	seen := map[[3]string]int{}
	for i, s := range r.Schedules {
		key := fmt.Sprintf("reading.schedules[%d]", i)
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf(key+"."+format, args...))
		}
		if p, ok := known.find(s.Platform); !ok {
			bad("platform: %q must be %s", s.Platform, known.choice())
		} else {
			if err := p.CheckChannel(s.Channel); err != nil {
				bad("channel: %v", err)
			}
			cfg := known.on[s.Platform]
			tc, teams := cfg.(platform.TeamChecker)
			switch {
			case known.broken[s.Platform]:
				// Its section's own errors are reported; the team depends on them.
			case cfg == nil:
				bad("platform: %[1]s is not enabled; set %[1]s.enabled: true or remove this schedule", s.Platform)
			case teams:
				if err := tc.CheckTeam(s.Team); err != nil {
					bad("team: %v", err)
				}
			case s.Team != "":
				bad("team: %s serves every workspace with one set of credentials; remove team", s.Platform)
			}
		}
		loc, err := timing.Zone(s.Timezone)
		if err != nil {
			bad("timezone: %v", err)
		}
		tm, err := timing.Parse(s.Cron, loc)
		if err != nil {
			bad("cron: %v", err)
		}
		k := [3]string{s.Platform, s.Channel, s.Curriculum}
		if j, ok := seen[k]; ok {
			bad("channel: reading.schedules[%d] already posts this curriculum here; put both times in one cron (e.g. \"0 18 * * 1,4\")", j)
		}
		seen[k] = i
		out = append(out, schedule{platform: s.Platform, team: s.Team, channel: s.Channel, curriculum: s.Curriculum, timing: tm})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// botSchedules gives the compiled schedules their curricula from the
// glossary, which must have them.
func botSchedules(scheds []schedule, g *glossary.Glossary) ([]bot.Schedule, error) {
	var out []bot.Schedule
	var errs []error
	for i, s := range scheds {
		cur := s.curriculum
		if cur == "" {
			if cs := g.Curricula(); len(cs) > 0 {
				cur = cs[0].ID
			}
		}
		if _, ok := g.Curriculum(cur); !ok {
			errs = append(errs, fmt.Errorf("reading.schedules[%d].curriculum: no curriculum %q in the glossary (have: %s)", i, s.curriculum, curriculumIDs(g)))
			continue
		}
		out = append(out, bot.Schedule{Platform: s.platform, Team: s.team, Channel: s.channel, Curriculum: cur, Timing: s.timing})
	}
	return out, errors.Join(errs...)
}

func curriculumIDs(g *glossary.Glossary) string {
	var ids []string
	for _, c := range g.Curricula() {
		ids = append(ids, c.ID)
	}
	if len(ids) == 0 {
		return "none; add readings/ID.yaml to glossary.dir"
	}
	return strings.Join(ids, ", ")
}

const readingUsage = `usage: refbot reading preview [--glossary DIR] [CURRICULUM]
  print every step of a curriculum as it would be posted (default: the first one)
`

// runReading runs "refbot reading ...".
func runReading(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "preview" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, readingUsage)
			return nil
		}
		fmt.Fprint(stderr, readingUsage)
		return exitError{code: 2}
	}
	fs := newFlags("reading preview", stderr)
	dir := fs.String("glossary", "", "a glossary directory to extend the embedded one with")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		fmt.Fprint(stderr, readingUsage)
		return exitError{code: 2}
	}
	g, err := loadGlossary(*dir, "extend")
	if err != nil {
		return err
	}
	if len(g.Curricula()) == 0 {
		return exitError{code: 1, msg: "the glossary has no curricula: add readings/ID.yaml files (see docs/glossary.md, \"Curricula\")"}
	}
	c := g.Curricula()[0]
	if fs.NArg() == 1 {
		var ok bool
		if c, ok = g.Curriculum(fs.Arg(0)); !ok {
			return exitError{code: 1, msg: fmt.Sprintf("no curriculum %q; the glossary has: %s", fs.Arg(0), curriculumIDs(g))}
		}
	}
	b := bot.New(g, bot.Config{})
	opt := shell.Options{Color: useColor(getenv, stdout)}
	fmt.Fprintf(stdout, "%s (%s) — %s\n", c.Title, c.ID, bot.Plural(len(c.Steps), "step", "steps"))
	for i := range c.Steps {
		r, _ := b.StepReply(c.ID, i)
		fmt.Fprintf(stdout, "\n──── step %d of %d ────\n", i+1, len(c.Steps))
		if err := shell.Render(stdout, r, opt); err != nil {
			return err
		}
	}
	return nil
}
