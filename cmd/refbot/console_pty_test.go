//go:build linux

package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"refbot/bot/bottest"
)

// The console on a real terminal (a pseudo-terminal): the line editor
// reads the keys, so arrow keys edit the line and bring back earlier
// ones, a cooldown says why no link was made, and the terminal's mode is
// restored when the console ends (issue 12.12).
func TestConsoleOnATerminal(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if err := pty.Setsize(tty, &pty.Winsize{Rows: 40, Cols: 100}); err != nil {
		t.Fatal(err)
	}
	before, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}

	var screen bottest.Buffer
	go io.Copy(&screen, ptmx) // ends when the pty closes
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"refbot"}, env(map[string]string{"NO_COLOR": "1"}), tty, tty, &stderr)
	}()
	wait := func(what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(screen.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("the screen never showed %q:\n%q", what, screen.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	typed := func(keys string) {
		t.Helper()
		if _, err := ptmx.Write([]byte(keys)); err != nil {
			t.Fatal(err)
		}
	}
	wait("Ctrl-D quits.")
	const left, up = "\x1b[D", "\x1b[A"
	typed("/define nner alignment" + strings.Repeat(left, len("nner alignment")) + "i\r")
	wait("Inner alignment is")
	typed("so what about deceptive alignment\r")
	wait("📖 Deceptive Alignment")
	typed(up + "\r") // the chat line again, from history: on its cooldown
	wait("Linked here recently, so not again yet: Deceptive Alignment")
	typed("\x04")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("console: %v (stderr %q)", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the console did not end on Ctrl-D")
	}
	if s := screen.String(); strings.Contains(s, "^[[") || strings.Contains(s, "No glossary entry") {
		t.Errorf("an edit key reached the bot:\n%q", s)
	}
	after, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if after.Lflag != before.Lflag || after.Iflag != before.Iflag || after.Oflag != before.Oflag {
		t.Errorf("the terminal's mode was not restored: lflag %#x → %#x", before.Lflag, after.Lflag)
	}
	if after.Lflag&(unix.ICANON|unix.ECHO) != unix.ICANON|unix.ECHO {
		t.Errorf("the terminal is left without line editing or echo")
	}
}
