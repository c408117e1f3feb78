package glossary

import (
	"slices"
	"testing"
)

// soundsAlike reports what soundAlikes decides for two words.
func soundsAlike(a, b string) bool {
	sa, ka, okA := soundKey(a, nil, nil)
	sb, kb, okB := soundKey(b, nil, nil)
	return okA && okB && string(ka) == string(kb) && editDistance(sa, sb) <= soundSlack(len(a))
}

func TestSoundsAlike(t *testing.T) {
	for _, c := range []struct {
		typed, word string
		want        bool
	}{
		{"steganografy", "steganography", true}, // ph/f
		{"stegonografy", "steganography", true}, // and a vowel
		{"korigibility", "corrigibility", true}, // k/c, doubled r
		{"sikofancy", "sycophancy", true},       // i/y, k/c, f/ph: four edits, no sound
		{"sickofancy", "sycophancy", true},      // ck
		{"alinement", "alignment", true},        // silent g
		{"kwantilizer", "quantilizer", true},    // kw/qu
		{"jailbrake", "jailbreak", true},        // vowels swapped in a long word
		{"existenshal", "existential", true},    // sh/ti
		{"ellisiting", "eliciting", true},       // soft c/s
		{"goodheart", "goodhart", true},
		// Other words, though near in letters or in consonants.
		{"scamming", "scheming", false}, // different vowel, different ch
		{"cracking", "grokking", false}, // k is not g
		{"goddard", "goodhart", false},  // d is not t
		{"stenography", "steganography", false},
		{"simpleton", "singleton", false},
		{"quantizer", "quantilizer", false},
		{"goodhearted", "goodhart", false},
		{"emergency", "emergent", false},
		{"jailbird", "jailbreak", false},
		{"mulch", "moloch", false}, // too short to tell by sound
		{"reheating", "wireheading", false},
		{"chargeable", "corrigible", false},
	} {
		if got := soundsAlike(c.typed, c.word); got != c.want {
			sa, ka, _ := soundKey(c.typed, nil, nil)
			sb, kb, _ := soundKey(c.word, nil, nil)
			t.Errorf("soundsAlike(%q, %q) = %v, want %v (%s/%s, %s/%s)", c.typed, c.word, got, c.want, sa, ka, sb, kb)
		}
	}
}

func TestSoundKeyRejects(t *testing.T) {
	for _, w := range []string{"", "short", "naïveté", "abc123def", "mesa", "aaaaaaaa"} {
		if _, _, ok := soundKey(w, nil, nil); ok {
			t.Errorf("soundKey(%q) ok, want no key", w)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "abc", 0},
		{"abc", "acb", 1}, // a swap is one edit
		{"kitten", "sitting", 3},
		{"jailbrake", "jailbreak", 2},
		{"", "abcd", 4},
		{"sikofancy", "sycophancy", 4},
	} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := editDistance(c.b, c.a); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.b, c.a, got, c.want)
		}
	}
}

func TestInitials(t *testing.T) {
	for _, c := range []struct {
		name string
		want []string
	}{
		{"Constitutional AI", []string{"cai"}},
		{"Reward Model Overoptimization", []string{"rmo"}},
		{"Iterated Distillation and Amplification", []string{"idaa", "ida"}},
		{"Chain-of-Thought Prompting", []string{"cotp", "ctp"}},
		{"Inverse Reinforcement Learning", []string{"irl"}},
		{"Reinforcement Learning from Human Feedback", []string{"rlfhf", "rlhf"}},
		{"The Bitter Lesson", nil}, // two letters once the article goes
		{"Goodhart's Law", nil},    // the apostrophe's s is no word
		{"Cooperative IRL", []string{"cirl"}},
		{"Grokking", nil},
		{"AI Safety via Debate", []string{"aisvd", "aisd"}},
		{"Ünïcode Tërm Nämes", nil},
	} {
		if got := initials(c.name); !slices.Equal(got, c.want) {
			t.Errorf("initials(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}
