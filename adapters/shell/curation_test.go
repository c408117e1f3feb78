package shell_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"refbot/adapters/shell"
	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/glossary"
)

func curationBot(t testing.TB) *bot.Bot {
	t.Helper()
	src := []glossary.Source{{Title: "Corrigibility", URL: "https://intelligence.org/files/Corrigibility.pdf"}}
	g, err := glossary.New([]glossary.Entry{
		{ID: "corrigibility", Title: "Corrigibility", Aliases: []string{"corrigible"}, Summary: "Corrigibility is the property of an AI system that lets its overseers correct it.", Sources: src},
		{ID: "off-switch-problem", Title: "Off-Switch Problem", Summary: "Why an agent might resist being switched off.", Sources: src},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return bot.New(g, bot.Config{CurationStore: bot.NewMemoryCuration(), Clock: bottest.NewClock(time.Date(2026, 12, 2, 14, 5, 0, 0, time.UTC))})
}

// The whole curation flow in the console, driven through stdin as a script
// would: a missing term's button opens the form, a bad source comes back
// and only that field is asked again, the owner (a moderator) reviews and
// approves it, /define finds it; then an edit, a reviewer's edit, and a
// rejection with a reason.
func TestConsoleCuration(t *testing.T) {
	in := strings.Join([]string{
		"/define Shutdown Problem",
		"/9", // no such button
		"/1", // Suggest this term
		"",   // keep the title
		"stop button problem, off switch",
		"The difficulty of building an agent that lets itself be shut down.",
		"",
		"- An agent with a goal has a reason to stay on",
		"- Utility indifference is one proposed fix",
		"",
		"Shutdown — javascript:alert(1)",
		"",
		// The sources come back with their problem; only they are asked.
		"The Shutdown Problem — https://example.org/shutdown",
		"See also: corrigibility, off switch problem",
		"",
		"/review",
		"/1", // Approve
		"/define stop button problem",
		"/suggest shutdown problem",
		"/1", // Suggest an edit
		"", "", "The difficulty of building an agent that accepts being switched off.", "", "", "",
		"/review",
		"/3", // Edit
		"", "", "", "- An agent with a goal has a reason to stay on", "", "",
		"/2", // Reject
		"Too close to the current text.",
		"",
		"/review",
		"/suggest another thing",
		"/cancel",
		"/define shutdown problem",
	}, "\n")
	var out bytes.Buffer
	if err := shell.Run(context.Background(), curationBot(t), strings.NewReader(in), &out, shell.Options{Width: 72}); err != nil {
		t.Fatal(err)
	}
	golden(t, "curation.txt", out.Bytes())
	checkTerminalSafe(t, out.String(), false)
	s := out.String()
	for _, want := range []string{
		"sources: line 1, url: must start with https:// or http://",
		"Approved: Shutdown Problem is in the glossary now",
		"Rejected suggestion 2 (Shutdown Problem). Its author is told why.",
		"Stopped; nothing was sent.",
	} {
		if !strings.Contains(strings.ToLower(s), strings.ToLower(want)) {
			t.Errorf("transcript lacks %q", want)
		}
	}
}

// consoleHostile are strings built to move the cursor, recolour the
// terminal, reorder text or hide it, typed into a form line by line.
var consoleHostile = []string{
	"\x1b[31mred\x1b[0m", "\x1b]0;owned\x07", "\x1b[2J\x1b[H", "bell\x07", "null\x00byte", "del\x7f",
	"\u202eevil\u202c", "\u2066isolate\u2069", "zero\u200bwidth", "\u0085next line", "\r carriage",
	"@everyone <!channel> <@U1>", "[x](javascript:alert(1))", "javascript:alert(1)",
	strings.Repeat("x", 3000), strings.Repeat("é", 800), "\xff\xfe invalid", "-", "/cancel-not",
}

// Every field filled with terminal-hostile text: what the console prints
// — questions, problems, the thanks, the review card, /define — never
// carries a control sequence or a hidden character.
func TestConsoleCurationHostileInput(t *testing.T) {
	fields := []string{"title", "aliases", "summary", "key_points", "sources"}
	accepted := 0
	for fi := range fields {
		for _, h := range consoleHostile {
			v := map[string]string{"title": "Hostile Case", "summary": "A summary that is fine.", "sources": "A paper — https://example.org/p"}
			switch fields[fi] {
			case "sources":
				v["sources"] = h + " — https://example.org/p\nSee also: " + h
			default:
				v[fields[fi]] = h
			}
			// One line per answer; a field of several lines ends with an
			// empty one (summary, key points, sources).
			answers := []string{v["title"], v["aliases"], v["summary"], "", v["key_points"]}
			if v["key_points"] != "" {
				answers = append(answers, "")
			}
			answers = append(answers, strings.Split(v["sources"], "\n")...)
			answers = append(answers, "")
			in := strings.Join(append(append([]string{"/suggest"}, answers...), "/cancel", "/review", "/1", "/define Hostile Case", "/define "+h), "\n")
			var out bytes.Buffer
			if err := shell.Run(context.Background(), curationBot(t), strings.NewReader(in), &out, shell.Options{Width: 72}); err != nil {
				t.Fatal(err)
			}
			checkTerminalSafe(t, out.String(), false)
			if strings.Contains(out.String(), "Approved:") {
				accepted++
			}
		}
	}
	t.Logf("%d of %d hostile suggestions accepted and served", accepted, len(fields)*len(consoleHostile))
	if accepted == 0 {
		t.Errorf("no hostile suggestion was accepted: the table should hold both kinds")
	}
}
