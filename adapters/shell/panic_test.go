package shell_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"refbot/adapters/shell"
	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/glossary"
	"refbot/glossary/data"
)

// A panic in the core is an apology on the console and one line in the
// log; the console reads on and answers the next line.
func TestCorePanicOnTheConsole(t *testing.T) {
	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		t.Fatal(err)
	}
	f, logs := bottest.NewFaulty(), &bottest.Buffer{}
	b := bot.New(g, bot.Config{Stats: f, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	f.PanicNext(1)
	var out bytes.Buffer
	if err := shell.Run(context.Background(), b, strings.NewReader("/define mesa optimisation\n/define mesa optimisation\n"), &out, shell.Options{}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	apology := strings.Index(out.String(), "Something went wrong inside refbot")
	card := strings.Index(out.String(), "Mesa-Optimization")
	if apology < 0 || card < apology {
		t.Errorf("want an apology, then the card:\n%s", out.String())
	}
	if n := strings.Count(logs.String(), "request panicked"); n != 1 {
		t.Errorf("%d panic lines in the log, want 1:\n%s", n, logs)
	}
}
