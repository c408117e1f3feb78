package glossary

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mention is a glossary name found in a text.
type Mention struct {
	Entry      *Entry
	Name       string // the title or alias it matched
	Text       string // the words as written in the message
	Start, End int    // byte offsets of Text in the message
	// Explicit is set for [[term]], which asks for a link whatever the
	// auto-link rules say.
	Explicit bool
}

// scanIndex is a trie over canonical words: a path from the root spells a
// name, so a scan walks one step per word of the text and its cost grows
// with the text, not with the glossary. (Of the Go Aho-Corasick packages
// tried at 10,000 names, two needed hundreds of MiB and the others gave
// overlapping or not leftmost-longest matches; a word trie is small and
// exact.)
type scanIndex struct {
	words map[string]int32 // canonical word -> id
	next  map[uint64]int32 // node<<32 | word id -> child node
	term  []scanTerm       // by node
	// prefixes is a bit set of hashed word beginnings: a cheap "surely
	// not a name word" for most words of a message.
	prefixes [prefixBits / 64]uint64
}

type scanTerm struct {
	entry int32  // -1: no name ends here
	name  int32  // index into index.names
	caps  string // for a one-word acronym name ("ELK"): the name as written, which the message must match in capitals
}

func newScanIndex(ix *index, entries []*Entry) *scanIndex {
	s := &scanIndex{words: map[string]int32{}, next: map[uint64]int32{}, term: []scanTerm{{entry: -1}}}
	for _, w := range britishStarts {
		s.addPrefix(w)
	}
	quiet := map[string]bool{} // entry id + normalised name: never auto-linked
	for _, e := range entries {
		for _, n := range e.NoAutolink {
			quiet[e.ID+"\x00"+Normalize(n)] = true
		}
	}
	for id, n := range ix.names {
		e := entries[n.entry]
		if quiet[e.ID+"\x00"+Normalize(n.text)] || quiet[e.ID+"\x00"+n.key] {
			continue
		}
		node := int32(0)
		for _, w := range n.words {
			wid, ok := s.words[w]
			if !ok {
				wid = int32(len(s.words))
				s.words[w] = wid
			}
			k := uint64(node)<<32 | uint64(wid)
			child, ok := s.next[k]
			if !ok {
				child = int32(len(s.term))
				s.term = append(s.term, scanTerm{entry: -1})
				s.next[k] = child
			}
			node = child
		}
		t := &s.term[node]
		if t.entry >= 0 && !n.title {
			continue // keep the title when two names of one entry meet
		}
		*t = scanTerm{entry: n.entry, name: int32(id)}
		for _, w := range n.words {
			s.addPrefix(w)
		}
		if len(n.words) == 1 && isAcronym(n.text) {
			t.caps = strings.TrimSpace(n.text)
		}
	}
	return s
}

// isAcronym reports a name written mostly in capitals: "ELK", "SAEs",
// "CoT".
func isAcronym(s string) bool {
	upper, lower := 0, 0
	for _, r := range s {
		switch {
		case unicode.IsUpper(r):
			upper++
		case unicode.IsLower(r):
			lower++
		}
	}
	return upper >= 2 && upper > lower
}

// token is one word of a text, or a break (id -2) that no name may span:
// sentence punctuation, a line break, a URL.
type token struct {
	start, end int32
	id         int32 // word id, -1 for a word no name uses, -2 for a break
	caps       bool  // every letter is a capital (a trailing plural s aside)
}

type scanScratch struct {
	tokens []token
	buf    []byte
}

// Scan finds glossary names in plain text: whole words only, the same
// spellings Lookup accepts (case, British/American, plurals), the longest
// name wherever two overlap, leftmost first. It never links a name an
// entry lists in no_autolink, and matches one-word acronyms only in
// capitals ("ELK", not "elk"). Offsets are bytes into text. A text with no
// mention allocates nothing.
//
// Scan knows no chat platform. An adapter hands it a message with the
// platform's markup blanked (mentions, channel links, emoji, code, quotes:
// whatever that platform defines), keeping the text's length so offsets
// line up with the message and leaving punctuation where markup was, so
// no name spans it. Two rules stay here because they belong to plain text
// and to refbot, not to a platform: a bare URL (http://, https://, www.)
// is an address, not words someone wrote, and is skipped; [[term]] is
// refbot's own syntax for an explicit request, resolved with Lookup.
// Sentence punctuation and line breaks end a phrase; spaces, hyphens,
// underscores, slashes, apostrophes and asterisks do not.
func (g *Glossary) Scan(text string) []Mention {
	ix := g.idx
	s := ix.scan
	sc := ix.scanScratch.Get().(*scanScratch)
	defer ix.scanScratch.Put(sc)
	var out []Mention
	sc.tokens = sc.tokens[:0]
	tokenize(text, s, sc, func(start, end int) {
		inner := text[start+2 : end-2]
		if r := g.Lookup(inner); r.Match != nil {
			out = append(out, Mention{Entry: r.Match, Name: r.Name, Text: inner, Start: start + 2, End: end - 2, Explicit: true})
		}
	})
	toks := sc.tokens
	for i := 0; i < len(toks); i++ {
		if toks[i].id < 0 {
			continue
		}
		node, last, lastNode := int32(0), -1, int32(0)
		for j := i; j < len(toks) && toks[j].id >= 0; j++ {
			child, ok := s.next[uint64(node)<<32|uint64(toks[j].id)]
			if !ok {
				break
			}
			node = child
			// A one-word acronym name links only when written as the
			// name is or in capitals.
			if t := &s.term[node]; t.entry >= 0 && (t.caps == "" || toks[i].caps || text[toks[i].start:toks[j].end] == t.caps) {
				last, lastNode = j, node
			}
		}
		if last < 0 {
			continue
		}
		t := &s.term[lastNode]
		start, end := int(toks[i].start), int(toks[last].end)
		out = append(out, Mention{Entry: g.entries[t.entry], Name: ix.names[t.name].text, Text: text[start:end], Start: start, End: end})
		i = last
	}
	// Explicit [[term]] mentions were found first; put all in text order.
	slices.SortStableFunc(out, func(a, b Mention) int { return a.Start - b.Start })
	return out
}

