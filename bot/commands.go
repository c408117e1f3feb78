package bot

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"refbot/glossary"
)

// Command names, as the command table declares them. Adapters that
// treat a command specially refer to it by these.
const (
	CommandDefine   = "define"
	CommandSearch   = "search"
	CommandRelated  = "related"
	CommandReading  = "reading"
	CommandStats    = "stats"
	CommandAutolink = "autolink"
	CommandHelp     = "help"
)

// Actions are what buttons ask of the core: Request.Kind Action with one
// of these in Request.Command and the button's value in Request.Text.
// Adapters put them in their buttons and hand them back unchanged.
const (
	// ActionDefine opens the card of the entry id in Text for the clicker.
	ActionDefine = "define"
	// ActionShare posts the card of the entry id in Text in the channel.
	ActionShare = "share"
	// ActionLinks shows the clicker the auto-link digest of the message
	// in Text (the reaction style's "what did refbot mark?").
	ActionLinks = "links"
)

// MaxTermLength is the longest text, in characters, a command takes.
const MaxTermLength = 200

// MaxSearchResults caps /search.
const MaxSearchResults = 5

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

// Usage renders "/define TERM": the command as spell writes it (Slash, a
// Dialect's Command), then its arguments.
func (c CommandInfo) Usage(spell func(name string) string) string {
	s := spell(c.Name)
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
			Name:        CommandDefine,
			Description: "Show the glossary card for an AI-safety term",
			Args:        []Arg{{Name: "term", Description: "The term to define, e.g. mesa-optimization", Required: true, Complete: true}},
			Examples:    []string{"mesa optimisation", "ELK"},
		}, b.define},
		{CommandInfo{
			Name:        CommandSearch,
			Description: "Find entries by topic, or describe an idea whose name you forgot",
			Args:        []Arg{{Name: "query", Description: "A topic or a description, e.g. two AIs argue and a human judges", Required: true}},
			Examples:    []string{"two AIs argue and a human judges", "interpretability"},
		}, b.search},
		{CommandInfo{
			Name:        CommandRelated,
			Description: "List the terms related to a term",
			Args:        []Arg{{Name: "term", Description: "The term whose neighbours to list", Required: true, Complete: true}},
			Examples:    []string{"inner alignment"},
		}, b.related},
		{CommandInfo{
			Name:        CommandReading,
			Description: "Post a reading prompt for a term, or the group's next reading (next, list, where)",
			Args:        []Arg{{Name: "what", Description: "A term, or next, list or where", Required: true, Complete: true}},
			Examples:    []string{"next", "mesa optimisation", "where"},
		}, b.reading},
		{CommandInfo{
			Name:        CommandStats,
			Description: "Show the most looked-up terms and the most wanted missing ones",
		}, b.stats},
		{CommandInfo{
			Name:        CommandAutolink,
			Description: "Show or change auto-linking of glossary terms in this channel, or opt yourself out",
			Args: []Arg{{Name: "setting", Description: "on [digest|reaction] or off (moderators), me off or me on; empty shows the state",
				Choices: []string{"on", "on reaction", "off", "me off", "me on"}}},
			Examples: []string{"me off", "on", "on reaction"},
		}, b.autolinkCommand},
		{CommandInfo{
			Name:        CommandSuggest,
			Description: "Suggest a new glossary term, or an edit of one, for a reviewer to approve",
			Args:        []Arg{{Name: "term", Description: "The term to suggest; an existing one offers an edit", Complete: true}},
			Examples:    []string{"reward hacking"},
		}, b.suggestCommand},
		{CommandInfo{
			Name:        CommandReview,
			Description: "Review suggested terms (reviewers), or see where your own suggestions stand",
			Args:        []Arg{{Name: "number", Description: "A suggestion's number; empty: the oldest waiting"}},
			Examples:    []string{"12"},
		}, b.reviewCommand},
		{CommandInfo{
			Name:        CommandHelp,
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
	c, text, ok := b.resolve(cutWord(line))
	return c.Name, text, ok
}

// resolve finds the command name names, with its text; the umbrella
// ("refbot search x") is unwrapped here and nowhere else. When there is
// no such command, name is the one that was not found.
func (b *Bot) resolve(name, text string) (c command, rest string, ok bool) {
	text = strings.TrimSpace(text)
	if strings.EqualFold(name, Umbrella) {
		sub, rest := cutWord(text)
		if sub == "" {
			sub = CommandHelp
		}
		name, text = sub, rest
	}
	if c, ok := b.find(name); ok {
		return c, text, true
	}
	return command{CommandInfo: CommandInfo{Name: strings.ToLower(name)}}, text, false
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
// always holds something a user can read. Adapters call Answer, which
// wraps Handle in the middleware every request passes through; tests call
// Handle to see the error.
func (b *Bot) Handle(ctx context.Context, req Request) (Reply, error) {
	switch req.Kind {
	case Command:
		c, text, ok := b.resolve(req.Command, req.Text)
		if !ok {
			return b.unknown(c.Name), nil
		}
		return c.run(ctx, req, text)
	case Action:
		return b.action(ctx, req)
	case Complete:
		return b.completeFor(req.Command, req.Text), nil
	case Message:
		return b.message(ctx, req)
	case Submit:
		return b.submit(ctx, req)
	}
	return Reply{Notice: "Something went wrong: refbot received a request it does not understand."}, fmt.Errorf("unknown request kind %d", req.Kind)
}

func (b *Bot) unknown(name string) Reply {
	return Reply{Notice: fmt.Sprintf("There is no command %q. Here is what refbot can do:", name), Help: b.Commands()}
}

// usage checks a command's text: it returns a reply and false when the
// text is empty or too long to be a term.
func (b *Bot) usage(req Request, name, text string) (Reply, bool) {
	c, _ := b.find(name)
	spell := req.Dialect.command
	example := ""
	if len(c.Examples) > 0 {
		example = fmt.Sprintf(" For example: %s %s", spell(c.Name), c.Examples[0])
	}
	switch {
	case text == "":
		return Reply{Notice: fmt.Sprintf("Usage: %s — %s.%s", c.Usage(spell), lowerFirst(c.Description), example)}, false
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
	l := NewLookup(req.Platform, text, id)
	l.Suggested = outcome == OutcomeSuggest
	if err := b.cfg.Stats.RecordLookup(ctx, l); err != nil {
		b.log.WarnContext(ctx, "record lookup", "err", err)
	}
	return r
}

func (b *Bot) define(ctx context.Context, req Request, text string) (Reply, error) {
	if r, ok := b.usage(req, CommandDefine, text); !ok {
		return r, nil
	}
	r := b.lookup(ctx, req, text)
	if r.Match != nil {
		return Reply{Card: b.card(r.Match)}, nil
	}
	if reply, ok := b.describedNotFound(req, text, r); ok {
		return reply, nil
	}
	return b.notFound(req, text, r), nil
}

func (b *Bot) notFound(req Request, text string, r glossary.Result) Reply {
	if len(r.Suggestions) > 0 {
		return Reply{
			Notice:      fmt.Sprintf("No entry matches %q exactly. Did you mean one of these? If not, %s", text, lowerFirst(b.proposeHint(req, true))),
			Suggestions: candidates(r.Suggestions),
			ListKind:    DidYouMean,
			Buttons:     b.suggestButton(text, "Suggest this term"),
		}
	}
	return Reply{
		Notice:  fmt.Sprintf("No glossary entry for %q. Try %s with a description of the idea. %s", text, req.Dialect.command(CommandSearch), b.proposeHint(req, true)),
		Buttons: b.suggestButton(text, "Suggest this term"),
	}
}

func (b *Bot) search(ctx context.Context, req Request, text string) (Reply, error) {
	if r, ok := b.usage(req, CommandSearch, text); !ok {
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
	if r, ok := b.usage(req, CommandRelated, text); !ok {
		return r, nil
	}
	r := b.lookup(ctx, req, text)
	if r.Match == nil {
		return b.notFound(req, text, r), nil
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
	notice := "refbot explains AI-safety terms. Misspellings, British spellings and other names are fine."
	if req.Dialect.Umbrella {
		notice += " Any command also works as /" + Umbrella + " COMMAND."
	}
	return Reply{Notice: notice, Help: b.Commands()}, nil
}

// actionTable maps each action to what answers it.
func (b *Bot) actionTable() map[string]func(ctx context.Context, req Request) (Reply, error) {
	return map[string]func(ctx context.Context, req Request) (Reply, error){
		ActionDefine: func(ctx context.Context, req Request) (Reply, error) { return b.cardAction(ctx, req, Ephemeral) },
		ActionShare:  func(ctx context.Context, req Request) (Reply, error) { return b.cardAction(ctx, req, Public) },
		ActionLinks:  b.linksAction,
		ActionSuggest: func(ctx context.Context, req Request) (Reply, error) {
			return b.suggestTerm(ctx, req, req.Text)
		},
		ActionSuggestEdit: b.suggestEdit,
		ActionReopen:      b.reopen,
		ActionReview:      b.reviewAction,
		ActionApprove:     b.approve,
		ActionReject:      b.rejectAction,
		ActionRevise:      b.reviseAction,
	}
}

// submitTable maps each form's Action to what takes its submission.
func (b *Bot) submitTable() map[string]func(ctx context.Context, req Request) (Reply, error) {
	return map[string]func(ctx context.Context, req Request) (Reply, error){
		ActionSuggest: b.submitSuggestion,
		ActionReject:  b.submitReject,
		ActionRevise:  b.submitRevision,
	}
}

// submit takes a filled-in form.
func (b *Bot) submit(ctx context.Context, req Request) (Reply, error) {
	if run, ok := b.submits[req.Command]; ok {
		return run(ctx, req)
	}
	return Reply{Notice: fmt.Sprintf("refbot does not know that form any more. Try %s.", req.Dialect.command(CommandHelp))}, fmt.Errorf("unknown form %q", req.Command)
}

// action answers a button.
func (b *Bot) action(ctx context.Context, req Request) (Reply, error) {
	if run, ok := b.actions[req.Command]; ok && req.Text != "" {
		return run(ctx, req)
	}
	// A button of an older refbot, or one whose value was lost: a click
	// on an old message, not a fault.
	b.log.InfoContext(ctx, "a button refbot no longer has", "platform", req.Platform, "action", req.Command)
	return StaleButton(req.Dialect), nil
}

// StaleButton answers a click on a button refbot no longer has, for
// adapters that cannot even tell which action it was.
func StaleButton(d Dialect) Reply {
	return Reply{Notice: fmt.Sprintf("That button no longer does anything. Try %s.", d.command(CommandHelp))}
}

// cardAction opens the card of the entry id in req.Text, seen by vis.
func (b *Bot) cardAction(ctx context.Context, req Request, vis Visibility) (Reply, error) {
	if e, ok := b.Glossary().Entry(req.Text); ok {
		return Reply{Visibility: vis, Card: b.card(e)}, nil
	}
	// The glossary was reloaded without this entry: look it up instead.
	r, err := b.define(ctx, req, req.Text)
	if r.Card != nil {
		r.Visibility = vis
	}
	return r, err
}
