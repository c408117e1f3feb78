package shell

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"refbot/bot"
)

// Render writes a reply as terminal text.
func Render(w io.Writer, r bot.Reply, opt Options) error {
	width := opt.Width
	if width <= 0 {
		width = 78
	}
	p := &printer{w: w, width: width, color: opt.Color}
	if r.Notice != "" {
		p.wrap(r.Notice, "")
	}
	if r.Card != nil {
		p.card(r.Card)
	}
	for _, s := range r.Suggestions {
		line := s.Title
		if s.Name != "" {
			line += " (" + s.Name + ")"
		}
		if s.Line != "" && r.ListKind != bot.Choices {
			line += " — " + s.Line
		}
		p.wrap(line, "  • ")
	}
	p.links(r)
	if r.Prompt != nil {
		p.prompt(r.Prompt)
	}
	if len(r.Buttons) > 0 {
		labels := make([]string, 0, len(r.Buttons))
		for i, bt := range r.Buttons {
			if opt.press {
				labels = append(labels, fmt.Sprintf("[%d] %s", i+1, bt.Label))
			} else {
				labels = append(labels, bt.Label)
			}
		}
		if opt.press {
			// The console's buttons: "/1" presses the first (Run).
			how := " — type /1 to press it"
			if len(labels) > 1 {
				how = fmt.Sprintf(" — type /1 to /%d", len(labels))
			}
			p.labelled("Press:", strings.Join(labels, " · ")+how)
		} else {
			// Nothing to click: show what chat platforms offer.
			p.labelled("Buttons in chat:", strings.Join(labels, " · "))
		}
	}
	if len(r.Help) > 0 {
		col := 16
		for _, c := range r.Help {
			col = max(col, utf8.RuneCountInString(c.Usage(bot.Slash)))
		}
		for _, c := range r.Help {
			line := c.Description
			if len(c.Examples) > 0 {
				line += fmt.Sprintf(" — e.g. /%s %s", c.Name, c.Examples[0])
			}
			p.wrap(line, fmt.Sprintf("  %-*s ", col, c.Usage(bot.Slash)))
		}
		p.wrap("Lines without / are chat messages.", "")
	}
	return p.err
}

// links prints the auto-link digest: per term, the title and one line,
// then where to read more and how to open the card. A reaction reply
// (the quiet style) shows which reaction refbot would add, and to what.
func (p *printer) links(r bot.Reply) {
	if len(r.Links) == 0 {
		return
	}
	if r.React != "" {
		titles := make([]string, len(r.Links))
		for i, l := range r.Links {
			titles[i] = l.Title
		}
		p.wrap(fmt.Sprintf("(refbot reacts with %s — %s. /define TERM shows a full card.)", r.React, strings.Join(titles, ", ")), "")
		return
	}
	for _, l := range r.Links {
		line := l.Title
		if l.Line != "" {
			line += " — " + l.Line
		}
		p.wrap(line, "  📖 ")
		if l.URL != "" {
			p.line("    " + clean(l.URL))
		}
	}
	p.wrap("/define TERM shows a full card.", "")
}

type printer struct {
	w     io.Writer
	width int
	color bool
	err   error
}

func (p *printer) line(s string) {
	if p.err == nil {
		_, p.err = fmt.Fprintln(p.w, s)
	}
}

func (p *printer) bold(s string) string {
	if p.color {
		return "\x1b[1m" + s + "\x1b[0m"
	}
	return s
}

// wrap prints text word-wrapped at the width, the first line after lead
// and the rest indented to match. lead is refbot's own text, never input.
func (p *printer) wrap(text, lead string) {
	n := utf8.RuneCountInString(lead)
	p.wrapAfter(clean(text), lead, n, strings.Repeat(" ", n))
}

// labelled prints a bold label and text after it, wrapped, with the
// following lines flush left. The label is styled after the text is
// cleaned, so its escape sequences survive.
func (p *printer) labelled(label, text string) {
	p.wrapAfter(clean(text), p.bold(label)+" ", utf8.RuneCountInString(label)+1, "")
}

// wrapAfter wraps cleaned text: the first line starts with lead, which
// takes leadWidth columns; the other lines start with indent.
func (p *printer) wrapAfter(text, lead string, leadWidth int, indent string) {
	for i, para := range strings.Split(text, "\n") {
		cur, n := lead, leadWidth
		if i > 0 {
			cur, n = indent, len(indent)
		}
		words := strings.Fields(para)
		for j, word := range words {
			wl := len([]rune(word))
			if j > 0 && n+1+wl > p.width {
				p.line(cur)
				cur, n = indent+word, len(indent)+wl
				continue
			}
			if j > 0 {
				cur += " "
				n++
			}
			cur += word
			n += wl
		}
		p.line(cur)
	}
}

func (p *printer) card(c *bot.Card) {
	p.line(p.bold(clean(c.Title)))
	if len(c.Aliases) > 0 {
		p.wrap("Also called: "+strings.Join(c.Aliases, ", "), "")
	}
	p.line("")
	p.wrap(c.Summary, "")
	if len(c.KeyPoints) > 0 {
		p.line("")
		p.line(p.bold("Key points"))
		for _, k := range c.KeyPoints {
			p.wrap(k, "  • ")
		}
	}
	p.sources("Sources", c.Sources)
	p.titles("Related:", c.SeeAlso)
	if c.Page != "" {
		p.line("")
		p.line(p.bold("Glossary page"))
		p.line("    " + clean(c.Page)) // a URL on its own line, as sources print theirs
	}
}

// titles prints a labelled, comma-separated line of entry titles.
func (p *printer) titles(label string, ss []bot.Suggestion) {
	if len(ss) == 0 {
		return
	}
	titles := make([]string, len(ss))
	for i, s := range ss {
		titles[i] = s.Title
	}
	p.line("")
	p.labelled(label, strings.Join(titles, ", "))
}

func (p *printer) sources(heading string, ss []bot.Source) {
	if len(ss) == 0 {
		return
	}
	p.line("")
	p.line(p.bold(heading))
	for _, s := range ss {
		p.wrap(s.Title+byline(s), "  • ")
		p.line("    " + clean(s.URL))
	}
}

func byline(s bot.Source) string {
	switch {
	case s.Authors != "" && s.Year != 0:
		return fmt.Sprintf(" — %s, %d", s.Authors, s.Year)
	case s.Authors != "":
		return " — " + s.Authors
	case s.Year != 0:
		return fmt.Sprintf(" (%d)", s.Year)
	}
	return ""
}

func (p *printer) prompt(pr *bot.Prompt) {
	p.line(p.bold(clean(pr.Title)))
	if pr.Summary != "" {
		p.wrap(pr.Summary, "")
	}
	p.sources("Read", pr.Readings)
	if len(pr.Questions) > 0 {
		p.line("")
		p.line(p.bold("Discuss"))
		for i, q := range pr.Questions {
			p.wrap(q, fmt.Sprintf("  %d. ", i+1))
		}
	}
	p.titles("Terms:", pr.Terms)
	if len(pr.Links) > 0 {
		p.line("")
		p.line(p.bold("Key terms in this prompt"))
		for _, l := range pr.Links {
			p.wrap(l.Title+" "+l.URL, "  📖 ")
		}
	}
}
