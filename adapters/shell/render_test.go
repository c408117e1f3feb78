package shell_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"refbot/adapters/shell"
	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/glossary"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test -update if the change is intended)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

var card = &bot.Card{
	ID:    "corrigibility",
	Title: "Corrigibility",
	Summary: "Corrigibility is the property of an AI system that lets its overseers correct it: " +
		"it does not resist being shut down, modified or retrained, and ideally helps with those corrections.\n" +
		"A second paragraph stays a paragraph.",
	KeyPoints: []string{
		"Shut down when asked, and neither prevent nor cause the request.",
		"Exact indifference to the off switch is hard to build.",
	},
	Sources: []bot.Source{
		{Title: "Corrigibility", URL: "https://intelligence.org/files/Corrigibility.pdf", Authors: "Soares et al.", Year: 2015},
		{Title: "The Off-Switch Game", URL: "https://arxiv.org/abs/1611.08219", Year: 2016},
		{Title: "Corrigibility (wiki)", URL: "https://example.org/corrigibility", Authors: "Wiki editors"},
		{Title: "No byline", URL: "https://example.org/plain"},
	},
	Aliases: []string{"corrigible", "correctability"},
	SeeAlso: []bot.Suggestion{{ID: "off-switch-problem", Title: "Off-Switch Problem"}, {ID: "power-seeking", Title: "Power-Seeking"}},
}

var renderCases = []struct {
	name  string
	reply bot.Reply
}{
	{"card", bot.Reply{Card: card}},
	{"card-with-page", bot.Reply{Card: withPage(card, "https://refbot.example.org/glossary/terms/mesa-optimization")}},
	{"suggestions", bot.Reply{
		Notice:   `No entry matches "reward" exactly. Did you mean:`,
		ListKind: bot.DidYouMean,
		Suggestions: []bot.Suggestion{
			{ID: "reward-hacking", Title: "Reward Hacking", Line: "Reward hacking is when an agent scores well on its reward without doing the intended task."},
			{ID: "reward-tampering", Title: "Reward Tampering", Name: "wireheading", Line: "Reward tampering is when an agent interferes with the process that computes its reward."},
		},
	}},
	{"choices", bot.Reply{
		ListKind: bot.Choices,
		Suggestions: []bot.Suggestion{
			{ID: "corrigibility", Title: "Corrigibility", Line: "not shown for choices"},
			{ID: "corrigibility-2", Title: "Corrigible Agents", Name: "corrigible"},
		},
	}},
	{"help", bot.Reply{
		Notice: "refbot explains AI-safety terms.",
		Help: []bot.CommandInfo{
			{Name: "define", Description: "Show the glossary card for an AI-safety term", Args: []bot.Arg{{Name: "term", Required: true}}, Examples: []string{"mesa optimisation"}},
			{Name: "search", Description: "Find glossary entries about a topic", Args: []bot.Arg{{Name: "query", Required: true}}, Examples: []string{"alignment"}},
			{Name: "help", Description: "List refbot's commands with examples"},
		},
	}},
	{"links", bot.Reply{Visibility: bot.Public, Links: []bot.Link{
		{ID: "grokking", Title: "Grokking", URL: "https://arxiv.org/abs/2201.02177", Line: "Generalisation long after memorisation.", Text: "grokking"},
		{ID: "deceptive-alignment", Title: "Deceptive Alignment", URL: "https://arxiv.org/abs/1906.01820", Text: "deceptive alignment", Explicit: true,
			Line: "Deceptive alignment is the worry that a model which is not aligned could behave as if it were during training, because it…"},
		{ID: "no-source", Title: "No Source", Line: "An entry without a URL still offers its card."},
	}}},
	{"reaction", bot.Reply{Visibility: bot.Public, React: bot.ReactBook, Links: []bot.Link{
		{ID: "grokking", Title: "Grokking", URL: "https://arxiv.org/abs/2201.02177", Line: "Generalisation long after memorisation."},
		{ID: "rlhf", Title: "RLHF", URL: "https://arxiv.org/abs/2203.02155", Line: "Reinforcement learning from human feedback."},
	}}},
	{"prompt", bot.Reply{Prompt: &bot.Prompt{
		Title:     "Week 2: Inner alignment",
		Summary:   "This week asks whether trained models pursue the goal they were trained on.",
		Readings:  []bot.Source{{Title: "Risks from Learned Optimization", URL: "https://arxiv.org/abs/1906.01820", Authors: "Hubinger et al.", Year: 2019}},
		Questions: []string{"What would count as evidence of internal search?", "Where does the evolution analogy break down?"},
		Terms:     []bot.Suggestion{{ID: "mesa-optimization", Title: "Mesa-Optimization"}, {ID: "inner-alignment", Title: "Inner Alignment"}},
		Links:     []bot.Link{{ID: "goodharts-law", Title: "Goodhart's Law", URL: "https://arxiv.org/abs/1803.04585"}},
	}}},
}

