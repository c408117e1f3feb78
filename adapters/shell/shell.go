// Package shell is the console adapter: the whole bot in a terminal, with
// no tokens. Lines that start with "/" are commands; other lines are chat
// messages in the channel Channel, as in a chat channel, where auto-linking
// answers with links to the glossary terms they mention.
package shell

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/term"

	"refbot/bot"
)

// Options control the console.
type Options struct {
	Interactive bool   // print a banner and a prompt (stdin is a terminal)
	Color       bool   // bold titles (stdout is a terminal)
	Width       int    // wrap text at this many columns; 0 means 78
	User        string // the user id requests carry; "" means "console"
	// Editor reads lines with golang.org/x/term's line editor: arrow keys,
	// Home/End, Ctrl-U and the like, and the up and down arrows through
	// the lines typed before. in and out must then be one terminal already
	// in raw mode (term.MakeRaw): the editor echoes what is typed and
	// writes each newline as CRLF. Ctrl-D on an empty line, or Ctrl-C,
	// quits.
	Editor bool
	// Columns is the terminal's width, for the editor's line wrapping; 0
	// means 80.
	Columns int
	// press numbers a reply's buttons, as Run does: "/1" presses the
	// first. Without it (refbot define) they are only named.
	press bool
}

// Channel is the console's channel id; cmd/refbot turns auto-linking on
// in it so people can try it locally.
const Channel = "console"

// Platform is bot.Request.Platform for the console.
const Platform = "console"

// dialect is how the console says what the core writes: slash commands,
// and the person at the console manages its one channel.
var dialect = bot.Dialect{Managers: "you", Umbrella: true}

// owner is the console's Request.CanManage: the person at the console
// owns it, so they may change its settings.
func owner(context.Context) bool { return true }

// maxLine caps one input line read from a pipe or a file; longer lines
// are cut, not fatal, and the console says so.
const maxLine = 64 << 10

// read is one line of input and, when it was cut, a note saying so.
type read struct {
	line, note string
	err        error
}

