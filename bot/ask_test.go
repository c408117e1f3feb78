package bot_test

import (
	"testing"

	"refbot/bot"
)

func TestParseMention(t *testing.T) {
	b := newBot(t, bot.Config{})
	tests := []struct {
		in, name, rest string
		ok             bool
	}{
		{"define mesa optimisation", "define", "mesa optimisation", true},
		{"  define   ELK ", "define", "ELK", true},
		{"refbot search alignment", "search", "alignment", true},
		{"/related corrigibility", "related", "corrigibility", true},
		{"hey define mesa optimisation", "define", "mesa optimisation", true},
		{"hey, can you define ELK please?", "define", "ELK", true},
		{"Hi! Could you please define corrigibility, thanks!", "define", "corrigibility", true},
		{"what is mesa optimisation?", "define", "mesa optimisation", true},
		{"What's Goodhart's law ?", "define", "Goodhart's law", true},
		{"what’s goodhart’s law", "define", "goodhart’s law", true},
		{"whats ELK", "define", "ELK", true},
		{"what are induction heads?", "define", "induction heads", true},
		{"what does ELK mean?", "define", "ELK", true},
		{"what do SAEs mean", "define", "SAEs", true},
		{"what is meant by sandbagging?", "define", "sandbagging", true},
		{"who is moloch", "define", "moloch", true},
		{"tell me about sycophancy.", "define", "sycophancy", true},
		{"explain the sharp left turn", "define", "the sharp left turn", true},
		{"what do you know about ELK?", "define", "ELK", true},
		{"hey what is RLHF", "define", "RLHF", true},
		{"help", "help", "", true},
		{"stats please", "stats", "", true},
		// Chatter: short help.
		{"", "", "", false},
		{"   ?! ", "", "", false},
		{"thanks!", "", "", false},
		{"hey", "", "", false},
		{"what is this?", "", "", false},
		{"what is it", "", "", false},
		{"what's up", "", "", false},
		{"what does", "", "", false},
		{"what does mean", "", "", false},
		{"good morning", "", "", false},
		{"mesa optimisation", "", "", false},
	}
	for _, tt := range tests {
		name, rest, ok := b.ParseMention(tt.in)
		if name != tt.name || rest != tt.rest || ok != tt.ok {
			t.Errorf("ParseMention(%q) = %q, %q, %v; want %q, %q, %v", tt.in, name, rest, ok, tt.name, tt.rest, tt.ok)
		}
	}
}

func FuzzParseMention(f *testing.F) {
	for _, s := range []string{"what does ELK mean?", "hey, can you define ELK please?", "what is", "?", "refbot", "what’s x"} {
		f.Add(s)
	}
	b := newBot(f, bot.Config{})
	f.Fuzz(func(t *testing.T, s string) {
		name, _, ok := b.ParseMention(s)
		if ok && name == "" {
			t.Fatalf("ParseMention(%q): ok with no command", s)
		}
		if !ok && name != "" {
			t.Fatalf("ParseMention(%q) = %q, not ok", s, name)
		}
	})
}
