package bottest_test

import (
	"context"
	"fmt"
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
