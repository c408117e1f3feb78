package bot

import (
	"strings"
	"unicode/utf8"
)

// Autocomplete: glossary terms for a command's argument, and /reading's own words.

// MaxChoices is the most autocomplete choices (Discord's limit).
const MaxChoices = 25

func (b *Bot) complete(prefix string) Reply {
	if utf8.RuneCountInString(prefix) > MaxTermLength {
		return Reply{ListKind: Choices}
	}
	cs := b.Glossary().Complete(prefix, MaxChoices)
	out := make([]Suggestion, len(cs))
	for i, c := range cs {
		out[i] = suggestion(c.Entry, c.Name)
	}
	return Reply{Suggestions: out, ListKind: Choices}
}

// readingWords are /reading's own arguments, offered first when they
// match what is typed.
var readingWords = []Suggestion{
	{ID: "next", Title: "next — post the group's next reading"},
	{ID: "list", Title: "list — the curriculum and where this channel is"},
	{ID: "where", Title: "where — what was posted last, and when the next is due"},
}

// completeFor is autocomplete for a command's argument: glossary terms,
// and for /reading its own words as well.
func (b *Bot) completeFor(command, prefix string) Reply {
	r := b.complete(prefix)
	if !strings.EqualFold(command, "reading") {
		return r
	}
	p := strings.ToLower(strings.TrimSpace(prefix))
	var words []Suggestion
	for _, w := range readingWords {
		if strings.HasPrefix(w.ID, p) {
			words = append(words, w)
		}
	}
	r.Suggestions = append(words, r.Suggestions...)
	if len(r.Suggestions) > MaxChoices {
		r.Suggestions = r.Suggestions[:MaxChoices]
	}
	return r
}