// Run reads lines from in until it is exhausted or ctx is done, handing
// each to b and writing the reply to out. A reply with a form asks its
// fields one by one on the lines that follow; a reply with buttons numbers
// them, and "/1" presses the first.
func Run(ctx context.Context, b *bot.Bot, in io.Reader, out io.Writer, opt Options) error {
	if opt.User == "" {
		opt.User = "console"
	}
	opt.press = true
	next := lineSource(in, &out, opt)
	if opt.Interactive {
		fmt.Fprintf(out, "refbot console — %s. Type /help for commands, /define TERM to look one up. Ctrl-D quits.\n", bot.Plural(b.Glossary().Len(), "glossary entry", "glossary entries"))
	}
	// One line is read at a time, when the last reply is written (or a
	// form's question asked), so the prompt comes after it. The reader
	// goroutine exits at the end of the input (on a terminal, Ctrl-D) or
	// when ctx is done and it is not blocked reading; Run returns on ctx
	// without waiting for it, since a blocked read cannot be interrupted
	// portably.
	want := make(chan struct{})
	lines := make(chan read)
	go func() {
		defer close(lines)
		for {
			select {
			case <-want:
			case <-ctx.Done():
				return
			}
			r := next()
			select {
			case lines <- r:
			case <-ctx.Done():
				return
			}
			if r.err != nil {
				return
			}
		}
	}()
	c := &console{b: b, out: out, opt: opt, want: want, lines: lines}
	for {
		if opt.Interactive && !opt.Editor {
			fmt.Fprint(out, "> ")
		}
		line, ok := c.next(ctx)
		if ok {
			if err := c.handleLine(ctx, line); err != nil {
				return err
			}
		}
		if ok && c.err == nil {
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		if opt.Interactive {
			fmt.Fprintln(out)
		}
		if c.err == nil || errors.Is(c.err, io.EOF) {
			return nil
		}
		return fmt.Errorf("read input: %w", c.err)
	}
}

// lineSource returns what reads the next line: the line editor on a
// terminal (and then *out becomes the editor, which keeps the line being
// typed below what is written), else plain reading.
func lineSource(in io.Reader, out *io.Writer, opt Options) func() read {
	if opt.Editor {
		t := term.NewTerminal(struct {
			io.Reader
			io.Writer
		}{in, *out}, "> ")
		if opt.Columns > 0 {
			_ = t.SetSize(opt.Columns, 24) // the height is not used for one line
		}
		*out = t
		return func() read {
			line, err := t.ReadLine()
			r := read{line: line, err: err}
			if utf8.RuneCountInString(line) >= editorMaxLine {
				r.note = fmt.Sprintf("(That line reached the line editor's limit of %d characters; what was typed or pasted after that was dropped.)", editorMaxLine)
			}
			return r
		}
	}
	br := bufio.NewReaderSize(in, 4096)
	return func() read {
		line, total, err := readLine(br)
		r := read{line: line, err: err}
		if total > len(line) {
			r.note = fmt.Sprintf("(That line was %d bytes; the console reads the first %d of a line and dropped the rest.)", total, maxLine)
		}
		return r
	}
}

// editorMaxLine is the most characters golang.org/x/term's editor keeps
// in one line; it ignores keys past it.
const editorMaxLine = 4096

// console is one console session: the input's lines, read one at a time
// when asked for (want), and the buttons of the last reply, which "/N"
// presses.
type console struct {
	b       *bot.Bot
	out     io.Writer
	opt     Options
	want    chan<- struct{}
	lines   <-chan read
	buttons []bot.Button
	// err is why the input ended (io.EOF at its end); nil until it has.
	err error
}

// next reads the next input line, saying first if it was cut; false when
// the input has ended (err says how) or ctx is done. A last line without
// a newline is returned with err already set.
func (c *console) next(ctx context.Context) (string, bool) {
	if c.err != nil {
		return "", false
	}
	select {
	case c.want <- struct{}{}:
	case <-ctx.Done():
		return "", false
	}
	var r read
	select {
	case <-ctx.Done():
		return "", false
	case r = <-c.lines:
	}
	if r.note != "" {
		fmt.Fprintln(c.out, r.note)
	}
	if r.err != nil {
		c.err = r.err
		if r.line == "" {
			return "", false
		}
	}
	return r.line, true
}

func (c *console) request(kind bot.Kind, command, text string) bot.Request {
	return bot.Request{Platform: Platform, Channel: Channel, User: c.opt.User, Kind: kind, Command: command, Text: text,
		Dialect: dialect, CanManage: owner, Moderator: owner}
}

func (c *console) handleLine(ctx context.Context, line string) error {
	line = strings.TrimSpace(line)
	if line == "" {
		return nil
	}
	req := c.request(bot.Message, "", BlankMarkup(line))
	switch n, pressed := c.pressed(line); {
	case pressed && n == 0:
		return c.say("There is no such button here: the numbers in [brackets] under refbot's last reply are the buttons.")
	case pressed:
		bt := c.buttons[n-1]
		req = c.request(bot.Action, bt.Action, bt.Value)
	case strings.HasPrefix(line, "/"):
		name, text, _ := c.b.ParseCommand(line)
		req = c.request(bot.Command, name, text)
	}
	// The reply says what to do; a failure's detail goes to the bot's log.
	reply := c.b.Answer(ctx, req)
	if req.Kind == bot.Message && isEmpty(reply) {
		// Why no link was made: a cooldown is not "no term found".
		why := reply.Unlinked
		if why == "" {
			why = "No glossary link for that line."
		}
		reply.Notice = "(" + why + ") Commands start with /. Type /help to see them, or /define TERM."
	}
	return c.show(ctx, reply)
}

// pressed reads "/N", a press of the last reply's button N; n is 0 when
// there is no such button.
func (c *console) pressed(line string) (n int, ok bool) {
	digits := strings.TrimPrefix(line, "/")
	if digits == line || digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || n > len(c.buttons) {
		return 0, true
	}
	return n, true
}

// show prints a reply, or, for a form, asks for its fields and submits
// them, for as long as the form comes back.
func (c *console) show(ctx context.Context, reply bot.Reply) error {
	for reply.Form != nil {
		if reply.Form.HasProblems() && reply.Notice != "" {
			if err := c.say(reply.Notice); err != nil {
				return err
			}
		}
		fields, ok, err := c.fill(ctx, reply.Form)
		if err != nil || !ok {
			return err
		}
		req := c.request(bot.Submit, reply.Form.Action, reply.Form.State)
		req.Fields = fields
		reply = c.b.Answer(ctx, req)
	}
	c.buttons = reply.Buttons
	if err := Render(c.out, reply, c.opt); err != nil {
		return err
	}
	_, err := fmt.Fprintln(c.out)
	return err
}

func (c *console) say(s string) error {
	return Render(c.out, bot.Reply{Notice: s}, c.opt)
}

func isEmpty(r bot.Reply) bool {
	return r.Card == nil && len(r.Suggestions) == 0 && len(r.Links) == 0 && r.Prompt == nil && r.Notice == "" && len(r.Help) == 0
}

// readLine reads one line without its newline, cutting it at maxLine;
// total is the line's length before the cut.
func readLine(r *bufio.Reader) (line string, total int, err error) {
	var b strings.Builder
	for {
		chunk, isPrefix, err := r.ReadLine()
		total += len(chunk)
		if b.Len() < maxLine {
			b.Write(chunk[:min(len(chunk), maxLine-b.Len())])
		}
		if err != nil || !isPrefix {
			return strings.ToValidUTF8(b.String(), "\uFFFD"), total, err
		}
	}
}

// clean makes text from a user or a file safe to print on a terminal:
// control characters, which could move the cursor or change colours, become
// spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r) && r != '\u200d') {
			return ' '
		}
		return r
	}, s)
}
