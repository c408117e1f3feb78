package discord

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"refbot/bot"
)

// embedColor is refbot's accent colour on cards.
const embedColor = 0x4F7CAC

// A button's custom_id is the core's action and its value:
// "define:entry-id" (bot.ActionDefine, bot.ActionShare, ...).

// render turns a reply into message data within every Discord limit.
// Text from users and glossary files is escaped; allowed mentions are set
// by safe, through answer.
func render(r bot.Reply) *discordgo.InteractionResponseData {
	d := &discordgo.InteractionResponseData{Content: cut(escape(r.Notice, true), maxContent)}
	if r.Visibility == bot.Ephemeral {
		d.Flags = discordgo.MessageFlagsEphemeral
	}
	var rows []discordgo.MessageComponent
	switch {
	case r.Card != nil:
		d.Embeds = []*discordgo.MessageEmbed{cardEmbed(r.Card)}
		rows = cardButtons(r.Card, r.Visibility == bot.Ephemeral)
	case len(r.Suggestions) > 0:
		d.Embeds = []*discordgo.MessageEmbed{listEmbed(r.Suggestions)}
		rows = entryButtons(r.Suggestions, maxRows)
	case len(r.Help) > 0:
		d.Embeds = []*discordgo.MessageEmbed{helpEmbed(r.Help)}
	case len(r.Links) > 0:
		d.Embeds = []*discordgo.MessageEmbed{linksEmbed(r.Links)}
	case r.Prompt != nil:
		d.Embeds = []*discordgo.MessageEmbed{promptEmbed(r.Prompt)}
	}
	rows = append(rows, replyButtons(r.Buttons, maxRows-len(rows))...)
	if len(rows) > 0 {
		d.Components = rows
	}
	if d.Content == "" && len(d.Embeds) == 0 {
		// Discord rejects an empty message.
		d.Content = "refbot has nothing to show for that. Try /help."
	}
	return d
}

func cardEmbed(c *bot.Card) *discordgo.MessageEmbed {
	e := &discordgo.MessageEmbed{
		Type:        discordgo.EmbedTypeRich,
		Title:       cut(escape(c.Title, false), maxTitle),
		URL:         safeURL(c.URL()),
		Color:       embedColor,
		Description: cut(escape(c.Summary, true), maxDescription),
	}
	if e.Title == "" {
		e.Title = "(untitled entry)"
	}
	// Fields share what the title and summary leave of the 6000 all of an
	// embed's text may use, in order of importance.
	if len(c.KeyPoints) > 0 {
		lines := make([]string, 0, len(c.KeyPoints))
		for _, k := range c.KeyPoints {
			if k = escape(k, false); k != "" {
				lines = append(lines, "• "+k)
			}
		}
		// Key points often run past one field's 1024: continue in a second.
		first, rest := splitLines(lines, maxFieldValue)
		addField(e, "Key points", first, func(n int) string { return fitLines(lines, n) })
		if len(rest) > 0 && len(e.Fields) == 1 && e.Fields[0].Value == first {
			addField(e, "Key points (continued)", fitLines(rest, maxFieldValue), func(n int) string { return fitLines(rest, n) })
		}
	}
	if len(c.Sources) > 0 {
		lines := make([]string, 0, len(c.Sources))
		for _, s := range c.Sources {
			lines = append(lines, sourceLine(s))
		}
		addField(e, "Sources", fitLines(lines, maxFieldValue), func(n int) string { return fitLines(lines, n) })
	}
	if u := safeURL(c.Page); u != "" {
		addField(e, "Glossary page", "[Read it on the glossary site]("+u+")", nil)
	}
	if len(c.Aliases) > 0 {
		addField(e, "Other names", joinFit(c.Aliases, maxFieldValue), func(n int) string { return joinFit(c.Aliases, n) })
	}
	if len(c.SeeAlso) > 0 {
		titles := make([]string, len(c.SeeAlso))
		for i, s := range c.SeeAlso {
			titles[i] = s.Title
		}
		addField(e, "Related", joinFit(titles, maxFieldValue), func(n int) string { return joinFit(titles, n) })
	}
	return e
}

// addField adds a field when there is room in the embed: value as it is
// when it fits, otherwise refit(n) with what is left, or nothing when too
// little is left to be useful.
func addField(e *discordgo.MessageEmbed, name, value string, refit func(n int) string) {
	if value == "" || len(e.Fields) >= maxFields {
		return
	}
	left := min(maxFieldValue, maxEmbedTotal-embedLen(e)-textLen(name))
	if textLen(value) > left {
		if left < 40 || refit == nil {
			return
		}
		if value = refit(left); value == "" {
			return
		}
	}
	e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: name, Value: value})
}

// splitLines returns the lines that fit in n units (at least the first)
// and the rest.
func splitLines(lines []string, n int) (string, []string) {
	used := 0
	for i, l := range lines {
		if i == 0 && textLen(l) > n {
			return cut(l, n), lines[1:]
		}
		if i > 0 && used+1+textLen(l) > n {
			return strings.Join(lines[:i], "\n"), lines[i:]
		}
		used += textLen(l) + min(i, 1)
	}
	return fitLines(lines, n), nil
}

