package bot_test

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"refbot/bot"
)

// FuzzAutolink sends any message and any /autolink text through the
// policy: never an error from the memory store, never more links than
// allowed, each a distinct term the message mentions, one short line each.
func FuzzAutolink(f *testing.F) {
	for _, s := range []string{
		"isn't this just deceptive alignment?",
		"[[mesa optimisation]] and [[RLHF]] and [[nonsense]]",
		"reward hacking, Goodhart's law, inner alignment, outer alignment and RLHF",
		"`deceptive alignment`", "> deceptive alignment", "<@U1> ELK", "\xff[[\xfe]]", "[[", "",
	} {
		f.Add(s, "on")
	}
	for _, c := range []string{"", "on reaction", "off", "me off", "me on", "status", "ON  DIGEST", "me", "\xff"} {
		f.Add("deceptive alignment", c)
	}
	b, clk, _ := autolinkBot(f, nil)
	f.Fuzz(func(t *testing.T, text, setting string) {
		clk.Advance(time.Hour)
		r, err := b.Handle(t.Context(), msg("C1", "U1", text))
		if err != nil {
			t.Fatalf("message %q: %v", text, err)
		}
		if len(r.Links) > bot.DefaultMaxLinks || r.Notice != "" || r.Card != nil {
			t.Fatalf("message %q: %+v", text, r)
		}
		var ids []string
		for _, l := range r.Links {
			if slices.Contains(ids, l.ID) {
				t.Fatalf("message %q links %s twice", text, l.ID)
			}
			ids = append(ids, l.ID)
			if l.Text == "" || !strings.Contains(text, l.Text) {
				t.Fatalf("message %q: link text %q is not in the message", text, l.Text)
			}
			if n := utf8.RuneCountInString(l.Line); n == 0 || n > 160 {
				t.Fatalf("message %q: %s line of %d characters", text, l.ID, n)
			}
		}
		if r.React != "" && r.React != bot.ReactBook {
			t.Fatalf("react %q", r.React)
		}
		cr, err := b.Handle(t.Context(), bot.Request{Platform: "slack", Channel: "C7", User: "U7", Kind: bot.Command, Command: "autolink", Text: setting, CanManage: may(true)})
		if err != nil || cr.Notice == "" || !utf8.ValidString(cr.Notice) && utf8.ValidString(setting) {
			t.Fatalf("/autolink %q: %+v, %v", setting, cr, err)
		}
	})
}
