// Package bot is refbot's core: requests in, replies out. It owns the
// command table, the lookup policy and what a reply contains; adapters
// translate platform events into Requests and Replies into platform
// messages. It imports no chat SDK and no net/http.
package bot

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"refbot/glossary"
)

// Kind says what a Request is.
type Kind int

// String names the kind, for logs and metrics.
func (k Kind) String() string {
	switch k {
	case Command:
		return "command"
	case Message:
		return "message"
	case Action:
		return "action"
	case Complete:
		return "complete"
	case Submit:
		return "submit"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

const (
	// Command is a slash command or a typed command: Command names it
	// and Text holds its arguments.
	Command Kind = iota
	// Message is an ordinary chat line (for auto-linking).
	Message
	// Action is a button press: Command names the action ("define"),
	// Text holds its value (an entry id).
	Action
	// Complete asks for autocomplete choices for the partial Text.
	Complete
	// Submit is a filled-in form (Reply.Form): Command is the form's
	// Action, Text its State, and Fields what was typed in each field.
	Submit
)

// Request is what an adapter hands to the core.
type Request struct {
	Platform, Team, Channel, Thread, User string // ids as the platform gives them
	Kind                                  Kind
	Command                               string
	Text                                  string
	// Dialect is how the asking platform spells commands and names the
	// people who manage a channel; the core writes its notices with it.
	Dialect Dialect
	// CanManage reports whether the user may change the channel's
	// settings. The core calls it only for a command that changes them
	// (/autolink on|off), so a platform that must ask (Slack's users.info)
	// asks only then. nil means no.
	CanManage func(ctx context.Context) bool
	// Moderator reports whether the user moderates the community refbot
	// serves — the rule of /autolink on, but never true merely because
	// the channel is a direct message: Slack's workspace admins and
	// owners, Discord's members with Manage Channels where they asked,
	// the console's owner. The core asks only for curation (reviewing
	// suggestions). nil means no.
	Moderator func(ctx context.Context) bool
	// Fields are a submitted form's values by field name (Kind Submit).
	Fields map[string]string
	// DM marks a direct message or a group DM: refbot reads no chat there,
	// so a channel's auto-link setting means nothing, and no one may set it.
	DM bool
	// FromBot marks a message from a bot, a webhook or refbot itself;
	// Edit marks an edit or deletion of an earlier message. Adapters drop
	// both, and the core refuses them too.
	FromBot, Edit bool
}

// Visibility says who sees a reply.
type Visibility int

const (
	// Ephemeral replies are seen only by the person who asked.
	Ephemeral Visibility = iota
	// Public replies are posted in the channel.
	Public
)

// ListKind says what Reply.Suggestions are.
type ListKind int

const (
	DidYouMean ListKind = iota // the query matched nothing with confidence
	Results                    // search results
	Related                    // entries related to Reply.Card or a named entry
	Choices                    // autocomplete choices
)

// Reply is what comes back from the core: structured, never rendered.
type Reply struct {
	Visibility  Visibility
	Card        *Card
	Suggestions []Suggestion
	ListKind    ListKind // what Suggestions are
	Links       []Link
	Prompt      *Prompt
	// Notice is plain text: a heading for Suggestions, help, or an error
	// the user can act on. It may quote user input; adapters escape it.
	Notice string
	// Help lists commands for the adapter to render in its own syntax.
	Help []CommandInfo
	// React, when set (ReactBook), asks the adapter to add this reaction
	// to the message instead of posting Links: the quiet auto-link style.
	React string
	// Unlinked says why a chat message (Kind Message) got no link: nothing
	// named a term, the terms were linked here recently, the channel is
	// off… Chat adapters post nothing for it; the console shows it.
	Unlinked string
	// Buttons are actions the reply offers besides those every adapter
	// draws for a card (share), suggestions and links (open a card). Each
	// adapter renders them alike, so a command's new button needs a new
	// entry in the action table and no change in any adapter.
	Buttons []Button
	// Form asks the user to fill in fields (a Slack modal, a Discord
	// modal, questions one by one in the console). Its submission comes
	// back as a Request of Kind Submit. In the reply to a Submit, a Form
	// whose fields carry Problems is the same form sent back to be
	// corrected; Notice then lists the problems too, and Buttons offer to
	// reopen it, for platforms that cannot show a form again in answer to
	// one.
	Form *Form
	// completion is the cached autocomplete reply these Suggestions came
	// from (complete.go); nil for any other reply.
	completion *completion
}

// Form is a set of text fields to fill in and submit.
type Form struct {
	// Action names the submission in the core's submit table; it comes
	// back as Request.Command with State as Request.Text.
	Action string
	State  string // short: Discord keeps about 90 bytes of action and state
	Title  string // at most 24 characters (Slack's modal title)
	Submit string // the submit button's label, at most 24 characters
	Fields []Field
}

// Field is one text field of a Form.
type Field struct {
	Name        string // the key in Request.Fields
	Label       string // at most 45 characters (Discord)
	Placeholder string // an example, at most 100 characters (Discord)
	Value       string // filled in already
	Lines       bool   // several lines (a paragraph); else one line
	Required    bool
	MaxLength   int // in characters; 0: the platform's limit
	// Problem says what is wrong with Value after a submission; "" when
	// nothing is.
	Problem string
}

// HasProblems reports whether any field of f has a problem.
func (f *Form) HasProblems() bool {
	for _, fl := range f.Fields {
		if fl.Problem != "" {
			return true
		}
	}
	return false
}

// Button offers one action under a reply. Clicked, it comes back as a
// Request of Kind Action with Command set to Action and Text to Value.
type Button struct {
	Label  string // short plain text: adapters cut it to the platform's limit
	Action string // a name in the core's action table (ActionDefine, ...)
	Value  string // handed back as Request.Text, e.g. an entry id; short (Discord keeps about 90 bytes)
}

// Card is one glossary entry, ready to render.
type Card struct {
	ID        string
	Title     string
	Summary   string
	KeyPoints []string
	Sources   []Source
	Aliases   []string
	SeeAlso   []Suggestion
	Tags      []string
	// Pending marks a suggestion's card: not in the glossary yet, seen
	// only by its author and reviewers, so adapters offer no Share (and
	// it has no Page).
	Pending bool
	// Page is the entry's page on the glossary website, when refbot knows
	// where that is (Config.PageURL); adapters show it as "Glossary page".
	Page string
	// rendered is the cache of the glossary the card was made from
	// (rendered.go); nil for a card made otherwise.
	rendered *renderCache
}

// URL is the card's first source, where the title links to.
func (c *Card) URL() string {
	if len(c.Sources) == 0 {
		return ""
	}
	return c.Sources[0].URL
}

// Source is a document to read.
type Source struct {
	Title   string
	URL     string
	Authors string
	Year    int
}

// Suggestion points at an entry: a "did you mean", a search result, a
// related term or an autocomplete choice.
type Suggestion struct {
	ID    string
	Title string
	// Name is the title or alias that matched, when it differs from Title.
	Name string
	// Line is the first sentence of the summary.
	Line string
}

// Link is one term found in a chat message, for the auto-link digest.
type Link struct {
	ID    string
	Title string
	URL   string // the entry's first source, or its glossary page (AutolinkConfig.LinkToPage); the title links there
	Line  string // one line of summary
	Text  string // the words as written in the message
	// Explicit is set when the message asked for it with [[term]].
	Explicit bool
}

// Prompt is a reading prompt for a study group.
type Prompt struct {
	Title     string
	Summary   string
	Readings  []Source
	Questions []string
	Terms     []Suggestion
	// Links are the glossary terms the prompt's text mentions, in order,
	// for adapters to link (the reading's own terms are in Terms).
	Links []Link
}

// Config holds the core's settings and collaborators. Zero values work.
type Config struct {
	// ProposeHint tells people how to propose a missing term; it is
	// appended to "not found" replies. Empty: refbot's own, which points
	// at /suggest while anyone may suggest (Curation.Suggest).
	ProposeHint string
	Stats       Stats
	// Observer receives the measurements (Prometheus in refbot serve);
	// nil measures nothing.
	Observer Observer
	// Logger gets one line per failed request (Answer) and the warnings
	// of the scheduler and the stores; nil discards them.
	Logger *slog.Logger
	// Timeout bounds one request (Answer); 0 means DefaultTimeout.
	Timeout time.Duration
	Reading ReadingConfig
	// Autolink is the auto-link policy (autolink.go); the zero value
	// reads no messages. AutolinkStore keeps channel choices, opt-outs and
	// cooldowns; nil means a new MemoryAutolink.
	Autolink      AutolinkConfig
	AutolinkStore AutolinkStore
	// Clock is the time for cooldowns and schedules; nil means the
	// system clock. Tests pass a fake one.
	Clock Clock
	// Curation is who may suggest and review glossary entries
	// (curation.go); the zero value lets anyone suggest and moderators
	// review. CurationStore keeps the suggestions and the curated layer
	// of the glossary; nil means a new MemoryCuration.
	Curation      CurationConfig
	CurationStore CurationStore
	// PageURL, when set, gives the address of an entry's page on the
	// glossary website (web.public_url): cards carry it as Card.Page.
	PageURL func(id string) string
}

// DefaultProposeHint is used when Config.ProposeHint is empty and
// suggestions from chat are off.
const DefaultProposeHint = "To propose it, ask a moderator to add an entry file to the glossary directory (see docs/glossary.md)."

// Bot is the core. It is safe for concurrent use.
type Bot struct {
	// glossary is the glossary in service: the files' glossary (base)
	// with the curated layer laid over it (layers.go).
	glossary atomic.Pointer[glossary.Glossary]
	layers   layers
	renders  atomic.Pointer[renderCache] // the glossary in service's (rendered.go)
	cfg      Config
	log      *slog.Logger
	commands []command
	actions  map[string]func(ctx context.Context, req Request) (Reply, error)
	submits  map[string]func(ctx context.Context, req Request) (Reply, error)
	autolink autolinkSettings
	curation curationSettings
	notices  chan notice // for the curator to post (curation.go)
}

// New returns a Bot serving g.
func New(g *glossary.Glossary, cfg Config) *Bot {
	if cfg.Stats == nil {
		cfg.Stats = NewMemoryStats()
	}
	if cfg.Reading.Store == nil {
		cfg.Reading.Store = NewMemoryReading()
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.AutolinkStore == nil {
		cfg.AutolinkStore = NewMemoryAutolink()
	}
	if cfg.CurationStore == nil {
		cfg.CurationStore = NewMemoryCuration()
	}
	b := &Bot{cfg: cfg, log: log, autolink: newAutolinkSettings(cfg.Autolink), curation: newCurationSettings(cfg.Curation), notices: make(chan notice, maxNotices)}
	b.layers.base = g
	b.glossary.Store(g)
	b.commands = b.commandTable()
	b.actions = b.actionTable()
	b.submits = b.submitTable()
	return b
}

// Glossary returns the glossary in service: the files' entries with the
// curated ones laid over them.
func (b *Bot) Glossary() *glossary.Glossary { return b.glossary.Load() }