// embedLen is the text Discord counts towards an embed's 6000.
func embedLen(e *discordgo.MessageEmbed) int {
	n := textLen(e.Title) + textLen(e.Description)
	for _, f := range e.Fields {
		n += textLen(f.Name) + textLen(f.Value)
	}
	if e.Footer != nil {
		n += textLen(e.Footer.Text)
	}
	if e.Author != nil {
		n += textLen(e.Author.Name)
	}
	return n
}

// sourceLine is "[title](url) — authors, year"; a source without a usable
// URL, or with one so long that the line would not fit a field, is shown
// without a link. A URL too long for a link button (cardButtons) is
// linked here all the same.
func sourceLine(s bot.Source) string {
	title := cut(escape(s.Title, false), 200)
	if title == "" {
		title = "(untitled)"
	}
	var by string
	switch {
	case s.Authors != "" && s.Year != 0:
		by = fmt.Sprintf(" — %s, %d", cut(escape(s.Authors, false), 100), s.Year)
	case s.Authors != "":
		by = " — " + cut(escape(s.Authors, false), 100)
	case s.Year != 0:
		by = fmt.Sprintf(" (%d)", s.Year)
	}
	if u := linkURL(s.URL); u != "" {
		if line := "[" + title + "](" + u + ")" + by; textLen(line) <= maxFieldValue {
			return line
		}
	}
	return title + by
}

// fitLines joins whole lines within n units, so no markdown link is cut in
// half; a line that alone is too long is cut, and "…" says lines were left out.
func fitLines(lines []string, n int) string {
	var b strings.Builder
	used := 0
	for i, l := range lines {
		l = strings.ReplaceAll(l, "\n", " ")
		sep := 0
		if i > 0 {
			sep = 1
		}
		rest := len(lines) - i - 1
		reserve := 0
		if rest > 0 {
			reserve = 2 // "\n…"
		}
		if used+sep+textLen(l)+reserve > n {
			if i == 0 {
				return cut(l, n)
			}
			b.WriteString("\n" + ellipsis)
			return b.String()
		}
		if sep > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
		used += sep + textLen(l)
	}
	return b.String()
}

// joinFit is "a, b, c" with each escaped, within n units.
func joinFit(items []string, n int) string {
	parts := make([]string, 0, len(items))
	for _, s := range items {
		if s = escape(s, false); s != "" {
			parts = append(parts, s)
		}
	}
	return cut(strings.Join(parts, ", "), n)
}

// cardButtons: Share (when only the asker sees the card), related terms,
// and links to the sources, one row each.
func cardButtons(c *bot.Card, ephemeral bool) []discordgo.MessageComponent {
	var rows []discordgo.MessageComponent
	if id, ok := customID(bot.ActionShare, c.ID); ok && ephemeral && !c.Pending {
		rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Share in channel", Style: discordgo.PrimaryButton, CustomID: id},
		}})
	}
	rows = append(rows, entryButtons(c.SeeAlso, 1)...)
	var links []discordgo.MessageComponent
	for _, s := range c.Sources {
		u := safeURL(s.URL)
		label := plain(s.Title, maxLabel)
		// A URL too long for a button is still linked in the Sources field.
		if u == "" || len(u) > maxButtonURL || label == "" || len(links) == maxButtons {
			continue
		}
		links = append(links, discordgo.Button{Label: label, Style: discordgo.LinkButton, URL: u})
	}
	if len(links) > 0 {
		rows = append(rows, discordgo.ActionsRow{Components: links})
	}
	return rows
}

// replyButtons are the reply's own buttons, in at most maxRows rows of
// five: custom_id "action:value". A button that cannot be drawn within
// Discord's limits is left out.
func replyButtons(bs []bot.Button, maxRows int) []discordgo.MessageComponent {
	var rows []discordgo.MessageComponent
	var row []discordgo.MessageComponent
	for _, bt := range bs {
		if len(rows) >= maxRows {
			break
		}
		id, ok := customID(bt.Action, bt.Value)
		label := plain(bt.Label, maxLabel)
		if !ok || bt.Action == "" || label == "" {
			continue
		}
		row = append(row, discordgo.Button{Label: label, Style: discordgo.SecondaryButton, CustomID: id})
		if len(row) == maxButtons {
			rows = append(rows, discordgo.ActionsRow{Components: row})
			row = nil
		}
	}
	if len(row) > 0 && len(rows) < maxRows {
		rows = append(rows, discordgo.ActionsRow{Components: row})
	}
	return rows
}

