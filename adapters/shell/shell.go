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
// each to b and writing the reply to out.
func Run(ctx context.Context, b *bot.Bot, in io.Reader, out io.Writer, opt Options) error {
	if opt.User == "" {
		opt.User = "console"
	}
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
	for {
		if opt.Interactive {
			fmt.Fprint(out, "> ")
		}
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
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
			if err := handleLine(ctx, b, out, line, opt); err != nil {
				return err
			}
		}
	}
}

func handleLine(ctx context.Context, b *bot.Bot, out io.Writer, line string, opt Options) error {
	line = strings.TrimSpace(line)
	if line == "" {
		return nil
	}
	req := bot.Request{Platform: Platform, Channel: Channel, User: opt.User, Text: BlankMarkup(line), Kind: bot.Message, Dialect: dialect, CanManage: owner}
	if strings.HasPrefix(line, "/") {
		name, text, _ := b.ParseCommand(line)
		req.Kind, req.Command, req.Text = bot.Command, name, text
	}
	// The reply says what to do; a failure's detail goes to the bot's log.
	reply := b.Answer(ctx, req)
	if req.Kind == bot.Message && isEmpty(reply) {
		reply.Notice = "(No glossary link for that line.) Commands start with /. Type /help to see them, or /define TERM."
	}
	if err := Render(out, reply, opt); err != nil {
		return err
	}
	_, err := fmt.Fprintln(out)
	return err
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
