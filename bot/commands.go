package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"refbot/glossary"
)

// MaxTermLength is the longest text, in characters, a command takes.
const MaxTermLength = 200

// MaxSearchResults caps /search.
const MaxSearchResults = 5

// MaxChoices is the most autocomplete choices (Discord's limit).
const MaxChoices = 25

// CommandInfo describes one command: it drives parsing, help, Discord's
// command registration and Slack's app manifest.
type CommandInfo struct {
	Name        string
	Description string // one line, at most 100 characters (Discord's limit)
	Args        []Arg
	Examples    []string // argument text, e.g. "mesa optimisation"
}

// Arg is one argument of a command. Commands take their arguments as one
// free-text string.
type Arg struct {
	Name        string // lower case, e.g. "term"
	Description string
	Required    bool
	Complete    bool // offer autocomplete from the glossary
	// Choices are the only values the argument takes, offered as a menu
	// where the platform has one (Discord).
	Choices []string
}

// Usage renders "/define TERM" with the given invocation prefix, e.g. "/"
// or "/refbot ".
func (c CommandInfo) Usage(prefix string) string {
	s := prefix + c.Name
	for _, a := range c.Args {
		if a.Required {
			s += " " + strings.ToUpper(a.Name)
		} else {
			s += " [" + strings.ToUpper(a.Name) + "]"
		}
	}
	return s
}

type command struct {
	CommandInfo
	run func(ctx context.Context, req Request, text string) (Reply, error)
}

func (b *Bot) commandTable() []command {
	return []command{
		{CommandInfo{
			Name:        "define",
			Description: "Show the glossary card for an AI-safety term",
			Args:        []Arg{{Name: "term", Description: "The term to define, e.g. mesa-optimization", Required: true, Complete: true}},
			Examples:    []string{"mesa optimisation", "ELK"},
		}, b.define},
		{CommandInfo{
			Name:        "search",
			Description: "Find entries by topic, or describe an idea whose name you forgot",
			Args:        []Arg{{Name: "query", Description: "A topic or a description, e.g. two AIs argue and a human judges", Required: true}},
			Examples:    []string{"two AIs argue and a human judges", "interpretability"},
		}, b.search},
		{CommandInfo{
			Name:        "related",
			Description: "List the terms related to a term",
			Args:        []Arg{{Name: "term", Description: "The term whose neighbours to list", Required: true, Complete: true}},
			Examples:    []string{"inner alignment"},
		}, b.related},
		{CommandInfo{
			Name:        "reading",
			Description: "Post a reading prompt for a term, or the group's next reading (next, list, where)",
			Args:        []Arg{{Name: "what", Description: "A term, or next, list or where", Required: true, Complete: true}},
			Examples:    []string{"next", "mesa optimisation", "where"},
		}, b.reading},
		{CommandInfo{
			Name:        "stats",
			Description: "Show the most looked-up terms and the most wanted missing ones",
		}, b.stats},
		{CommandInfo{
			Name:        "autolink",
			Description: "Show or change auto-linking of glossary terms in this channel, or opt yourself out",
			Args: []Arg{{Name: "setting", Description: "on [digest|reaction] or off (moderators), me off or me on; empty shows the state",
				Choices: []string{"on", "on reaction", "off", "me off", "me on"}}},
			Examples: []string{"me off", "on", "on reaction"},
		}, b.autolinkCommand},
		{CommandInfo{
			Name:        "help",
			Description: "List refbot's commands with examples",
		}, b.help},
	}
}

// Commands returns the command table.
func (b *Bot) Commands() []CommandInfo {
	out := make([]CommandInfo, len(b.commands))
	for i, c := range b.commands {
		out[i] = c.CommandInfo
	}
	return out
}

// Umbrella is the command that takes any other as its first word, as in
// "/refbot search alignment".
const Umbrella = "refbot"

func (b *Bot) find(name string) (command, bool) {
	name = strings.ToLower(name)
	for _, c := range b.commands {
		if c.Name == name {
			return c, true
		}
	}
	return command{}, false
}

// ParseCommand splits a typed line such as "/define mesa" or "refbot
// search x" into a command name and its text. ok is false when the first
// word is not a command.
// Words may be separated by any white space (a tab, a no-break space),
// and invalid UTF-8 becomes U+FFFD, so name and text are always valid.
func (b *Bot) ParseCommand(line string) (name, text string, ok bool) {
	line = strings.ToValidUTF8(line, "\uFFFD")
	line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "/"))
	name, text = cutWord(line)
	name = strings.ToLower(name)
	if name == Umbrella {
		sub, rest := cutWord(text)
		if sub == "" {
			return "help", "", true
		}
		name, text = strings.ToLower(sub), rest
	}
	_, found := b.find(name)
	return name, text, found
}

