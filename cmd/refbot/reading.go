package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"refbot/adapters/shell"
	"refbot/bot"
	"refbot/glossary"
)

// ReadingConfig is the reading: section: when to post which curriculum
// where.
type ReadingConfig struct {
	Schedules []ScheduleConfig `yaml:"schedules"`
}

// ScheduleConfig is one entry of reading.schedules.
type ScheduleConfig struct {
	Platform   string `yaml:"platform"`   // slack | discord
	Channel    string `yaml:"channel"`    // the channel's id
	Curriculum string `yaml:"curriculum"` // a curriculum id; empty: the first one
	Cron       string `yaml:"cron"`       // five fields, e.g. "0 18 * * 2"
	Timezone   string `yaml:"timezone"`   // IANA name, e.g. Europe/London; empty: UTC
}

var (
	slackChannelID   = regexp.MustCompile(`^[CG][A-Z0-9]{6,}$`)
	discordChannelID = regexp.MustCompile(`^[0-9]{15,21}$`)
)

// validate checks what can be checked without the glossary; every
// problem names its key.
func (r ReadingConfig) validate(c *Config) []error {
	var errs []error
	seen := map[[3]string]int{}
	for i, s := range r.Schedules {
		key := fmt.Sprintf("reading.schedules[%d]", i)
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf(key+"."+format, args...))
		}
		switch s.Platform {
		case "slack":
			if !c.Slack.Enabled {
				bad("platform: slack is not enabled; set slack.enabled: true or remove this schedule")
			}
			if !slackChannelID.MatchString(s.Channel) {
				bad("channel: %q is not a Slack channel id (like C0123ABCD): in Slack open the channel's details; the id is at the bottom", s.Channel)
			}
		case "discord":
			if !c.Discord.Enabled {
				bad("platform: discord is not enabled; set discord.enabled: true or remove this schedule")
			}
			if !discordChannelID.MatchString(s.Channel) {
				bad("channel: %q is not a Discord channel id (a long number): turn on Developer Mode, right-click the channel, Copy Channel ID", s.Channel)
			}
		default:
			bad("platform: %q must be slack or discord", s.Platform)
		}
		loc, err := loadZone(s.Timezone)
		if err != nil {
			bad("timezone: %v", err)
		}
		if _, err := bot.ParseTiming(s.Cron, loc); err != nil {
			bad("cron: %v", err)
		}
		k := [3]string{s.Platform, s.Channel, s.Curriculum}
		if j, ok := seen[k]; ok {
			bad("channel: reading.schedules[%d] already posts this curriculum here; put both times in one cron (e.g. \"0 18 * * 1,4\")", j)
		}
		seen[k] = i
	}
	return errs
}

// loadZone reads an IANA time zone name; empty means UTC. The zone
// database is embedded (time/tzdata in main.go), so names work on machines
// without one.
func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	if strings.EqualFold(name, "local") {
		return nil, fmt.Errorf("%q depends on the machine; name the zone, e.g. Europe/London", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not an IANA time zone name (like Europe/London or America/New_York)", name)
	}
	return loc, nil
}

// schedules turns validated reading.schedules into the bot's, checking
// the curricula against the glossary.
func (r ReadingConfig) schedules(g *glossary.Glossary) ([]bot.Schedule, error) {
	var out []bot.Schedule
	var errs []string
	for i, s := range r.Schedules {
		cur := s.Curriculum
		if cur == "" {
			if cs := g.Curricula(); len(cs) > 0 {
				cur = cs[0].ID
			}
		}
		if _, ok := g.Curriculum(cur); !ok {
			errs = append(errs, fmt.Sprintf("reading.schedules[%d].curriculum: no curriculum %q in the glossary (have: %s)", i, s.Curriculum, curriculumIDs(g)))
			continue
		}
		loc, err := loadZone(s.Timezone)
		if err != nil {
			return nil, fmt.Errorf("reading.schedules[%d].timezone: %w", i, err)
		}
		tm, err := bot.ParseTiming(s.Cron, loc)
		if err != nil {
			return nil, fmt.Errorf("reading.schedules[%d].cron: %w", i, err)
		}
		out = append(out, bot.Schedule{Platform: s.Platform, Channel: s.Channel, Curriculum: cur, Timing: tm})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, nil
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
	fmt.Fprintf(stdout, "%s (%s) — %d steps\n", c.Title, c.ID, len(c.Steps))
	for i := range c.Steps {
		r, _ := b.StepReply(c.ID, i)
		fmt.Fprintf(stdout, "\n──── step %d of %d ────\n", i+1, len(c.Steps))
		if err := shell.Render(stdout, r, opt); err != nil {
			return err
		}
	}
	return nil
}

// addPoster registers p as the platform's Poster when the adapter can
// post on its own.
func addPoster(posters map[string]bot.Poster, name string, p platform) {
	if poster, ok := p.(bot.Poster); ok {
		posters[name] = poster
	}
}

// checkPosters fails when a schedule's platform cannot post on its own.
func checkPosters(scheds []bot.Schedule, posters map[string]bot.Poster) error {
	for i, s := range scheds {
		if _, ok := posters[s.Platform]; !ok {
			return fmt.Errorf("reading.schedules[%d].platform: this build's %s adapter cannot post scheduled messages", i, s.Platform)
		}
	}
	return nil
}

// Post and Find make the Discord platform a bot.Poster for scheduled
// reading prompts.
func (p *discordPlatform) Post(ctx context.Context, channel, key string, r bot.Reply) (string, error) {
	return p.a.Post(ctx, channel, key, r)
}

func (p *discordPlatform) Find(ctx context.Context, channel, key string) (string, error) {
	return p.a.Find(ctx, channel, key)
}
