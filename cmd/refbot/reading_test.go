package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"refbot/adapters/discord"
	"refbot/bot"
	"refbot/bot/sqlite"
	"refbot/bot/timing"
)

func TestReadingPreview(t *testing.T) {
	r := runArgs(t, "", nil, "reading", "preview")
	wantCode(t, r, 0)
	golden(t, "preview.golden", []byte(r.stdout))
	for i := 1; i <= 8; i++ {
		if !strings.Contains(r.stdout, "step "+string(rune('0'+i))+" of 8") {
			t.Errorf("preview lacks step %d", i)
		}
	}
	if strings.Contains(r.stdout, "\x1b") {
		t.Error("escapes in a preview written to a non-terminal")
	}
	r = runArgs(t, "", nil, "reading", "preview", "ai-safety-fundamentals")
	wantCode(t, r, 0)
	if !strings.HasPrefix(r.stdout, "AI safety in eight weeks (ai-safety-fundamentals) — 8 steps\n") {
		t.Errorf("the default curriculum is not the first: %q", firstLine(r.stdout))
	}

	// The second curriculum, by name.
	r = runArgs(t, "", nil, "reading", "preview", "interpretability-and-evaluations")
	wantCode(t, r, 0)
	golden(t, "preview-interpretability.golden", []byte(r.stdout))
	if want := "Interpretability and evaluations in six steps (interpretability-and-evaluations) — 6 steps"; firstLine(r.stdout) != want {
		t.Errorf("first line %q, want %q", firstLine(r.stdout), want)
	}
	for i := 1; i <= 6; i++ {
		if !strings.Contains(r.stdout, "step "+string(rune('0'+i))+" of 6") {
			t.Errorf("preview lacks step %d", i)
		}
	}
	if strings.Contains(r.stdout, "of 8") {
		t.Error("the six-step preview shows steps of the eight-week curriculum")
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func TestReadingPreviewErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string // in stderr or the error
	}{
		{[]string{"reading"}, 2, "usage: refbot reading preview"},
		{[]string{"reading", "publish"}, 2, "usage: refbot reading preview"},
		{[]string{"reading", "preview", "a", "b"}, 2, "usage: refbot reading preview"},
		{[]string{"reading", "preview", "nope"}, 1, `no curriculum "nope"; the glossary has: ai-safety-fundamentals, interpretability-and-evaluations`},
		{[]string{"reading", "preview", "--glossary", "/does/not/exist"}, 1, "glossary directory"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runArgs(t, "", nil, tc.args...)
			wantCode(t, r, tc.code)
			got := r.stderr
			if r.err != nil {
				got += r.err.Error()
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("output %q, want %q", got, tc.want)
			}
		})
	}
	if r := runArgs(t, "", nil, "reading", "--help"); r.code() != 0 || !strings.Contains(r.stdout, "preview") {
		t.Errorf("reading --help: %v %q", r.err, r.stdout)
	}
}