// entryButtons opens each entry's card: at most maxRows rows of five.
func entryButtons(ss []bot.Suggestion, maxRows int) []discordgo.MessageComponent {
	var rows []discordgo.MessageComponent
	var row []discordgo.MessageComponent
	for _, s := range ss {
		id, ok := customID(bot.ActionDefine, s.ID)
		label := plain(s.Title, maxLabel)
		if !ok || label == "" {
			continue
		}
		row = append(row, discordgo.Button{Label: label, Style: discordgo.SecondaryButton, CustomID: id})
		if len(row) == maxButtons {
			rows = append(rows, discordgo.ActionsRow{Components: row})
			row = nil
			if len(rows) == maxRows {
				return rows
			}
		}
	}
	if len(row) > 0 {
		rows = append(rows, discordgo.ActionsRow{Components: row})
	}
	return rows
}

// customID is "action:id", or false when that would exceed Discord's 100
// characters or the id could not be read back.
func customID(action, id string) (string, bool) {
	s := action + ":" + id
	if id == "" || len(s) > maxCustomID || !utf8.ValidString(id) || strings.ContainsFunc(id, unicode.IsControl) {
		return "", false
	}
	return s, true
}

// listEmbed lists entries: did-you-mean candidates, search results or
// related terms, one line each.
func listEmbed(ss []bot.Suggestion) *discordgo.MessageEmbed {
	lines := make([]string, 0, len(ss))
	for _, s := range ss {
		line := "**" + cut(escape(s.Title, false), 200) + "**"
		if s.Name != "" {
			line += " (" + cut(escape(s.Name, false), 100) + ")"
		}
		if s.Line != "" {
			line += " — " + cut(escape(s.Line, false), 300)
		}
		lines = append(lines, line)
	}
	return &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Color: embedColor, Description: fitLines(lines, maxDescription)}
}

func helpEmbed(cs []bot.CommandInfo) *discordgo.MessageEmbed {
	e := &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Color: embedColor, Title: "refbot commands"}
	for _, c := range cs {
		v := escape(c.Description, false)
		if len(c.Examples) > 0 {
			v += "\nFor example: /" + escape(c.Name+" "+c.Examples[0], false)
		}
		addField(e, cut(escape(c.Usage(bot.Slash), false), maxFieldName), cut(v, maxFieldValue), func(n int) string { return cut(v, n) })
	}
	return e
}

func linksEmbed(ls []bot.Link) *discordgo.MessageEmbed {
	lines := make([]string, 0, len(ls))
	for _, l := range ls {
		title := cut(escape(l.Title, false), 200)
		if u := linkURL(l.URL); u != "" && textLen(u) <= 600 {
			title = "[" + title + "](" + u + ")"
		}
		if l.Line != "" {
			title += " — " + cut(escape(l.Line, false), 300)
		}
		lines = append(lines, title)
	}
	return &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Color: embedColor, Description: fitLines(lines, maxDescription)}
}

func promptEmbed(p *bot.Prompt) *discordgo.MessageEmbed {
	e := &discordgo.MessageEmbed{
		Type:        discordgo.EmbedTypeRich,
		Color:       embedColor,
		Title:       cut(escape(p.Title, false), maxTitle),
		Description: cut(escape(p.Summary, true), maxDescription),
	}
	if len(p.Readings) > 0 {
		lines := make([]string, 0, len(p.Readings))
		for _, s := range p.Readings {
			lines = append(lines, sourceLine(s))
		}
		addField(e, "Read", fitLines(lines, maxFieldValue), nil)
	}
	if len(p.Questions) > 0 {
		lines := make([]string, 0, len(p.Questions))
		for _, q := range p.Questions {
			lines = append(lines, "• "+escape(q, false))
		}
		addField(e, discussField, fitLines(lines, maxFieldValue), nil)
	}
	if len(p.Terms) > 0 {
		titles := make([]string, len(p.Terms))
		for i, t := range p.Terms {
			titles[i] = t.Title
		}
		addField(e, "Terms", joinFit(titles, maxFieldValue), nil)
	}
	if len(p.Links) > 0 {
		lines := make([]string, 0, len(p.Links))
		for _, l := range p.Links {
			title := cut(escape(l.Title, false), 200)
			if u := linkURL(l.URL); u != "" && textLen(u) <= 600 {
				title = "[" + title + "](" + u + ")"
			}
			lines = append(lines, "• "+title)
		}
		addField(e, "Key terms", fitLines(lines, maxFieldValue), func(n int) string { return fitLines(lines, n) })
	}
	return e
}

// choices are autocomplete choices: the name people see (title, or the
// other name that matched) and the entry id as the value, which /define
// then finds exactly. An id too long for a value is left out rather than
// sent cut, since a cut id would find nothing.
func choices(ss []bot.Suggestion) []*discordgo.ApplicationCommandOptionChoice {
	out := make([]*discordgo.ApplicationCommandOptionChoice, 0, min(len(ss), maxChoices))
	for _, s := range ss {
		if len(out) == maxChoices {
			break
		}
		name := s.Title
		if s.Name != "" {
			name = s.Name + " (" + s.Title + ")"
		}
		name = plain(name, maxChoiceName)
		if name == "" || s.ID == "" || textLen(s.ID) > maxChoiceValue || !utf8.ValidString(s.ID) {
			continue
		}
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: name, Value: s.ID})
	}
	return out
}
