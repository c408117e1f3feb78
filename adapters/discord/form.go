package discord

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"refbot/bot"
)

// Forms (bot.Form) are modals: interaction response type 9, opened in
// answer to a slash command or a button, with at most five text inputs
// (the core's forms have no more). The modal's custom_id is the form's
// action and state, "action:state", as a button's is; each input's
// custom_id is its field's name. The submission arrives as a MODAL_SUBMIT
// interaction, which cannot be answered with a modal: a form that comes
// back with problems is answered with an ephemeral message listing them,
// whose button (the core's) reopens the form with what was typed.

// Modal limits.
const (
	maxModalTitle  = 45
	maxInputs      = 5
	maxInputLabel  = 45
	maxPlaceholder = 100
	maxInputValue  = 4000
)

// modal is f as a modal response, or false when its action and state do
// not fit a custom_id.
func modal(f *bot.Form) (*discordgo.InteractionResponse, bool) {
	id, ok := customID(f.Action, f.State)
	if f.State == "" {
		id, ok = f.Action+":", f.Action != "" && len(f.Action)+1 <= maxCustomID
	}
	if !ok || len(f.Fields) == 0 {
		return nil, false
	}
	title := plain(f.Title, maxModalTitle)
	if title == "" {
		title = "refbot"
	}
	var rows []discordgo.MessageComponent
	for _, fl := range f.Fields {
		if len(rows) == maxInputs {
			break
		}
		max := fl.MaxLength
		if max <= 0 || max > maxInputValue {
			max = maxInputValue
		}
		in := discordgo.TextInput{
			CustomID:    fl.Name,
			Label:       plain(fl.Label, maxInputLabel),
			Style:       discordgo.TextInputShort,
			Placeholder: plain(fl.Placeholder, maxPlaceholder),
			Value:       inputValue(fl.Value, !fl.Lines, max),
			Required:    fl.Required,
			MaxLength:   max,
		}
		if fl.Lines {
			in.Style = discordgo.TextInputParagraph
		}
		if in.Label == "" {
			in.Label = plain(fl.Name, maxInputLabel)
		}
		rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{in}})
	}
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{CustomID: id, Title: title, Components: rows},
	}, true
}

// inputValue is a field's text as an input shows it: as typed, less
// control and direction characters, at most max UTF-16 units (Discord
// refuses a longer value).
func inputValue(s string, oneLine bool, max int) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' && !oneLine:
			return r
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case unicode.IsControl(r) || isBidi(r):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	for textLen(s) > max {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}

func isBidi(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// submission is a MODAL_SUBMIT as a request: the modal's custom_id gives
// the form's action and state, and each text input's value its field.
func submission(i *discordgo.Interaction, data discordgo.ModalSubmitInteractionData) (bot.Request, error) {
	action, state, ok := strings.Cut(data.CustomID, ":")
	if !ok || action == "" {
		return bot.Request{}, fmt.Errorf("modal custom_id %q is not action:state", data.CustomID)
	}
	req := request(i, bot.Submit)
	req.Command, req.Text = action, state
	req.Fields = map[string]string{}
	var walk func(cs []discordgo.MessageComponent)
	walk = func(cs []discordgo.MessageComponent) {
		for _, c := range cs {
			switch c := c.(type) {
			case *discordgo.ActionsRow:
				walk(c.Components)
			case discordgo.ActionsRow:
				walk(c.Components)
			case *discordgo.TextInput:
				req.Fields[c.CustomID] = c.Value
			case discordgo.TextInput:
				req.Fields[c.CustomID] = c.Value
			}
		}
	}
	walk(data.Components)
	return req, nil
}

// formReply renders the answer to a command or button that is a form:
// the modal, or, when the form cannot be a modal, what to do instead.
func (a *Adapter) formReply(ctx context.Context, f *bot.Form) *discordgo.InteractionResponse {
	if m, ok := modal(f); ok {
		return m
	}
	a.log.ErrorContext(ctx, "discord: a form that cannot be a modal", "action", f.Action)
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: "refbot could not open that form. Try the command again.", Flags: discordgo.MessageFlagsEphemeral},
	}
}

// submitReply renders the answer to a submitted modal as an ephemeral
// message: its notice (the problems, when it came back with some) and
// buttons (Edit and resubmit), or the result.
func submitReply(r bot.Reply) *discordgo.InteractionResponse {
	if r.Form != nil && !r.Form.HasProblems() && r.Notice == "" {
		r.Notice = "There is one more form to fill in: press the button again to open it."
	}
	r.Form = nil
	r.Visibility = bot.Ephemeral
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: render(r)}
}

var _ bot.DirectPoster = (*Adapter)(nil)

// PostDirect implements bot.DirectPoster: a direct message to the user,
// in the DM channel Discord opens (or finds) for refbot and them. It
// fails when the user takes no direct messages from the server's members.
// team is not needed: one bot token reaches every server.
func (a *Adapter) PostDirect(ctx context.Context, team, user string, r bot.Reply) error {
	var ch *discordgo.Channel
	err := a.rest(ctx, func(opts ...discordgo.RequestOption) error {
		var err error
		ch, err = a.s.UserChannelCreate(user, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("open a direct message with %s: %w", user, err)
	}
	d := render(r)
	if _, err := a.send(ctx, ch.ID, &discordgo.MessageSend{Content: d.Content, Embeds: d.Embeds, Components: d.Components}); err != nil {
		return fmt.Errorf("direct message to %s: %w", user, err)
	}
	return nil
}