// The on-demand reading commands and /stats work in the console, on its
// in-memory store.
func TestConsoleReadingAndStats(t *testing.T) {
	in := strings.Join([]string{
		"/reading list",
		"/refbot reading mesa optimisation",
		"/reading next",
		"/reading where",
		"/define kubernetes",
		"/define corrigable",
		"/refbot stats",
	}, "\n") + "\n"
	r := runArgs(t, in, nil)
	wantCode(t, r, 0)
	for _, want := range []string{
		"Nothing posted in this channel yet;",
		"→ 1. Week 1: The alignment problem",
		"Reading: Mesa-Optimization",
		"Discuss",
		"Week 1: The alignment problem",
		"Last posted here: step 1 of 8",
		"No schedule is set for this channel",
		"Most looked-up terms:",
		"Corrigibility — 1",
		"kubernetes — 1",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("transcript lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestScheduleConfigErrors(t *testing.T) {
	base := "slack:\n  enabled: true\n  bot_token: xoxb-1\n  signing_secret: s\nreading:\n  schedules:\n"
	tests := []struct {
		name, schedules string
		want            []string
	}{
		{"good", `    - {platform: slack, channel: C0123ABCD, cron: "0 18 * * 2", timezone: Europe/London}` + "\n", nil},
		{"bad cron", `    - {platform: slack, channel: C0123ABCD, cron: "0 25 * * 2"}` + "\n", []string{"reading.schedules[0].cron:"}},
		{"bad zone", `    - {platform: slack, channel: C0123ABCD, cron: "0 18 * * 2", timezone: Europe/Londn}` + "\n", []string{"reading.schedules[0].timezone:", "IANA"}},
		{"local zone", `    - {platform: slack, channel: C0123ABCD, cron: "0 18 * * 2", timezone: Local}` + "\n", []string{"reading.schedules[0].timezone:"}},
		{"channel name", `    - {platform: slack, channel: "#reading-group", cron: "0 18 * * 2"}` + "\n", []string{"reading.schedules[0].channel:", "channel's details"}},
		{"platform off", `    - {platform: discord, channel: "123456789012345678", cron: "0 18 * * 2"}` + "\n", []string{"reading.schedules[0].platform: discord is not enabled"}},
		{"platform unknown", `    - {platform: teams, channel: x, cron: "0 18 * * 2"}` + "\n", []string{"reading.schedules[0].platform:"}},
		{"second of two", `    - {platform: slack, channel: C0123ABCD, cron: "0 18 * * 2"}` + "\n" +
			`    - {platform: slack, channel: C0123ABCE, cron: "@every 1h"}` + "\n", []string{"reading.schedules[1].cron:", "@every"}},
		{"duplicate", `    - {platform: slack, channel: C0123ABCD, cron: "0 18 * * 2"}` + "\n" +
			`    - {platform: slack, channel: C0123ABCD, cron: "0 18 * * 4"}` + "\n", []string{"reading.schedules[1].channel:", "one cron"}},
		{"unknown key", `    - {platform: slack, channel: C0123ABCD, cron: "0 18 * * 2", zone: UTC}` + "\n", []string{`reading.schedules[0].zone: unknown field`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(writeConfig(t, base+tc.schedules), env(nil))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("loadConfig: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("loadConfig = nil, want an error with %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestScheduleCurriculumMustExist(t *testing.T) {
	g, err := loadGlossary("", "extend")
	if err != nil {
		t.Fatal(err)
	}
	tm, err := timing.Parse("0 18 * * 2", nil)
	if err != nil {
		t.Fatal(err)
	}
	scheds := []schedule{
		{platform: "slack", channel: "C0123ABCD", timing: tm},
		{platform: "slack", channel: "C0123ABCE", curriculum: "nope", timing: tm},
	}
	_, err = botSchedules(scheds, g)
	if err == nil || !strings.Contains(err.Error(), `reading.schedules[1].curriculum: no curriculum "nope"`) {
		t.Errorf("schedules = %v, want the curriculum error naming its key", err)
	}
	s, err := botSchedules(scheds[:1], g)
	if err != nil || len(s) != 1 || s[0].Curriculum != "ai-safety-fundamentals" || s[0].Timing != tm {
		t.Errorf("schedules = %+v, %v; want the default curriculum", s, err)
	}
}

func TestStatsCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	cfg := writeConfig(t, "state:\n  dir: "+dir+"\n")

	r := runArgs(t, "", nil, "stats", "--config", cfg)
	wantCode(t, r, 1)
	if !strings.Contains(r.err.Error(), filepath.Join(dir, "refbot.db")) || !strings.Contains(r.err.Error(), "refbot serve creates it") {
		t.Errorf("error %q should say where it looked and what creates the file", r.err)
	}

	s, err := sqlite.OpenDir(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range [][3]string{{"slack", "mesa", "mesa-optimization"}, {"slack", "mesa", "mesa-optimization"}, {"discord", "Kubernetes", ""}} {
		if err := s.AddLookups(context.Background(), []bot.LookupCount{{Lookup: bot.NewLookup(l[0], l[1], l[2]), N: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	suggested := bot.NewLookup("slack", "Mesa", "")
	suggested.Suggested = true
	if err := s.AddLookups(context.Background(), []bot.LookupCount{{Lookup: suggested, N: 1}}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	r = runArgs(t, "", map[string]string{"REFBOT_CONFIG": cfg}, "stats")
	wantCode(t, r, 0)
	for _, want := range []string{"Mesa-Optimization — 2", "kubernetes — 1", "only suggestions; an alias may help):\n 1. mesa — 1", dir} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stats output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runArgs(t, "", nil, "stats", "--config", cfg, "--platform", "slack", "--json")
	wantCode(t, r, 0)
	var out statsJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("--json output: %v\n%s", err, r.stdout)
	}
	if len(out.Found) != 1 || out.Found[0].Name != "mesa-optimization" || out.Found[0].Count != 2 || len(out.Missing) != 0 ||
		len(out.Suggested) != 1 || out.Suggested[0] != (bot.Count{Name: "mesa", Count: 1}) {
		t.Errorf("--json --platform slack = %+v", out)
	}
	if r := runArgs(t, "", nil, "stats", "extra"); r.code() != 2 {
		t.Errorf("stats with an argument: exit %d, want 2", r.code())
	}
}

// serve checks the schedules' curricula against the glossary it loads.
func TestServeScheduleErrors(t *testing.T) {
	tm, err := timing.Parse("0 18 * * 2", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaults(t)
	cfg.addr = "127.0.0.1:0"
	cfg.stateDir = t.TempDir()
	cfg.schedules = []schedule{{platform: "slack", channel: "C0123ABCD", curriculum: "nope", timing: tm}}
	err = serve(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
	if want := `reading.schedules[0].curriculum: no curriculum "nope"`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("serve = %v, want %q", err, want)
	}
}

func TestDiscordInviteAsksForThreadsWithSchedules(t *testing.T) {
	cfg := writeConfig(t, "reading:\n  schedules:\n    - {platform: discord, channel: \"4000000000000000004\", cron: \"0 18 * * 2\"}\n")
	r := runArgs(t, "", nil, "discord", "invite", "--config", cfg, "--application-id", "1000000000000000001")
	wantCode(t, r, 0)
	if !strings.Contains(r.stderr, "Create Public Threads") {
		t.Errorf("stderr %q does not explain the extra permissions", r.stderr)
	}
	want := fmt.Sprint(discord.Permissions(discord.Features{Reading: true}))
	if !strings.Contains(r.stdout, "permissions="+want) {
		t.Errorf("invite %q lacks permissions=%s", r.stdout, want)
	}
}