// tokenize splits text into tokens, appending to sc.tokens, and calls
// explicit for each [[...]] span (offsets include the brackets).
func tokenize(text string, s *scanIndex, sc *scanScratch, explicit func(start, end int)) {
	brk := func(at int) {
		if n := len(sc.tokens); n > 0 && sc.tokens[n-1].id != -2 {
			sc.tokens = append(sc.tokens, token{start: int32(at), end: int32(at), id: -2})
		}
	}
	for i := 0; i < len(text); {
		switch c := text[i]; {
		case c == '[' && strings.HasPrefix(text[i:], "[["):
			if end := strings.Index(text[i+2:min(len(text), i+2+MaxName+2)], "]]"); end > 0 && !strings.ContainsRune(text[i+2:i+2+end], '\n') {
				explicit(i, i+2+end+2)
				i += 2 + end + 2
				brk(i)
				continue
			}
			brk(i)
			i++
		case (c == 'h' || c == 'w' || c == 'H' || c == 'W') && isURLStart(text[i:]) && (i == 0 || !isWordByte(text[i-1])):
			i = urlEnd(text, i)
			brk(i)
		case c < utf8.RuneSelf && !isWordByte(c):
			if c != ' ' && c != '-' && c != '_' && c != '/' && c != '\t' && c != '\'' && c != '*' {
				brk(i) // sentence punctuation ends a phrase; hyphens and spaces do not
			}
			i++
		default:
			i = word(text, i, s, sc)
		}
	}
}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf
}

// word reads the word at text[i:], appends its token and returns its end.
// Letters and digits make a word, with apostrophes inside it
// ("Goodhart's"); anything else that is not a letter ends it.
func word(text string, i int, s *scanIndex, sc *scanScratch) int {
	start := i
	buf := sc.buf[:0]
	upper, lower := 0, 0
	var lastLower rune
loop:
	for i < len(text) {
		if c := text[i]; c < utf8.RuneSelf { // ASCII, the common case
			switch {
			case 'a' <= c && c <= 'z':
				lower++
				lastLower = rune(c)
				buf = append(buf, c)
			case 'A' <= c && c <= 'Z':
				upper++
				buf = append(buf, c+'a'-'A')
			case '0' <= c && c <= '9':
				buf = append(buf, c)
			case c == '\'':
				if i == start || i+1 >= len(text) || !isWordByte(text[i+1]) {
					break loop
				}
			default:
				break loop
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '’':
			if i == start || i+size >= len(text) || !isWordByte(text[i+size]) {
				break loop
			}
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Cf, r):
		case unicode.IsUpper(r):
			upper++
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if unicode.IsLower(r) {
				lower++
				lastLower = r
			}
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
		default:
			if i == start { // a symbol that is not a word at all
				return i + size
			}
			break loop
		}
		i += size
	}
	if i == start {
		// A curly apostrophe that opens no word (’quoted’): skip it as
		// punctuation. Returning start would never move on.
		_, size := utf8.DecodeRuneInString(text[i:])
		return i + size
	}
	id := int32(-1)
	if s.mayHold(buf) {
		buf = canonBytes(buf)
		if v, ok := s.words[string(buf)]; ok {
			id = v
		}
	}
	sc.buf = buf
	caps := upper > 0 && (lower == 0 || lower == 1 && lastLower == 's' && text[i-1] == 's')
	sc.tokens = append(sc.tokens, token{start: int32(start), end: int32(i), id: id, caps: caps})
	return i
}

// prefixBits is the size of the scanner's prefix filter.
const prefixBits = 1 << 16

// prefixHash hashes a word's first three bytes. Canonical spelling only
// changes the end of a word, so a word whose first bytes begin no
// vocabulary word needs no further look.
func prefixHash(w []byte) uint32 {
	h := uint32(len(w) & 3)
	for i := 0; i < len(w) && i < 3; i++ {
		h = h*131 + uint32(w[i])
	}
	return h % prefixBits
}

func (s *scanIndex) mayHold(w []byte) bool {
	if len(w) > 3 {
		w = w[:3]
	}
	h := prefixHash(w)
	return s.prefixes[h/64]&(1<<(h%64)) != 0
}

func (s *scanIndex) addPrefix(w string) {
	b := []byte(w)
	if len(b) > 3 {
		b = b[:3]
	}
	h := prefixHash(b)
	s.prefixes[h/64] |= 1 << (h % 64)
}

func isURLStart(s string) bool {
	return hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://") || hasPrefixFold(s, "www.")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// urlEnd returns the end of the URL at text[i:]: the next space, angle
// bracket, double quote or bar; trailing punctuation is left to the text.
func urlEnd(text string, i int) int {
	j := i
	for j < len(text) {
		c := text[j]
		if c == ' ' || c == '\n' || c == '\t' || c == '>' || c == '<' || c == '"' || c == '|' {
			break
		}
		j++
	}
	for j > i && strings.IndexByte(".,;:!?)]'", text[j-1]) >= 0 {
		j--
	}
	return j
}
