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

// britishWord returns the American spelling of a British word the
// suffix rules below cannot reach. A switch, not a map: the scanner asks
// for every word of every message.
func britishWord(w string) (string, bool) {
	switch w {
	case "defence":
		return "defense", true
	case "offence":
		return "offense", true
	case "licence":
		return "license", true
	case "pretence":
		return "pretense", true
	case "judgement":
		return "judgment", true
	case "artefact":
		return "artifact", true
	case "ageing":
		return "aging", true
	case "programme":
		return "program", true
	case "grey":
		return "gray", true
	case "sceptic":
		return "skeptic", true
	case "sceptical":
		return "skeptical", true
	case "whilst":
		return "while", true
	case "amongst":
		return "among", true
	case "learnt":
		return "learned", true
	case "dreamt":
		return "dreamed", true
	}
	return "", false
}

// britishStarts are the British words whose American spelling begins
// differently (the scanner's prefix filter needs them).
var britishStarts = []string{"grey"}

// canonWord maps one folded word to its canonical spelling: singular
// (simple plurals only) and American. The rules are deliberately simple
// and applied to names and queries alike, so "optimisations",
// "optimization" and "optimizations" all become "optimization", while a
// rule that fires on an unrelated word ("wise" -> "wize") is harmless.
func canonWord(w string) string {
	if v, ok := britishWord(w); ok {
		return v
	}
	w = singularEdit(w).apply(w)
	if v, ok := britishWord(w); ok {
		return v
	}
	return spellingEdit(w).apply(w)
}

// canonBytes is canonWord on a buffer it may rewrite, for the scanner,
// which must not allocate per word.
func canonBytes(w []byte) []byte {
	if v, ok := britishWord(string(w)); ok {
		return append(w[:0], v...)
	}
	w = singularEdit(string(w)).applyBytes(w)
	if v, ok := britishWord(string(w)); ok {
		return append(w[:0], v...)
	}
	return spellingEdit(string(w)).applyBytes(w)
}

// edit changes the end of a word: drop cut bytes, then append add.
type edit struct {
	cut int
	add string
}

func (e edit) apply(w string) string {
	if e.cut == 0 && e.add == "" {
		return w
	}
	if e.add == "" {
		return w[:len(w)-e.cut]
	}
	return w[:len(w)-e.cut] + e.add
}

func (e edit) applyBytes(w []byte) []byte {
	return append(w[:len(w)-e.cut], e.add...)
}

// spellingEdit is the British-to-American rule for w, if one applies.
func spellingEdit(w string) edit {
	if len(w) < 5 {
		return edit{}
	}
	switch w[len(w)-1] { // every rule ends in one of these
	case 'n', 'g', 'd', 'r', 'e', 's':
	default:
		return edit{}
	}
	for _, r := range spellingRules {
		if strings.HasSuffix(w, r.from) && len(w)-len(r.from) >= r.stem {
			return edit{cut: len(r.from), add: r.to}
		}
	}
	return edit{}
}

// spellingRules turn British endings into American ones. stem is the
// shortest stem a rule applies to, so "rise" and "four" stay as they are.
var spellingRules = []struct {
	from, to string
	stem     int
}{
	{"isation", "ization", 2},
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

// singularEdit strips a simple English plural. Words ending in -ss,
// -us, -is and -as keep their s (loss, consensus, analysis, bias).
func singularEdit(w string) edit {
	n := len(w)
	if n < 4 || w[n-1] != 's' {
		return edit{}
	}
	switch w[n-2] {
	case 's', 'u', 'i', 'a':
		return edit{}
	}
	switch {
	case strings.HasSuffix(w, "ies") && n >= 5:
		return edit{cut: 3, add: "y"}
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "xes"),
		strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "shes"):
		return edit{cut: 2}
	}
	return edit{cut: 1}
}
