package bottest_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"refbot/bot"
	"refbot/bot/bottest"
)

// Faulty panics on exactly the next n calls, then keeps the counts and
// settings as the memory stores do.
func TestFaulty(t *testing.T) {
	ctx := context.Background()
	f := bottest.NewFaulty()
	panics := func(call func()) (p bool) {
		defer func() { p = recover() != nil }()
		call()
		return false
	}
	record := func() { _ = f.RecordLookup(ctx, bot.NewLookup("test", "mesa", "mesa-optimization")) }
	read := func() { _, _ = f.ChannelAutolink(ctx, "test", "C1") }
	if panics(record) || panics(read) {
		t.Fatal("a new Faulty panicked")
	}
	f.PanicNext(2)
	if !panics(read) || !panics(record) || panics(record) {
		t.Error("want exactly the next two calls to panic")
	}
	if err := f.SetChannelAutolink(ctx, "test", "C1", bot.AutolinkDigest); err != nil {
		t.Fatal(err)
	}
	if m, err := f.ChannelAutolink(ctx, "test", "C1"); err != nil || m != bot.AutolinkDigest {
		t.Errorf("ChannelAutolink = %v, %v", m, err)
	}
	if found := f.Top(1).Found; len(found) != 1 || found[0].Count != 2 {
		t.Errorf("counted %+v, want the two lookups that did not panic", found)
	}
}

// Buffer takes writes from many goroutines while a test reads it.
func TestBuffer(t *testing.T) {
	var b bottest.Buffer
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() { fmt.Fprintf(&b, "%d\n", i) })
		_ = b.String()
	}
	wg.Wait()
	if n := len(b.String()); n != 20 {
		t.Errorf("%d bytes, want 20", n)
	}
}

// A test that needs a program this machine lacks is skipped, and counted
// for the one-line report; with the Require variable set it fails instead.
func TestNeedsSkip(t *testing.T) {
	n := &bottest.Needs{What: "widget", Require: "REFBOT_TEST_WIDGET_REQUIRED", How: "install widget"}
	var skipped bool
	t.Run("skips", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		n.Skip(t, "no widget here")
	})
	if !skipped {
		t.Error("the test was not skipped")
	}
	t.Setenv("REFBOT_TEST_WIDGET_REQUIRED", "1")
	ft := &fatalTB{TB: t}
	func() {
		defer func() { recover() }()
		n.Skip(ft, "no widget here")
	}()
	if !strings.Contains(ft.msg, "REFBOT_TEST_WIDGET_REQUIRED=1") || !strings.Contains(ft.msg, "no widget here") {
		t.Errorf("required: Fatal said %q, want the variable and the reason", ft.msg)
	}
}

// fatalTB records Fatalf instead of ending the test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}
