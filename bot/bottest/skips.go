package bottest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Needs is a kind of test that needs a program this machine may lack
// (PostgreSQL, a browser). Without it the tests skip, and the package says
// so in one line where the person running go test sees it; with the
// environment variable Require set to 1 (as CI sets it) they fail.
type Needs struct {
	What    string // "PostgreSQL", "browser"
	Require string // the environment variable that makes the tests mandatory
	How     string // how to enable them: what to install or set
	skipped atomic.Int64
}

// Skip skips tb for want of the program, saying why, or fails it when the
// tests are required here.
func (n *Needs) Skip(tb testing.TB, why string) {
	tb.Helper()
	if os.Getenv(n.Require) == "1" {
		tb.Fatalf("%s tests are required here (%s=1): %s", n.What, n.Require, why)
	}
	n.skipped.Add(1)
	tb.Skipf("no %s: %s; %s", n.What, why, n.How)
}

// Report says, after m.Run, how many tests were skipped, in one line. Call
// it from TestMain.
func (n *Needs) Report() {
	c := n.skipped.Load()
	if c == 0 {
		return
	}
	fmt.Printf("%d %s tests skipped in %s\n", c, n.What, strings.TrimSuffix(filepath.Base(os.Args[0]), ".test"))
	announce(n.What, fmt.Sprintf("%s tests skipped: %s", n.What, n.How))
}

// announce writes line to the terminal, once per go test run and kind of
// test: go test ./... shows nothing of a package that passes, and a skip
// nobody sees is a silent one. Without a terminal (CI) it writes nothing
// more; there the Require variable turns skips into failures.
func announce(what, line string) {
	marker := filepath.Join(os.TempDir(), fmt.Sprintf("refbot-skip-%x-%d", what, os.Getppid()))
	if fi, err := os.Stat(marker); err == nil && time.Since(fi.ModTime()) < time.Hour {
		return // another package of this run said it already
	}
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		return
	}
	defer tty.Close()
	os.WriteFile(marker, nil, 0o600)
	fmt.Fprintln(tty, line)
}
