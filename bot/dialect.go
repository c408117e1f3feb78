package bot

import (
	"context"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Dialect is how a platform says what the core writes about: how a
// command is typed there and who may change a channel's settings. The
// zero value suits platforms where every command is a slash command of
// its own (Discord, the console).
type Dialect struct {
	// Command spells a command as people type it: "/define", or on Slack,
	// where most commands hang under the umbrella, "/refbot search". nil
	// means "/" and the name.
	Command func(name string) string
	// Managers names who may change a channel's settings, for notices
	// such as "Only workspace admins and owners can turn …". Empty means
	// "people who can manage this channel".
	Managers string
	// Umbrella: every command is also typed "/refbot COMMAND" here (Slack,
	// the console); /help says so only then. Discord registers each
	// command on its own.
	Umbrella bool
}

// Slash spells a command as a slash command of its own: "/define".
func Slash(name string) string { return "/" + name }

// command spells the named command.
func (d Dialect) command(name string) string {
	if d.Command == nil {
		return Slash(name)
	}
	return d.Command(name)
}

func (d Dialect) managers() string {
	if d.Managers == "" {
		return "people who can manage this channel"
	}
	return d.Managers
}

// canManage asks the adapter whether the user may change the channel's
// settings; only commands that change them call it.
func (r Request) canManage(ctx context.Context) bool {
	return r.CanManage != nil && r.CanManage(ctx)
}

// Plural is n and the noun in the number n asks for: "1 step", "2
// steps". Adapters and refbot's commands count with it too.
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// upperFirst capitalises s's first letter, to start a sentence.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
