package glossary

import (
	"strings"
	"unicode/utf8"
)

// Sound-alike matching: "steganografy", "sikofancy", "korigibility" are
// spelt the way the word sounds, several edits from it, so the typo stage
// (one or two edits) misses them. Lookup spells each word by sound and
// takes a vocabulary word as meant when both have the same consonant
// sounds in the same order and their sound spellings are close.
//
// The sound spelling is our own, a small Metaphone-like code, because no
// library we can use fits: antzucaro/matchr's Double Metaphone is
// GPL-licensed and cuts every code to four letters (too coarse for long
// glossary words: "steganography" and "stagnant" share STKN), and
// Metaphone codes drop the vowels, so "scamming" would sound like
// "scheming"; xrash/smetrics has only Soundex (first letter kept as typed,
// so "korigibility" and "corrigibility" differ); the BSD-licensed Double
// Metaphone ports are not served by the module proxy. The rules cover the
// English spellings of one sound that people swap: ph/f, c/k/q/ck, soft
// c/s/z, soft g/j, sh/ti/ci, kw/qu, y/i, silent h and w, gn, doubled
// letters.

// Bounds of the sound stage: words shorter than minSoundWord letters or
// with fewer than minSoundKey consonant sounds are too short to tell
// apart ("mulch" and "moloch").
const (
	minSoundWord = 6
	minSoundKey  = 4
	soundSim     = 0.86 // similarity of a sound-alike word: one word alone is confident
)

// soundSlack is how far apart two sound spellings with the same
// consonants may be: a vowel or two in a long word ("jailbrake",
// "alinement"), none in a short one.
func soundSlack(n int) int { return max(1, n/4) }

// soundKey returns w's sound spelling (vowels kept, y as i) and its
// consonant key (the spelling without vowels, led by 'a' when w starts
// with a vowel), appended to the buffers; ok is false for words that are
// not plain ASCII letters or too short to match by sound.
func soundKey(w string, spell, key []byte) (sp, k []byte, ok bool) {
	if len(w) < minSoundWord || len(w) > maxKeyLen {
		return nil, nil, false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return nil, nil, false
		}
	}
	sp = soundSpelling(w, spell)
	k = key
	if vowel(sp[0]) {
		k = append(k, 'a')
	}
	for _, c := range sp {
		if !vowel(c) && (len(k) == 0 || k[len(k)-1] != c) {
			k = append(k, c)
		}
	}
	return sp, k, len(k) >= minSoundKey
}

func vowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// soundSpelling spells lower-case ASCII w by sound.
func soundSpelling(w string, dst []byte) []byte {
	at := func(i int) byte {
		if i < 0 || i >= len(w) {
			return 0
		}
		return w[i]
	}
	front := func(c byte) bool { return c == 'e' || c == 'i' || c == 'y' }
	emit := func(c byte) {
		if len(dst) == 0 || dst[len(dst)-1] != c {
			dst = append(dst, c)
		}
	}
	i := 0
	switch {
	case len(w) > 1 && (w[:2] == "kn" || w[:2] == "gn" || w[:2] == "pn" || w[:2] == "wr" || w[:2] == "ps"):
		i = 1 // silent first letter
	case w[0] == 'x':
		dst = append(dst, 's')
		i = 1
	case w[0] == 'w' || w[0] == 'y':
		dst = append(dst, w[0]) // a consonant at the start
		i = 1
	}
	for ; i < len(w); i++ {
		c := w[i]
		switch c {
		case 'a', 'e', 'i', 'o', 'u':
			emit(c)
		case 'y':
			emit('i')
		case 'b':
			if at(i-1) == 'm' && i == len(w)-1 {
				continue // "comb"
			}
			emit('b')
		case 'c':
			switch {
			case at(i+1) == 'h':
				emit('x')
				i++
			case at(i+1) == 'i' && (at(i+2) == 'a' || at(i+2) == 'o'):
				emit('x')
				i++ // "cia" is "sha"
			case front(at(i + 1)):
				emit('s')
			default:
				emit('k')
				if at(i+1) == 'k' || at(i+1) == 'q' {
					i++
				}
			}
		case 'd':
			if at(i+1) == 'g' && front(at(i+2)) {
				emit('j')
				i++
			} else {
				emit('d')
			}
		case 'g':
			switch {
			case at(i+1) == 'h':
				i++ // "gh" is silent inside a word
			case at(i+1) == 'n':
				// "gn" is n: "alignment", "sign"
			case front(at(i + 1)):
				emit('j')
			default:
				emit('g')
			}
		case 'h', 'w':
			// silent inside a word: "kw" is "qu", "rh" is "r"
		case 'p':
			if at(i+1) == 'h' {
				emit('f')
				i++
			} else {
				emit('p')
			}
		case 'q':
			emit('k')
			if at(i+1) == 'u' {
				i++ // "qu" is "kw"
			}
		case 's':
			switch {
			case at(i+1) == 'h':
				emit('x')
				i++
			case at(i+1) == 'i' && (at(i+2) == 'a' || at(i+2) == 'o'):
				emit('x')
				i++
			default:
				emit('s')
			}
		case 't':
			switch {
			case at(i+1) == 'h':
				emit('0')
				i++
			case at(i+1) == 'i' && (at(i+2) == 'a' || at(i+2) == 'o'):
				emit('x')
				i++ // "tial" is "shal"
			case at(i+1) == 'c' && at(i+2) == 'h':
				// "tch" is ch
			default:
				emit('t')
			}
		case 'v':
			emit('f')
		case 'x':
			emit('k')
			emit('s')
		case 'z':
			emit('s')
		default: // f j k l m n r
			emit(c)
		}
	}
	return dst
}

