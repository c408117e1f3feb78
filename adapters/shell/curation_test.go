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
