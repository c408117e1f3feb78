package slack

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"refbot/bot"
)

// Block Kit limits (slack-go enforces none of them when sending). Counts
// are in characters, after escaping.
const (
	maxBlocks          = 50
	maxSectionText     = 3000
	maxContextElements = 10
	maxHeaderText      = 150
	maxActionElements  = 25
	maxButtonText      = 75
	maxButtonValue     = 2000
	maxURL             = 3000
	maxActionID        = 255
	maxOptionText      = 75
	maxOptionValue     = 150
	maxOptions         = 100
	maxMessageText     = 4000
)

// Layout choices that keep every reply well inside maxBlocks.
const (
	maxListSections  = 10 // sections for one list (key points, sources, help, links)
	maxLine          = 1000
	maxTitleInLine   = 300
	maxSuggestions   = 40
	maxRelatedBlocks = 2
)

// A button's action_id is the core's action: "define:N" opens the card
// of the entry id in its value (N keeps ids unique within a message),
// "share" shares one. actionLookup is the "look up another term" menu,
// Slack's own, which opens the chosen entry's card.
const actionLookup = "lookup"

// DirectCommands lists the commands that have a slash command of their
// own; every other command of the core is reached as "/refbot NAME", so a
// command the core adds needs no change here.
func DirectCommands() []string { return []string{bot.CommandDefine} }

func isDirect(name string) bool { return slices.Contains(DirectCommands(), name) }

// invocation is how a command is typed in Slack: "/define", "/refbot
// search".
func invocation(name string) string {
	if isDirect(name) {
		return "/" + name
	}
	return "/" + bot.Umbrella + " " + name
}

// mentioned is how a command is typed after @refbot: its bare name.
func mentioned(name string) string { return name }

// message is a reply as Slack takes it: the body of an HTTP response or a
// Socket Mode ack, or what is posted to a response_url.
type message struct {
	ResponseType string        `json:"response_type,omitempty"`
	Text         string        `json:"text"`
	Blocks       []slack.Block `json:"blocks,omitempty"`
	// encoded is the message as JSON, kept with a card's message that is
	// rendered once per glossary version (render); its fields and Blocks
	// are shared by every request and must not be changed.
	encoded []byte
}

// MarshalJSON writes a cached card's JSON as it was encoded once.
func (m message) MarshalJSON() ([]byte, error) {
	if m.encoded != nil {
		return m.encoded, nil
	}
	type fields message // without this method
	return json.Marshal(fields(m))
}

// renderOptions say where a reply goes.
type renderOptions struct {
	// controls adds the Share button (for a card) and the "look up another
	// term" menu: only for replies that only the asker sees.
	controls bool
}

// render turns a reply into Block Kit with a plain text fallback. A
// reply that is one card is rendered and encoded once per glossary
// version, for each visibility and set of controls (bot.Rendered).
func render(r bot.Reply, opt renderOptions) message {
	if !r.CardOnly() {
		return renderBlocks(r, opt)
	}
	var variant string
	switch {
	case r.Visibility == bot.Public && opt.controls:
		variant = "slack/public+controls"
	case r.Visibility == bot.Public:
		variant = "slack/public"
	case opt.controls:
		variant = "slack/ephemeral+controls"
	default:
		variant = "slack/ephemeral"
	}
	return bot.Rendered(r.Card, variant, func() message {
		m := renderBlocks(r, opt)
		b, err := json.Marshal(m)
		if err != nil {
			return m // slack-go's blocks always encode; if not, per request
		}
		m.encoded = b
		return m
	})
}

// renderBlocks is render without the cache.
func renderBlocks(r bot.Reply, opt renderOptions) message {
	var b builder
	if r.Notice != "" {
		b.section(mrkdwn(r.Notice, maxSectionText))
	}
	if r.Card != nil {
		b.card(r.Card)
	}
	if len(r.Suggestions) > 0 {
		b.suggestions(r.Suggestions)
	}
	if len(r.Help) > 0 {
		b.help(r.Help)
	}
	if len(r.Links) > 0 {
		b.links(r.Links)
	}
	if r.Prompt != nil {
		b.prompt(r.Prompt)
	}
	if len(r.Buttons) > 0 {
		b.replyButtons(r.Buttons)
	}
	if opt.controls {
		b.controls(r.Card)
	}
	msg := message{ResponseType: slack.ResponseTypeEphemeral, Text: fallback(r), Blocks: b.blocks}
	if r.Visibility == bot.Public {
		msg.ResponseType = slack.ResponseTypeInChannel
	}
	return msg
}