// cutWord splits s, which has no surrounding space, at its first white
// space into a word and the trimmed rest.
func cutWord(s string) (word, rest string) {
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// Handle answers one request. The error is for the log only; the Reply
// always holds something a user can read.
func (b *Bot) Handle(ctx context.Context, req Request) (Reply, error) {
	switch req.Kind {
	case Command:
		name, text := req.Command, req.Text
		if strings.EqualFold(name, Umbrella) {
			var ok bool
			if name, text, ok = b.ParseCommand(Umbrella + " " + req.Text); !ok {
				return b.unknown(name), nil
			}
		}
		c, ok := b.find(name)
		if !ok {
			return b.unknown(name), nil
		}
		return c.run(ctx, req, strings.TrimSpace(text))
	case Action:
		return b.action(ctx, req)
	case Complete:
		return b.completeFor(req.Command, req.Text), nil
	case Message:
		return b.message(ctx, req)
	}
	return Reply{Notice: "Something went wrong: refbot received a request it does not understand."}, fmt.Errorf("unknown request kind %d", req.Kind)
}

func (b *Bot) unknown(name string) Reply {
	return Reply{Notice: fmt.Sprintf("There is no command %q. Here is what refbot can do:", name), Help: b.Commands()}
}

// usage checks a command's text: it returns a reply and false when the
// text is empty or too long to be a term.
func (b *Bot) usage(name, text string) (Reply, bool) {
	c, _ := b.find(name)
	example := ""
	if len(c.Examples) > 0 {
		example = fmt.Sprintf(" For example: %s %s", c.Usage("/")[:len("/"+c.Name)], c.Examples[0])
	}
	switch {
	case text == "":
		return Reply{Notice: fmt.Sprintf("Usage: %s — %s.%s", c.Usage("/"), strings.ToLower(c.Description[:1])+c.Description[1:], example)}, false
	case utf8.RuneCountInString(text) > MaxTermLength:
		return Reply{Notice: fmt.Sprintf("That is %d characters; a term is at most %d. Try a shorter name.%s", utf8.RuneCountInString(text), MaxTermLength, example)}, false
	}
	return Reply{}, true
}

// lookup runs a glossary lookup, counting and timing it.
func (b *Bot) lookup(ctx context.Context, req Request, text string) glossary.Result {
	start := time.Now()
	r := b.Glossary().Lookup(text)
	outcome, id := OutcomeNone, ""
	switch {
	case r.Match != nil:
		outcome, id = OutcomeMatch, r.Match.ID
	case len(r.Suggestions) > 0:
		outcome = OutcomeSuggest
	}
	if b.cfg.Observer != nil {
		b.cfg.Observer.ObserveLookup(outcome, time.Since(start))
	}
	if err := b.cfg.Stats.RecordLookup(ctx, req.Platform, text, id); err != nil {
		b.log.WarnContext(ctx, "record lookup", "err", err)
	}
	return r
}

func (b *Bot) define(ctx context.Context, req Request, text string) (Reply, error) {
	if r, ok := b.usage("define", text); !ok {
		return r, nil
	}
	r := b.lookup(ctx, req, text)
	if r.Match != nil {
		return Reply{Card: b.card(r.Match)}, nil
	}
	if reply, ok := b.describedNotFound(text, r); ok {
		return reply, nil
	}
	return b.notFound(text, r), nil
}

func (b *Bot) notFound(text string, r glossary.Result) Reply {
	if len(r.Suggestions) > 0 {
		return Reply{
			Notice:      fmt.Sprintf("No entry matches %q exactly. Did you mean one of these? If not, %s", text, lowerFirst(b.cfg.ProposeHint)),
			Suggestions: candidates(r.Suggestions),
			ListKind:    DidYouMean,
		}
	}
	return Reply{Notice: fmt.Sprintf("No glossary entry for %q. Try /search with a description of the idea. %s", text, b.cfg.ProposeHint)}
}

func (b *Bot) search(ctx context.Context, req Request, text string) (Reply, error) {
	if r, ok := b.usage("search", text); !ok {
		return r, nil
	}
	found := b.Glossary().Search(text, MaxSearchResults)
	if len(found) == 0 {
		return b.searchNotFound(ctx, req, text), nil
	}
	return Reply{
		Notice:      fmt.Sprintf("Entries about %q:", text),
		Suggestions: entries(found),
		ListKind:    Results,
	}, nil
}

func (b *Bot) related(ctx context.Context, req Request, text string) (Reply, error) {
	if r, ok := b.usage("related", text); !ok {
		return r, nil
	}
	r := b.lookup(ctx, req, text)
	if r.Match == nil {
		return b.notFound(text, r), nil
	}
	rel := b.Glossary().Related(r.Match.ID)
	if len(rel) == 0 {
		return Reply{Notice: fmt.Sprintf("%s has no related terms yet.", r.Match.Title)}, nil
	}
	return Reply{
		Notice:      fmt.Sprintf("Related to %s:", r.Match.Title),
		Suggestions: entries(rel),
		ListKind:    Related,
	}, nil
}

func (b *Bot) help(ctx context.Context, req Request, text string) (Reply, error) {
	return Reply{
		Notice: "refbot explains AI-safety terms. Misspellings, British spellings and other names are fine.",
		Help:   b.Commands(),
	}, nil
}

// action answers a button: "define" with an entry id opens its card.
func (b *Bot) action(ctx context.Context, req Request) (Reply, error) {
	switch req.Command {
	case "define", "share":
		if e, ok := b.Glossary().Entry(req.Text); ok {
			vis := Ephemeral
			if req.Command == "share" {
				vis = Public
			}
			return Reply{Visibility: vis, Card: b.card(e)}, nil
		}
		// The glossary was reloaded without this entry: look it up instead.
		r, err := b.define(ctx, req, req.Text)
		if r.Card != nil && req.Command == "share" {
			r.Visibility = Public
		}
		return r, err
	}
	if req.Command == "links" {
		return b.linksAction(ctx, req)
	}
	return Reply{Notice: "That button no longer does anything. Try /help."}, fmt.Errorf("unknown action %q", req.Command)
}

func (b *Bot) complete(prefix string) Reply {
	if utf8.RuneCountInString(prefix) > MaxTermLength {
		return Reply{ListKind: Choices}
	}
	cs := b.Glossary().Complete(prefix, MaxChoices)
	out := make([]Suggestion, len(cs))
	for i, c := range cs {
		out[i] = Suggestion{ID: c.Entry.ID, Title: c.Entry.Title, Line: firstSentence(c.Entry.Summary)}
		if c.Name != c.Entry.Title {
			out[i].Name = c.Name
		}
	}
	return Reply{Suggestions: out, ListKind: Choices}
}

func (b *Bot) card(e *glossary.Entry) *Card {
	c := &Card{
		ID:        e.ID,
		Title:     e.Title,
		Summary:   e.Summary,
		KeyPoints: slices.Clone(e.KeyPoints), // adapters may trim a card in place;
		Aliases:   slices.Clone(e.Aliases),   // the glossary must not change
		Tags:      slices.Clone(e.Tags),
	}
	if b.cfg.PageURL != nil {
		c.Page = b.cfg.PageURL(e.ID)
	}
	for _, s := range e.Sources {
		c.Sources = append(c.Sources, Source(s))
	}
	g := b.Glossary()
	for _, id := range e.SeeAlso {
		if r, ok := g.Entry(id); ok {
			c.SeeAlso = append(c.SeeAlso, Suggestion{ID: r.ID, Title: r.Title, Line: firstSentence(r.Summary)})
		}
	}
	return c
}

func entries(es []*glossary.Entry) []Suggestion {
	out := make([]Suggestion, len(es))
	for i, e := range es {
		out[i] = Suggestion{ID: e.ID, Title: e.Title, Line: firstSentence(e.Summary)}
	}
	return out
}

func candidates(cs []glossary.Candidate) []Suggestion {
	out := make([]Suggestion, len(cs))
	for i, c := range cs {
		out[i] = Suggestion{ID: c.Entry.ID, Title: c.Entry.Title, Line: firstSentence(c.Entry.Summary)}
		if c.Name != c.Entry.Title {
			out[i].Name = c.Name
		}
	}
	return out
}

// firstSentence returns the summary's first sentence, for one-line lists.
func firstSentence(s string) string { return glossary.FirstSentence(s) }

// lowerFirst lower-cases the first letter of s, to continue a sentence.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}
