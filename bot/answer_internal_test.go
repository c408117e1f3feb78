package bot

import (
	"strings"
	"testing"
)

// The apology after a panic fits what was asked: nothing for a chat
// message, no choices for autocomplete, a notice otherwise.
func TestApology(t *testing.T) {
	if r := apology(Request{Kind: Message}); r.Notice != "" || r.Links != nil {
		t.Errorf("message: %+v, want nothing", r)
	}
	if r := apology(Request{Kind: Complete}); r.ListKind != Choices || r.Suggestions != nil || r.Notice != "" {
		t.Errorf("complete: %+v, want no choices", r)
	}
	for _, k := range []Kind{Command, Action} {
		if r := apology(Request{Kind: k}); !strings.Contains(r.Notice, "Try again") {
			t.Errorf("%v: %+v, want a notice", k, r)
		}
	}
}

func TestSentenceCase(t *testing.T) {
	for in, want := range map[string][2]string{"": {"", ""}, "people": {"People", "people"}, "Élan": {"Élan", "élan"}} {
		if got := [2]string{upperFirst(in), lowerFirst(in)}; got != want {
			t.Errorf("upperFirst, lowerFirst(%q) = %q, want %q", in, got, want)
		}
	}
}