// fallback is the message's text: what notifications and screen readers
// without Block Kit show.
func fallback(r bot.Reply) string {
	var parts []string
	if r.Notice != "" {
		parts = append(parts, r.Notice)
	}
	switch {
	case r.Card != nil:
		parts = append(parts, r.Card.Title+": "+r.Card.Summary)
	case r.Prompt != nil:
		parts = append(parts, r.Prompt.Title)
	case len(r.Suggestions) > 0:
		titles := make([]string, 0, len(r.Suggestions))
		for _, s := range r.Suggestions {
			titles = append(titles, s.Title)
		}
		parts = append(parts, strings.Join(titles, ", "))
	case len(r.Links) > 0:
		titles := make([]string, 0, len(r.Links))
		for _, l := range r.Links {
			titles = append(titles, l.Title)
		}
		parts = append(parts, strings.Join(titles, ", "))
	}
	s := mrkdwn(strings.Join(parts, "\n"), maxMessageText)
	if s == "" {
		return "refbot"
	}
	return s
}

// builder collects blocks and never exceeds maxBlocks.
type builder struct {
	blocks []slack.Block
	nextID int // numbers "define:N" action ids
}

func (b *builder) add(bl slack.Block) {
	if len(b.blocks) < maxBlocks {
		b.blocks = append(b.blocks, bl)
	}
}

func (b *builder) room() int { return maxBlocks - len(b.blocks) }

func text(s string) *slack.TextBlockObject {
	// verbatim: Slack must not auto-link channel names or parse mentions
	// in glossary or user text; refbot writes its own links.
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, true)
}

