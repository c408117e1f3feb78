package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"refbot/bot/bottest"
)

func TestConsoleEndToEnd(t *testing.T) {
	long := "/define " + strings.Repeat("a", 5000-len("/define "))
	in := strings.Join([]string{
		"/define mesa optimisation",
		"/search alignment",
		"/related inner alignment",
		"/help",
		"what do people mean by corrigibility?",
		"/define kubernetes",
		"",
		long,
	}, "\n") + "\n"
	r := runArgs(t, in, map[string]string{"TERM": "xterm-256color"})
	wantCode(t, r, 0)
	golden(t, "console.golden", []byte(r.stdout))
	if r.stderr != "" {
		t.Errorf("stderr = %q, want nothing", r.stderr)
	}
	for _, want := range []string{
		"Mesa-Optimization\n",
		"Entries about \"alignment\":",
		"Related to Inner Alignment:",
		"/define TERM",
		"📖 Corrigibility — ", // the console auto-links
		"No glossary entry for \"kubernetes\"",
		"That is 4992 characters; a term is at most 200.",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
	if strings.Contains(r.stdout, "\x1b") {
		t.Errorf("stdout is not a terminal, yet the transcript has escapes")
	}
	if strings.Contains(r.stdout, "refbot console —") {
		t.Errorf("a banner was printed although stdin is not a terminal")
	}
}

func TestConsoleSubcommandWithOwnGlossary(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "entries", "widget-alignment.yaml"), widgetEntry)
	r := runArgs(t, "/define widget alignmnet\n/define mesa optimisation\n", nil, "console", "--glossary", dir)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "Widget Alignment\n") || !strings.Contains(r.stdout, "Mesa-Optimization\n") {
		t.Errorf("want both the directory's entry and the embedded one:\n%s", r.stdout)
	}

	r = runArgs(t, "", nil, "console", "--glossary", filepath.Join(dir, "missing"))
	if r.err == nil || !strings.Contains(r.err.Error(), "missing") {
		t.Errorf("a missing glossary directory: err %v", r.err)
	}
}

// The console stops when its context is cancelled (SIGINT in main), even
// with stdin still open.
func TestConsoleStopsOnCancel(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out bottest.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"refbot"}, env(nil), pr, &out, io.Discard) }()
	if _, err := io.WriteString(pw, "/define corrigable\n"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the card", func() bool { return strings.Contains(out.String(), "Corrigibility") })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after cancel = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

// waitFor polls cond until it holds or a deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const widgetEntry = `id: widget-alignment
title: Widget Alignment
aliases: [widget steering]
summary: >-
  Widget alignment is a made-up term for tests: getting a widget to do what
  its owner intended.
key_points:
  - "Exists only in refbot's tests."
sources:
  - title: "A Test Source"
    url: "https://example.org/widgets"
see_also: [inner-alignment]
`

// The console is a channel with auto-linking on, so it can be tried
// locally: lines that are not commands are messages.
func TestConsoleAutolink(t *testing.T) {
	in := strings.Join([]string{
		"/autolink",
		"isn't this just deceptive alignment? or reward hacking",
		"deceptive alignment again",
		"what is [[mesa optimisation]] again? `RLHF` in code is not a mention",
		"/autolink me off",
		"so Goodhart's law then",
		"/autolink me on",
		"/autolink on reaction",
		"so Goodhart's law then",
		"/autolink off",
		"instrumental convergence",
		"[[instrumental convergence]]",
	}, "\n") + "\n"
	r := runArgs(t, in, nil)
	wantCode(t, r, 0)
	golden(t, "console-autolink.golden", []byte(r.stdout))
	for _, want := range []string{
		"Auto-linking is on in this channel (digest)",
		"📖 Deceptive Alignment — ",
		"📖 Reward Hacking — ",
		// Why no link was made (issue 12.12): a cooldown is not "no term".
		"(Linked here recently, so not again yet: Deceptive Alignment. A term is linked at most once every 30 minutes",
		"📖 Mesa-Optimization — ",
		"will not read or link terms in your messages",
		"(You opted out, so refbot does not read your messages (/autolink me on to undo).)",
		"(refbot reacts with 📖 — Goodhart's Law.",
		"Auto-linking is now off in this channel.",
		"(Auto-linking is off in this channel (/autolink on turns it on); [[term]] still asks for a link.)",
		"📖 Instrumental Convergence — ",
	} {
		if flat := strings.Join(strings.Fields(r.stdout), " "); !strings.Contains(flat, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
	if n := strings.Count(r.stdout, "📖 Deceptive Alignment"); n != 1 {
		t.Errorf("deceptive alignment linked %d times, want once (cooldown)", n)
	}
	if strings.Contains(r.stdout, "Reinforcement Learning") {
		t.Errorf("RLHF in code was linked")
	}
}
