package bot

import (
	"context"
	"fmt"

	"refbot/glossary"
)

// describedNotFound answers a /define that named nothing with confidence
// but reads like a description ("the thing where a model pretends to be
// aligned"), or that Lookup has no suggestion for: "Did you mean" from
// the description ranking. It never answers with a card: a description
// is a question to the asker, not a name. ok is false when the ranking
// finds nothing either.
func (b *Bot) describedNotFound(req Request, text string, r glossary.Result) (Reply, bool) {
	if !glossary.IsDescription(text) && len(r.Suggestions) > 0 {
		return Reply{}, false
	}
	found := b.Glossary().Search(text, MaxSearchResults)
	if len(found) == 0 {
		return Reply{}, false
	}
	return Reply{
		Notice:      fmt.Sprintf("No entry is called %q. Did you mean one of these? If not, %s", text, lowerFirst(b.proposeHint(req, true))),
		Suggestions: entries(found),
		ListKind:    DidYouMean,
		Buttons:     b.suggestButton(text, "Suggest this term"),
	}, true
}

// searchNotFound answers a /search that the ranking has nothing for. A
// name with a typo in it ("scalable oversite") still gets Lookup's "Did
// you mean"; a description gets a plain no, not the least bad entries.
func (b *Bot) searchNotFound(ctx context.Context, req Request, text string) Reply {
	if !glossary.IsDescription(text) {
		if r := b.Glossary().Lookup(text); len(r.Suggestions) > 0 {
			return b.notFound(req, text, r)
		}
	}
	return Reply{Notice: fmt.Sprintf("Nothing in the glossary matches %q. Try other words, or a shorter description. %s", text, b.proposeHint(req, false))}
}
