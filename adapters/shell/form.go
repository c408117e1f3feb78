package shell

import (
	"context"
	"fmt"
	"strings"

	"refbot/bot"
)

// A form in the console is a series of questions, one per field, each
// answered on the lines that follow it, so a script can fill it in
// through stdin: Enter alone keeps the value shown in brackets, "-" empties
// it, and "/cancel" (or the end of input) stops without sending. A field
// of several lines ends with an empty line. When the form comes back with
// problems, only the fields that have them are asked again.

// cancel stops a form.
const cancel = "/cancel"

// fill asks for f's fields and returns the values to submit; ok is false
// when the person stopped.
func (c *console) fill(ctx context.Context, f *bot.Form) (fields map[string]string, ok bool, err error) {
	again := f.HasProblems()
	p := &printer{w: c.out, width: c.width(), color: c.opt.Color}
	if again {
		p.wrap("Change what needs changing (Enter keeps the rest), or "+cancel+" to stop.", "")
	} else {
		p.line(p.bold(clean(f.Title)))
		p.wrap("Answer each question. Enter alone keeps what is in [brackets], - empties it, "+cancel+" stops without sending.", "")
	}
	fields = make(map[string]string, len(f.Fields))
	for _, fl := range f.Fields {
		fields[fl.Name] = fl.Value
		if again && fl.Problem == "" {
			continue
		}
		q := fl.Label
		if fl.Lines {
			q += " (end with an empty line)"
		}
		if fl.Required {
			q += ", required"
		}
		p.wrap(q+":", "")
		if fl.Value != "" {
			for _, l := range strings.Split(fl.Value, "\n") {
				p.wrap("["+l+"]", "  ")
			}
		}
		if fl.Problem != "" {
			p.wrap(fl.Problem, "  ↳ ")
		}
		if p.err != nil {
			return nil, false, p.err
		}
		v, ok := c.answer(ctx, fl)
		if !ok {
			p.wrap("Stopped; nothing was sent.", "")
			p.line("")
			return nil, false, p.err
		}
		fields[fl.Name] = v
	}
	return fields, true, p.err
}

// answer reads one field's answer: one line, or lines up to an empty one.
func (c *console) answer(ctx context.Context, fl bot.Field) (string, bool) {
	if c.opt.Interactive && !c.opt.Editor {
		fmt.Fprint(c.out, "  ")
	}
	first, ok := c.next(ctx)
	first = strings.TrimRight(first, "\r")
	switch {
	case !ok || strings.TrimSpace(first) == cancel:
		return "", false
	case strings.TrimSpace(first) == "":
		return fl.Value, true
	case strings.TrimSpace(first) == "-":
		return "", true
	case !fl.Lines:
		return strings.TrimSpace(first), true
	}
	lines := []string{first}
	for {
		if c.opt.Interactive && !c.opt.Editor {
			fmt.Fprint(c.out, "  ")
		}
		l, ok := c.next(ctx)
		l = strings.TrimRight(l, "\r")
		switch {
		case !ok:
			return strings.Join(lines, "\n"), true
		case strings.TrimSpace(l) == cancel:
			return "", false
		case strings.TrimSpace(l) == "":
			return strings.Join(lines, "\n"), true
		}
		lines = append(lines, l)
	}
}

func (c *console) width() int {
	if c.opt.Width > 0 {
		return c.opt.Width
	}
	return 78
}