func TestRenderGolden(t *testing.T) {
	for _, tc := range renderCases {
		for _, color := range []bool{false, true} {
			name := tc.name + ".txt"
			if color {
				name = tc.name + ".color.txt"
			}
			t.Run(name, func(t *testing.T) {
				var out bytes.Buffer
				if err := shell.Render(&out, tc.reply, shell.Options{Color: color, Width: 60}); err != nil {
					t.Fatal(err)
				}
				golden(t, name, out.Bytes())
				checkTerminalSafe(t, out.String(), color)
				for _, line := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
					// Only a single word longer than the width may overflow it.
					if n := utf8.RuneCountInString(sgr.ReplaceAllString(line, "")); n > 60 && strings.Contains(strings.TrimSpace(line), " ") {
						t.Errorf("line is %d columns, wider than 60: %q", n, line)
					}
				}
			})
		}
	}
}

// sgr matches the only escape sequences refbot itself writes: bold on, off.
var sgr = regexp.MustCompile("\x1b\\[[01]m")

// checkTerminalSafe fails when out holds anything a terminal could act on
// besides newlines and, with colour, refbot's own bold sequences.
func checkTerminalSafe(t *testing.T, out string, color bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("output is not valid UTF-8: %q", out)
	}
	if !color && strings.Contains(out, "\x1b") {
		t.Errorf("output without colour contains an escape: %q", out)
	}
	plain := sgr.ReplaceAllString(out, "")
	for i, r := range plain {
		if r == '\n' {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u202e' || r == '\u2066' || r == '\u200b' {
			t.Errorf("output has %U at byte %d: %q", r, i, plain[max(0, i-20):min(len(plain), i+20)])
		}
	}
	if strings.Contains(plain, "[1m") && !color {
		t.Errorf("output has a stray bold sequence: %q", out)
	}
}

// Text from users and from glossary files must never reach the terminal
// raw: it could move the cursor, retitle the window or fake output.
func TestRenderEscapesControlCharacters(t *testing.T) {
	evil := "a\x1b[2J\x1b]0;owned\x07b\r\bc\u009b31md\u202eevil\u2066e\x00f\x7fg\xc2\x9bh\x9bi\u200bj"
	reply := bot.Reply{
		Notice: evil,
		Card: &bot.Card{
			Title:     evil,
			Summary:   evil,
			KeyPoints: []string{evil},
			Sources:   []bot.Source{{Title: evil, URL: "https://example.org/" + evil, Authors: evil}},
			Aliases:   []string{evil},
			SeeAlso:   []bot.Suggestion{{Title: evil}},
		},
		Suggestions: []bot.Suggestion{{Title: evil, Name: evil, Line: evil}},
		Links:       []bot.Link{{Title: evil, Line: evil, URL: evil}},
		Prompt: &bot.Prompt{
			Title: evil, Summary: evil, Readings: []bot.Source{{Title: evil, URL: evil}},
			Questions: []string{evil}, Terms: []bot.Suggestion{{Title: evil}},
		},
		Help: []bot.CommandInfo{{Name: "x", Description: evil, Examples: []string{evil}}},
	}
	for _, color := range []bool{false, true} {
		var out bytes.Buffer
		if err := shell.Render(&out, reply, shell.Options{Color: color}); err != nil {
			t.Fatal(err)
		}
		checkTerminalSafe(t, out.String(), color)
		if !strings.Contains(out.String(), "owned") {
			t.Errorf("the harmless text around the escapes was lost: %q", out.String())
		}
	}
}