// editDistance is the optimal string alignment distance between a and b
// (insertions, deletions, substitutions and swaps of adjacent bytes),
// for words of at most maxKeyLen bytes; longer words count as far apart.
func editDistance[A, B ~string | ~[]byte](a A, b B) int {
	if len(a) > maxKeyLen || len(b) > maxKeyLen {
		return max(len(a), len(b))
	}
	var rows [3][maxKeyLen + 1]int
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// minInitials is the shortest initialism Lookup reads: two letters name
// too many things ("IA", "SA").
const minInitials = 3

// initials returns the initialisms of a multi-word name: the first letter
// of each word, an acronym word (all capitals, like "AI" or "IRL") whole,
// once with stop words ("Chain of Thought" is CoT) and once without
// ("Iterated Distillation and Amplification" is IDA). A leading article
// does not count.
func initials(name string) []string {
	var all, content [2 * maxKeyLen]byte
	na, nc, words := 0, 0, 0
	first := true
	for rest := name; rest != ""; {
		i := strings.IndexFunc(rest, isWordRune)
		if i < 0 {
			break
		}
		rest = rest[i:]
		j := wordEnd(rest)
		w := rest[:j]
		rest = rest[j:]
		if strings.HasPrefix(rest, "'") || strings.HasPrefix(rest, "\u2019") {
			// "Goodhart's": the apostrophe's s belongs to the word.
			_, size := utf8.DecodeRuneInString(rest)
			rest = rest[size:]
			rest = rest[wordEnd(rest):]
		}
		var lower [16]byte
		if len(w) > len(lower) {
			w = w[:len(lower)] // initials need only the start of a word
		}
		upper := 0
		for k := 0; k < len(w); k++ {
			c := w[k]
			if c >= utf8.RuneSelf {
				return nil // initials are for Latin-letter names
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
				upper++
			}
			lower[k] = c
		}
		lw := lower[:len(w)]
		if first && articles[string(lw)] && rest != "" {
			first = false
			continue
		}
		first = false
		part := lw[:1]
		if len(w) > 1 && upper == len(w) {
			part = lw // an acronym inside the name: "Constitutional AI" is CAI
		}
		if na+len(part) > len(all) {
			return nil
		}
		words++
		na += copy(all[na:], part)
		if !stopWords[string(lw)] {
			nc += copy(content[nc:], part)
		}
	}
	if words < 2 {
		return nil
	}
	var out []string
	if na >= minInitials {
		out = append(out, string(all[:na]))
	}
	if nc >= minInitials && nc != na {
		out = append(out, string(content[:nc]))
	}
	return out
}
