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

	"refbot/bot"
)

// Options control the console.
type Options struct {
	Interactive bool   // print a banner and a prompt (stdin is a terminal)
	Color       bool   // bold titles (stdout is a terminal)
	Width       int    // wrap text at this many columns; 0 means 78
	User        string // the user id requests carry; "" means "console"
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
var dialect = bot.Dialect{Managers: "you"}

// owner is the console's Request.CanManage: the person at the console
// owns it, so they may change its settings.
func owner(context.Context) bool { return true }

// maxLine caps one input line; longer lines are cut, not fatal.
const maxLine = 64 << 10

// Run reads lines from in until it is exhausted or ctx is done, handing
// each to b and writing the reply to out. A reply with a form asks its
// fields one by one on the lines that follow; a reply with buttons numbers
// them, and "/1" presses the first.
func Run(ctx context.Context, b *bot.Bot, in io.Reader, out io.Writer, opt Options) error {
	if opt.User == "" {
		opt.User = "console"
	}
	opt.press = true
	if opt.Interactive {
		fmt.Fprintf(out, "refbot console — %d glossary entries. Type /help for commands, /define TERM to look one up. Ctrl-D quits.\n", b.Glossary().Len())
	}
	lines := make(chan string)
	readErr := make(chan error, 1)
	// The reader goroutine exits when in reaches EOF or fails; on a
	// terminal that is Ctrl-D. Run returns on ctx without waiting for it,
	// since a blocked read cannot be interrupted portably.
	go func() {
		defer close(lines)
		r := bufio.NewReaderSize(in, 4096)
		for {
			line, err := readLine(r)
			if err != nil {
				if !errors.Is(err, io.EOF) {
					readErr <- err
				}
				if line == "" {
					return
				}
			}
			select {
			case lines <- line:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	c := &console{b: b, out: out, opt: opt, lines: lines}
	for {
		if opt.Interactive {
			fmt.Fprint(out, "> ")
		}
		line, ok := c.next(ctx)
		if !ok {
			if ctx.Err() != nil {
				return nil
			}
			if opt.Interactive {
				fmt.Fprintln(out)
			}
			select {
			case err := <-readErr:
				return fmt.Errorf("read input: %w", err)
			default:
				return nil
			}
		}
		if err := c.handleLine(ctx, line); err != nil {
			return err
		}
	}
}

// console is one console session: the input's lines, and the buttons of
// the last reply, which "/N" presses.
type console struct {
	b       *bot.Bot
	out     io.Writer
	opt     Options
	lines   <-chan string
	buttons []bot.Button
}

// next returns the next input line; false at the end of input or when ctx
// is done.
func (c *console) next(ctx context.Context) (string, bool) {
	select {
	case <-ctx.Done():
		return "", false
	case line, ok := <-c.lines:
		return line, ok
	}
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
		reply.Notice = "(No glossary link for that line.) Commands start with /. Type /help to see them, or /define TERM."
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

// readLine reads one line without its newline, cutting it at maxLine.
func readLine(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		chunk, isPrefix, err := r.ReadLine()
		if b.Len() < maxLine {
			b.Write(chunk[:min(len(chunk), maxLine-b.Len())])
		}
		if err != nil || !isPrefix {
			return b.String(), err
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