func plainText(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

// section adds one section; s must already be escaped and cut.
func (b *builder) section(s string) {
	if s == "" {
		return
	}
	b.add(slack.NewSectionBlock(text(s), nil, nil))
}

// list adds a heading and lines as few sections as fit. Each line must
// already be escaped; the callers build lines of at most about 2,300
// characters (a URL of maxLine, titles of maxTitleInLine), so a line
// always fits a section on its own.
func (b *builder) list(heading string, lines []string) {
	for _, s := range pack(heading, lines, min(maxListSections, b.room()-2)) {
		b.section(s)
	}
}

// pack joins lines into texts of at most maxSectionText characters, at
// most n of them; when lines are left over, the last text ends with "…".
func pack(heading string, lines []string, n int) []string {
	if n < 1 {
		return nil
	}
	const limit = maxSectionText - 2 // room for "\n…"
	size := len(heading) + len(lines)
	for _, l := range lines {
		size += len(l)
	}
	var out []string
	var cur strings.Builder
	cur.Grow(min(size, 4*limit)) // usually all lines fit one section
	cur.WriteString(heading)
	// fits says whether cur, a newline and l stay within limit; bytes
	// bound characters, so counting is only needed near the limit.
	fits := func(l string) bool {
		return cur.Len()+1+len(l) <= limit ||
			utf8.RuneCountInString(cur.String())+1+utf8.RuneCountInString(l) <= limit
	}
	for _, l := range lines {
		switch {
		case cur.Len() == 0:
		case fits(l):
			cur.WriteByte('\n')
		case len(out)+1 == n:
			cur.WriteString("\n" + ellipsis)
			return append(out, cur.String())
		default:
			out = append(out, cur.String())
			cur = strings.Builder{}
		}
		cur.WriteString(l)
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func (b *builder) card(c *bot.Card) {
	title := plainLine(c.Title, maxHeaderText)
	if title == "" {
		title = plainLine(c.ID, maxHeaderText)
	}
	if title != "" {
		b.add(slack.NewHeaderBlock(plainText(title)))
	}
	b.section(mrkdwn(c.Summary, maxSectionText))
	if len(c.KeyPoints) > 0 {
		lines := make([]string, 0, len(c.KeyPoints))
		for _, p := range c.KeyPoints {
			if p = strings.TrimSpace(p); p != "" {
				lines = append(lines, "• "+mrkdwnLine(p, maxLine))
			}
		}
		b.list("*Key points*", lines)
	}
	if len(c.Sources) > 0 {
		b.list("*Sources*", sourceLines(c.Sources))
	}
	if u, ok := linkURL(c.Page); ok {
		b.add(slack.NewContextBlock("", text("<"+u+"|Glossary page> — the entry, its related terms and where it comes up in the curriculum")))
	}
	if len(c.Aliases) > 0 {
		const lead = "_Also called:_ "
		s := lead + mrkdwnLine(strings.Join(c.Aliases, ", "), maxSectionText-len(lead))
		b.add(slack.NewContextBlock("", text(s)))
	}
	if len(c.SeeAlso) > 0 && b.room() > 3 {
		b.section("*Related terms*")
		b.buttons(c.SeeAlso, maxRelatedBlocks)
	}
}

func sourceLines(ss []bot.Source) []string {
	lines := make([]string, 0, len(ss))
	for _, s := range ss {
		title := mrkdwnLine(s.Title, maxTitleInLine)
		if title == "" {
			title = mrkdwnLine(s.URL, maxTitleInLine)
		}
		line := "• " + title
		if u, ok := linkURL(s.URL); ok && utf8.RuneCountInString(u) <= maxLine {
			line = "• <" + u + "|" + title + ">"
		}
		var by []string
		if a := strings.TrimSpace(s.Authors); a != "" {
			by = append(by, mrkdwnLine(a, maxTitleInLine))
		}
		if s.Year != 0 {
			by = append(by, strconv.Itoa(s.Year))
		}
		if len(by) > 0 {
			line += " — " + strings.Join(by, ", ")
		}
		lines = append(lines, line)
	}
	return lines
}

// button is one "open this card" button, or false when the entry id
// cannot be a button value.
func (b *builder) button(s bot.Suggestion, label string) (*slack.ButtonBlockElement, bool) {
	if s.ID == "" || len(s.ID) > maxButtonValue {
		return nil, false
	}
	if label == "" {
		label = plainLine(s.Title, maxButtonText)
	}
	if label == "" {
		label = plainLine(s.ID, maxButtonText)
	}
	id := bot.ActionDefine + ":" + strconv.Itoa(b.nextID)
	b.nextID++
	return slack.NewButtonBlockElement(id, s.ID, plainText(label)), true
}

// replyButtons adds the reply's own buttons in one actions block: each
// action_id is the core's action and ":N", its value the button's value.
// A button that cannot be drawn within Slack's limits is left out.
func (b *builder) replyButtons(bs []bot.Button) {
	var els []slack.BlockElement
	for _, bt := range bs {
		label := plainLine(bt.Label, maxButtonText)
		id := bt.Action + ":" + strconv.Itoa(b.nextID)
		if label == "" || bt.Action == "" || bt.Value == "" || len(id) > maxActionID || len(bt.Value) > maxButtonValue || len(els) == maxActionElements {
			continue
		}
		b.nextID++
		els = append(els, slack.NewButtonBlockElement(id, bt.Value, plainText(label)))
	}
	if len(els) > 0 && b.room() > 1 {
		b.add(slack.NewActionBlock("", els...))
	}
}

// buttons adds actions blocks of card buttons, at most blocks of them.
func (b *builder) buttons(ss []bot.Suggestion, blocks int) {
	var els []slack.BlockElement
	flush := func() {
		if len(els) > 0 && blocks > 0 && b.room() > 1 {
			b.add(slack.NewActionBlock("", els...))
			blocks--
		}
		els = nil
	}
	for _, s := range ss {
		if bt, ok := b.button(s, ""); ok {
			els = append(els, bt)
		}
		if len(els) == maxActionElements {
			flush()
		}
	}
	flush()
}

func (b *builder) suggestions(ss []bot.Suggestion) {
	shown := 0
	for _, s := range ss {
		if shown == maxSuggestions || b.room() < 3 {
			break
		}
		line := "*" + mrkdwnLine(s.Title, maxTitleInLine) + "*"
		if s.Name != "" {
			line += " _(" + mrkdwnLine(s.Name, maxTitleInLine) + ")_"
		}
		if s.Line != "" {
			line += "\n" + mrkdwnLine(s.Line, maxLine)
		}
		var acc *slack.Accessory
		if bt, ok := b.button(s, "Show card"); ok {
			acc = slack.NewAccessory(bt)
		}
		b.add(slack.NewSectionBlock(text(line), nil, acc))
		shown++
	}
	if rest := len(ss) - shown; rest > 0 {
		b.add(slack.NewContextBlock("", text(fmt.Sprintf("…and %d more.", rest))))
	}
}

func (b *builder) help(cs []bot.CommandInfo) {
	lines := make([]string, 0, len(cs))
	for _, c := range cs {
		line := "`" + mrkdwnLine(c.Usage(invocation), maxTitleInLine) + "` — " + mrkdwnLine(c.Description, maxTitleInLine)
		if len(c.Examples) > 0 {
			line += " e.g. `" + mrkdwnLine(invocation(c.Name)+" "+c.Examples[0], maxTitleInLine) + "`"
		}
		lines = append(lines, line)
	}
	b.list("", lines)
	b.add(slack.NewContextBlock("", text("Slash commands don't work in threads: mention me there instead, e.g. `@refbot define mesa optimisation`.")))
}

func (b *builder) links(ls []bot.Link) {
	b.list("", linkLines(ls))
}

// linkLines are auto-link digest lines: the term linked to where to read
// more, and its one line.
func linkLines(ls []bot.Link) []string {
	lines := make([]string, 0, len(ls))
	for _, l := range ls {
		title := mrkdwnLine(l.Title, maxTitleInLine)
		line := "• *" + title + "*"
		if u, ok := linkURL(l.URL); ok && utf8.RuneCountInString(u) <= maxLine {
			line = "• <" + u + "|" + title + ">"
		}
		if l.Line != "" {
			line += " — " + mrkdwnLine(l.Line, maxLine)
		}
		lines = append(lines, line)
	}
	return lines
}

func (b *builder) prompt(p *bot.Prompt) {
	if t := plainLine(p.Title, maxHeaderText); t != "" {
		b.add(slack.NewHeaderBlock(plainText(t)))
	}
	b.section(mrkdwn(p.Summary, maxSectionText))
	if len(p.Readings) > 0 {
		b.list("*Readings*", sourceLines(p.Readings))
	}
	if len(p.Questions) > 0 {
		lines := make([]string, 0, len(p.Questions))
		for _, q := range p.Questions {
			lines = append(lines, "• "+mrkdwnLine(q, maxLine))
		}
		b.list("*Questions*", lines)
	}
	if len(p.Links) > 0 {
		b.list("*Key terms*", linkLines(p.Links))
	}
	if len(p.Terms) > 0 && b.room() > 3 {
		b.section("*Terms*")
		b.buttons(p.Terms, maxRelatedBlocks)
	}
}

// controls adds, for a reply only the asker sees, Share in channel (for a
// card) and a menu to look up another term.
func (b *builder) controls(c *bot.Card) {
	if b.room() < 1 {
		return
	}
	var els []slack.BlockElement
	if c != nil && c.ID != "" && len(c.ID) <= maxButtonValue && !c.Pending {
		share := slack.NewButtonBlockElement(bot.ActionShare, c.ID, plainText("Share in channel"))
		share.Style = slack.StylePrimary
		els = append(els, share)
	}
	lookup := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, plainText("Look up another term…"), actionLookup)
	minLen := 2
	lookup.MinQueryLength = &minLen
	els = append(els, lookup)
	b.add(slack.NewActionBlock("", els...))
}

// optionsResponse answers a block_suggestion request (the lookup menu).
type optionsResponse struct {
	Options []*slack.OptionBlockObject `json:"options"`
	// encoded is the response as JSON, kept with the options of an
	// autocomplete answer the core keeps (options); its Options are then
	// shared by every request and must not be changed.
	encoded []byte
}

// MarshalJSON writes cached options' JSON as it was encoded once.
func (o optionsResponse) MarshalJSON() ([]byte, error) {
	if o.encoded != nil {
		return o.encoded, nil
	}
	type fields optionsResponse // without this method
	return json.Marshal(fields(o))
}

// options are the lookup menu's choices for a completion. They are made
// and encoded once while the core keeps its answer for the prefix
// (bot.RenderedChoices).
func options(r bot.Reply) optionsResponse {
	return bot.RenderedChoices(r, "slack/options", func() optionsResponse {
		o := makeOptions(r)
		if b, err := json.Marshal(o); err == nil {
			o.encoded = b
		} // else per request: plain text options always encode
		return o
	})
}

// makeOptions is options without the cache.
func makeOptions(r bot.Reply) optionsResponse {
	out := optionsResponse{Options: []*slack.OptionBlockObject{}}
	for _, s := range r.Suggestions {
		if len(out.Options) == maxOptions {
			break
		}
		if s.ID == "" || len(s.ID) > maxOptionValue {
			continue
		}
		label := s.Title
		if s.Name != "" {
			label = s.Name + " → " + s.Title
		}
		if label = plainLine(label, maxOptionText); label == "" {
			continue
		}
		out.Options = append(out.Options, slack.NewOptionBlockObject(s.ID, plainText(label), nil))
	}
	return out
}
