package glossary

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Normalize returns the key a name or query is matched on: NFKC, case
// folded, accents and invisible characters removed, every run of
// punctuation, hyphens, underscores, slashes and spaces made one space,
// apostrophes dropped, and each word put in a canonical spelling
// (American, singular; see canonWord). Names and queries go through the
// same function, so the canonical form only has to be consistent, not a
// dictionary word.
func Normalize(s string) string {
	return strings.Join(words(s, nil), " ")
}

// words splits s into canonical words, appending to dst.
func words(s string, dst []string) []string {
	s = fold(s)
	for len(s) > 0 {
		i := strings.IndexFunc(s, isWordRune)
		if i < 0 {
			break
		}
		s = s[i:]
		j := wordEnd(s)
		dst = append(dst, canonWord(s[:j]))
		s = s[j:]
	}
	return dst
}

// rawWords is words without canonWord, for prefixes whose last word is
// still being typed.
func rawWords(s string, dst []string) []string {
	s = fold(s)
	for len(s) > 0 {
		i := strings.IndexFunc(s, isWordRune)
		if i < 0 {
			break
		}
		s = s[i:]
		j := wordEnd(s)
		dst = append(dst, s[:j])
		s = s[j:]
	}
	return dst
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// wordEnd returns the end of the word at the start of s (already folded,
// so apostrophes are gone).
func wordEnd(s string) int {
	for i, r := range s {
		if !isWordRune(r) {
			return i
		}
	}
	return len(s)
}

// fold lower-cases s and removes marks, invisible characters and
// apostrophes. ASCII, the common case, takes a fast path with at most one
// allocation.
func fold(s string) string {
	ascii := true
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if ('A' <= c && c <= 'Z') || c == '\'' {
			clean = false
		}
	}
	if ascii {
		if clean {
			return s
		}
		b := make([]byte, 0, len(s))
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '\'':
				continue
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			}
			b = append(b, c)
		}
		return string(b)
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	t := transform.Chain(
		norm.NFKD,
		runes.Remove(runes.Predicate(invisible)),
		cases.Fold(),
		norm.NFKC,
	)
	out, _, err := transform.String(t, s)
	if err != nil {
		return ""
	}
	return out
}

// invisible reports runes that change nothing a reader sees: combining
// marks (accents, once decomposed), format characters (zero-width spaces
// and joiners, bidi controls, soft hyphens) and apostrophes, so that
// "Goodhart’s" and "Goodharts" are one word.
func invisible(r rune) bool {
	switch r {
	case '\'', '\u2019', '\u2018', '\u02bc', '\u02b9', '\u0060', '\u00b4':
		return true
	}
	return unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || unicode.Is(unicode.Cf, r)
}

// britishWords are spellings the suffix rules below cannot reach.
var britishWords = map[string]string{
	"defence":   "defense",
	"offence":   "offense",
	"licence":   "license",
	"pretence":  "pretense",
	"judgement": "judgment",
	"artefact":  "artifact",
	"ageing":    "aging",
	"programme": "program",
	"grey":      "gray",
	"sceptic":   "skeptic",
	"sceptical": "skeptical",
	"whilst":    "while",
	"amongst":   "among",
	"learnt":    "learned",
	"dreamt":    "dreamed",
}

// canonWord maps one folded word to its canonical spelling: singular
// (simple plurals only) and American. The rules are deliberately simple
// and applied to names and queries alike, so "optimisations",
// "optimization" and "optimizations" all become "optimization", while a
// rule that fires on an unrelated word ("wise" -> "wize") is harmless.
func canonWord(w string) string {
	if v, ok := britishWords[w]; ok {
		return v
	}
	w = singular(w)
	if v, ok := britishWords[w]; ok {
		return v
	}
	if len(w) < 5 {
		return w
	}
	for _, r := range spellingRules {
		if strings.HasSuffix(w, r.from) && len(w)-len(r.from) >= r.stem {
			return w[:len(w)-len(r.from)] + r.to
		}
	}
	return w
}

// spellingRules turn British endings into American ones. stem is the
// shortest stem a rule applies to, so "rise" and "four" stay as they are.
var spellingRules = []struct {
	from, to string
	stem     int
}{
	{"isation", "ization", 2},
	{"isations", "izations", 2},
	{"ising", "izing", 3},
	{"ised", "ized", 3},
	{"iser", "izer", 3},
	{"ise", "ize", 4},
	{"yse", "yze", 3},
	{"ysing", "yzing", 3},
	{"ysed", "yzed", 3},
	{"ysis", "ysis", 0}, // analysis is the same on both sides
	{"our", "or", 3},    // behaviour, colour, favour, neighbour
	{"lling", "ling", 3},
	{"lled", "led", 3},
	{"ller", "ler", 3},
	{"tre", "ter", 3}, // centre, metre
	{"ogue", "og", 4}, // catalogue, dialogue
}

// singular strips a simple English plural. Words ending in -ss, -us, -is
// and -as keep their s (loss, consensus, analysis, bias).
func singular(w string) string {
	n := len(w)
	if n < 4 || w[n-1] != 's' {
		return w
	}
	switch w[n-2] {
	case 's', 'u', 'i', 'a':
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && n >= 5:
		return w[:n-3] + "y"
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "xes"),
		strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "shes"):
		return w[:n-2]
	}
	return w[:n-1]
}
