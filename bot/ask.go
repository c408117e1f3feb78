package bot

import (
	"strings"
	"unicode"

	"refbot/glossary"
)

// ParseMention reads what someone wrote to refbot in a chat message, the
// platform's mentions already taken out: a command in words ("define ELK",
// "refbot search x"), perhaps inside a greeting or a request ("hey, can you
// define ELK please"), or a question about a term ("what is mesa
// optimisation?", "what does ELK mean", "tell me about sycophancy"), which
// is a define. Chatter ("thanks!", "what is this?") is not ok: the adapter
// answers it with a short help.
func (b *Bot) ParseMention(text string) (name, rest string, ok bool) {
	ws := strings.Fields(strings.ToValidUTF8(text, "\uFFFD"))
	// Punctuation around the words, and the politeness around a command.
	for len(ws) > 0 && bare(ws[len(ws)-1]) == "" {
		ws = ws[:len(ws)-1]
	}
	if len(ws) > 0 {
		ws[len(ws)-1] = strings.TrimRightFunc(ws[len(ws)-1], trailing)
	}
	for len(ws) > 0 && filler[bare(ws[0])] {
		ws = ws[1:]
	}
	for len(ws) > 0 && closing[bare(ws[len(ws)-1])] {
		ws = ws[:len(ws)-1]
		if len(ws) > 0 {
			ws[len(ws)-1] = strings.TrimRightFunc(ws[len(ws)-1], trailing)
		}
	}
	if len(ws) == 0 {
		return "", "", false
	}
	if name, rest, ok := b.ParseCommand(strings.Join(ws, " ")); ok {
		return name, rest, true
	}
	for _, q := range questions {
		if len(ws) <= len(q.lead) || !hasLead(ws, q.lead) {
			continue
		}
		term := ws[len(q.lead):]
		if q.tail != "" {
			if bare(term[len(term)-1]) != q.tail || len(term) < 2 {
				continue
			}
			term = term[:len(term)-1]
		}
		rest := strings.TrimRightFunc(strings.Join(term, " "), trailing)
		if !glossary.Meaningful(rest) || smallTalk[strings.ToLower(rest)] {
			return "", "", false
		}
		return CommandDefine, rest, true
	}
	return "", "", false
}

// questions are the ways people ask what a term means, in the words they
// start with (and end with, for "what does ELK mean").
var questions = []struct {
	lead []string
	tail string
}{
	{lead: []string{"what", "does"}, tail: "mean"},
	{lead: []string{"what", "do"}, tail: "mean"},
	{lead: []string{"what", "is", "meant", "by"}},
	{lead: []string{"what", "is"}},
	{lead: []string{"what", "are"}},
	{lead: []string{"what's"}},
	{lead: []string{"whats"}},
	{lead: []string{"who", "is"}},
	{lead: []string{"who's"}},
	{lead: []string{"explain"}},
	{lead: []string{"tell", "me", "about"}},
	{lead: []string{"what", "do", "you", "know", "about"}},
	{lead: []string{"definition", "of"}},
	{lead: []string{"meaning", "of"}},
}

// smallTalk are the questions of that form that ask about no term ("what's
// up"); a question about a stop word ("what is this") is not one either.
var smallTalk = map[string]bool{"up": true, "new": true, "going on": true, "happening": true, "wrong": true, "your name": true}

// filler is what may come before a command or a question: greetings and
// requests ("hey", "can you", "please").
var filler = map[string]bool{
	"hey": true, "hi": true, "hello": true, "yo": true, "ok": true, "okay": true, "so": true,
	"please": true, "pls": true, "plz": true, "can": true, "could": true, "would": true,
	"will": true, "you": true, "u": true, "refbot": true, "@refbot": true,
}

// closing is what may come after one: "please", "thanks".
var closing = map[string]bool{"please": true, "pls": true, "plz": true, "thanks": true, "thx": true}

// bare is a word in lower case without the punctuation around it, and
// with one kind of apostrophe.
func bare(w string) string {
	w = strings.ReplaceAll(strings.ToLower(w), "’", "'")
	return strings.TrimFunc(w, func(r rune) bool { return unicode.IsPunct(r) && r != '@' })
}

// trailing is punctuation that ends a sentence or an aside.
func trailing(r rune) bool { return strings.ContainsRune("?!.,;:", r) }

func hasLead(ws, lead []string) bool {
	for i, l := range lead {
		if bare(ws[i]) != l {
			return false
		}
	}
	return true
}