func TestColor(t *testing.T) {
	reply := bot.Reply{Card: card}
	var plain, colored bytes.Buffer
	if err := shell.Render(&plain, reply, shell.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := shell.Render(&colored, reply, shell.Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b") {
		t.Errorf("colour off, yet output has escapes: %q", plain.String())
	}
	for _, want := range []string{"\x1b[1mCorrigibility\x1b[0m\n", "\x1b[1mKey points\x1b[0m", "\x1b[1mRelated:\x1b[0m Off-Switch Problem"} {
		if !strings.Contains(colored.String(), want) {
			t.Errorf("colour on: output lacks %q:\n%q", want, colored.String())
		}
	}
	if got := sgr.ReplaceAllString(colored.String(), ""); got != plain.String() {
		t.Errorf("colour changes more than bold:\n%s\nvs\n%s", got, plain.String())
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, errors.New("broken pipe")
	}
	w.n--
	return len(p), nil
}

func TestRenderReportsWriteErrors(t *testing.T) {
	err := shell.Render(&failWriter{n: 2}, bot.Reply{Card: card}, shell.Options{})
	if err == nil || !strings.Contains(err.Error(), "broken pipe") {
		t.Errorf("Render to a failing writer = %v, want the write error", err)
	}
}

func testBot(t testing.TB) *bot.Bot {
	t.Helper()
	g, err := glossary.New([]glossary.Entry{
		{
			ID: "corrigibility", Title: "Corrigibility", Aliases: []string{"corrigible"},
			Summary: "Corrigibility is the property of an AI system that lets its overseers correct it.",
			Sources: []glossary.Source{{Title: "Corrigibility", URL: "https://intelligence.org/files/Corrigibility.pdf"}},
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return bot.New(g, bot.Config{})
}

func TestRunTranscript(t *testing.T) {
	in := strings.Join([]string{
		"/define corrigable",
		"  ",
		"hello \x1b[31mthere",
		"/define \x1b]0;owned\x07",
		"/nope",
		"/refbot",
		"/define " + strings.Repeat("x", 5000),
		"/define corrigibility", // the last line has no newline
	}, "\n")
	var out bytes.Buffer
	if err := shell.Run(context.Background(), testBot(t), strings.NewReader(in), &out, shell.Options{Width: 60}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	golden(t, "transcript.txt", out.Bytes())
	checkTerminalSafe(t, out.String(), false)
	if n := strings.Count("\n"+out.String(), "\nCorrigibility\n"); n != 2 {
		t.Errorf("got %d cards, want 2 (the last line lacks a newline)", n)
	}
}

func TestRunInteractive(t *testing.T) {
	var out bytes.Buffer
	err := shell.Run(context.Background(), testBot(t), strings.NewReader("/help\n"), &out, shell.Options{Interactive: true})
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.HasPrefix(s, "refbot console — 1 glossary entry.") {
		t.Errorf("no banner: %q", s)
	}
	if strings.Count(s, "> ") != 2 {
		t.Errorf("want a prompt before each line and one at EOF: %q", s)
	}
	if !strings.HasSuffix(s, "> \n") {
		t.Errorf("Ctrl-D should end the prompt line: %q", s)
	}
}

func TestRunEmptyInput(t *testing.T) {
	var out bytes.Buffer
	if err := shell.Run(context.Background(), testBot(t), strings.NewReader(""), &out, shell.Options{}); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("empty input printed %q", out.String())
	}
}

type errReader struct{ data io.Reader }

func (r errReader) Read(p []byte) (int, error) {
	n, err := r.data.Read(p)
	if err == io.EOF {
		return n, errors.New("device gone")
	}
	return n, err
}

func TestRunReadError(t *testing.T) {
	var out bytes.Buffer
	err := shell.Run(context.Background(), testBot(t), errReader{strings.NewReader("/define corrigibility\n")}, &out, shell.Options{})
	if err == nil || !strings.Contains(err.Error(), "device gone") {
		t.Errorf("Run = %v, want the read error", err)
	}
	if !strings.Contains(out.String(), "Corrigibility") {
		t.Errorf("the line before the error was not answered: %q", out.String())
	}
}

// Run returns when ctx is done even though stdin stays open.
func TestRunStopsOnCancel(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out bottest.Buffer
	go func() { done <- shell.Run(ctx, testBot(t), pr, &out, shell.Options{}) }()
	if _, err := io.WriteString(pw, "/define corrigibility\n"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "Corrigibility") {
		if time.Now().After(deadline) {
			t.Fatalf("no answer before the deadline: %q", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// A line longer than the console's limit is cut, not fatal.
func TestRunHugeLine(t *testing.T) {
	in := "/define " + strings.Repeat("y", 1<<20) + "\n/define corrigibility\n"
	var out bytes.Buffer
	if err := shell.Run(context.Background(), testBot(t), strings.NewReader(in), &out, shell.Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "characters; a term is at most") || !strings.Contains(out.String(), "Corrigibility\n") {
		t.Errorf("got %.300q", out.String())
	}
	// It says the line was cut (issue 12.12: "65528 characters" alone did not).
	if want := fmt.Sprintf("(That line was %d bytes; the console reads the first 65536 of a line and dropped the rest.)", len(in)-len("\n/define corrigibility\n")); !strings.HasPrefix(out.String(), want) {
		t.Errorf("got %.300q, want it to start with %q", out.String(), want)
	}
	if strings.Count(out.String(), "dropped the rest") != 1 {
		t.Errorf("a short line was reported cut: %.300q", out.String())
	}
}

// On a terminal the console reads with a line editor: arrow keys move in
// the line, the up arrow brings back earlier lines, nothing arrives as
// "^[[A" (issue 12.12). The terminal is a pipe here; the editor's output
// is CRLF-terminated, as a terminal in raw mode needs.
func TestRunEditor(t *testing.T) {
	pr, pw := io.Pipe()
	var out bottest.Buffer
	done := make(chan error, 1)
	go func() {
		done <- shell.Run(context.Background(), testBot(t), pr, &out, shell.Options{Interactive: true, Editor: true, Columns: 100})
	}()
	const left, up = "\x1b[D", "\x1b[A"
	keys := []string{
		"/define orrigibility" + strings.Repeat(left, len("orrigibility")) + "c\r", // fixed in place
		up + "\r",              // the same line again, from history
		"/define x\x15/help\r", // Ctrl-U clears the line
		strings.Repeat("z", 5000) + "\r",
		"\x04", // Ctrl-D on an empty line quits
	}
	for _, k := range keys {
		if _, err := io.WriteString(pw, k); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not end on Ctrl-D")
	}
	got := out.String()
	if n := strings.Count(got, "Also called: corrigible\r\n"); n != 2 {
		t.Errorf("%d Corrigibility cards, want 2 (typed, then from history):\n%s", n, got)
	}
	if !strings.Contains(got, "/help               List refbot's commands") {
		t.Errorf("no help after Ctrl-U:\n%s", got)
	}
	if strings.Contains(got, "No glossary entry for \"x") || strings.Contains(got, "^[") || strings.Contains(got, "[A") {
		t.Errorf("an edit key reached the bot:\n%s", got)
	}
	if !strings.Contains(got, "(That line reached the line editor's limit of 4096 characters; what was typed or pasted after that was dropped.)") {
		t.Errorf("the long line was not reported cut:\n%.2000s", got)
	}
	if strings.Contains(strings.ReplaceAll(got, "\r\n", ""), "\n") {
		t.Errorf("a bare newline in raw mode:\n%q", got)
	}
}

// withPage is c with a glossary page, as cards are when web.public_url is set.
func withPage(c *bot.Card, page string) *bot.Card {
	cp := *c
	cp.Page = page
	return &cp
}

// The console has nothing to click: a reply's own buttons are listed.
func TestRenderButtons(t *testing.T) {
	var out bytes.Buffer
	r := bot.Reply{Notice: "Pick one", Buttons: []bot.Button{{Label: "Reveal", Action: "reveal", Value: "x"}, {Label: "Share\x1b[31m", Action: bot.ActionShare, Value: "y"}}}
	if err := shell.Render(&out, r, shell.Options{}); err != nil {
		t.Fatal(err)
	}
	if want := "Pick one\nButtons in chat: Reveal · Share [31m\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	checkTerminalSafe(t, out.String(), false)
}
