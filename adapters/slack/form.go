package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"refbot/bot"
)

// Forms (bot.Form) are modals: views.open with the trigger_id of the
// slash command or button that asked for one (it lasts 3 seconds), and
// back as a view_submission, answered in the HTTP response or the Socket
// Mode ack: problems shown beside their fields (response_action errors),
// anything else shown in the modal in place of the form (response_action
// update). A button inside a modal updates the modal (views.update).

// Modal limits, in characters.
const (
	maxModalTitle   = 24
	maxModalButton  = 24
	maxInputLabel   = 2000
	maxPlaceholder  = 150
	maxInputLength  = 3000
	maxMetadata     = 3000
	maxCallbackID   = 255
	maxFieldError   = 300
	maxModalBlocks  = 100
	resultViewTitle = "refbot"
)

// formMeta travels in a modal's private_metadata: the form's state and
// the channel it was opened from, which the submission does not carry.
type formMeta struct {
	State   string `json:"s,omitempty"`
	Channel string `json:"c,omitempty"`
}

func (m formMeta) encode() string {
	b, err := json.Marshal(m)
	if err != nil || len(b) > maxMetadata {
		b, _ = json.Marshal(formMeta{Channel: m.Channel})
	}
	return string(b)
}

func decodeMeta(s string) formMeta {
	var m formMeta
	if json.Unmarshal([]byte(s), &m) != nil || !utf8.ValidString(m.State) || !utf8.ValidString(m.Channel) {
		return formMeta{}
	}
	return m
}

// formView is f as a modal: an input block per field, block_id and
// action_id the field's name, with what is filled in already.
func formView(f *bot.Form, channel string) slack.ModalViewRequest {
	v := slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           plainText(modalText(f.Title, "refbot")),
		Submit:          plainText(modalText(f.Submit, "Send")),
		Close:           plainText("Cancel"),
		CallbackID:      cutBytes(f.Action, maxCallbackID),
		PrivateMetadata: formMeta{State: f.State, Channel: channel}.encode(),
	}
	for _, fl := range f.Fields {
		max := fl.MaxLength
		if max <= 0 || max > maxInputLength {
			max = maxInputLength
		}
		el := slack.NewPlainTextInputBlockElement(nil, fl.Name)
		el.Multiline = fl.Lines
		el.MaxLength = max
		if fl.Placeholder != "" {
			el.Placeholder = plainText(plainLine(fl.Placeholder, maxPlaceholder))
		}
		// A plain text input shows its text as typed; only control and
		// direction characters go. Slack refuses an initial value longer
		// than max_length, so one (an entry file's sources can be) is cut.
		el.InitialValue = clean(fl.Value, !fl.Lines)
		if utf8.RuneCountInString(el.InitialValue) > max {
			el.InitialValue = string([]rune(el.InitialValue)[:max])
		}
		in := slack.NewInputBlock(fl.Name, plainText(plainLine(fl.Label, maxInputLabel)), nil, el)
		in.Optional = !fl.Required
		v.Blocks.BlockSet = append(v.Blocks.BlockSet, in)
	}
	return v
}

// modalText fits s in a modal's title or button, or uses def.
func modalText(s, def string) string {
	if s = plainLine(s, maxModalTitle); s != "" {
		return s
	}
	return def
}

// resultView shows a reply in a modal, in place of the form it answers:
// Done closes it, and its buttons update it (views.update).
func resultView(r bot.Reply, channel string) slack.ModalViewRequest {
	msg := render(r, renderOptions{})
	blocks := msg.Blocks
	if len(blocks) == 0 {
		blocks = []slack.Block{slack.NewSectionBlock(text(msg.Text), nil, nil)}
	}
	if len(blocks) > maxModalBlocks {
		blocks = blocks[:maxModalBlocks]
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           plainText(resultViewTitle),
		Close:           plainText("Done"),
		Blocks:          slack.Blocks{BlockSet: blocks},
		PrivateMetadata: formMeta{Channel: channel}.encode(),
	}
}

// submission turns a view_submission into a request: the callback_id is
// the form's action, private_metadata its state and channel, and each
// input's value a field. It reports false for a view refbot did not open.
func submission(ic slack.InteractionCallback) (bot.Request, bool) {
	if ic.View.CallbackID == "" || ic.View.State == nil {
		return bot.Request{}, false
	}
	meta := decodeMeta(ic.View.PrivateMetadata)
	req := bot.Request{
		Team: ic.Team.ID, Channel: meta.Channel, User: ic.User.ID,
		Kind: bot.Submit, Command: ic.View.CallbackID, Text: meta.State,
		Fields: map[string]string{},
	}
	for block, actions := range ic.View.State.Values {
		if a, ok := actions[block]; ok {
			req.Fields[block] = strings.ToValidUTF8(a.Value, "\uFFFD")
		}
	}
	return req, true
}

// submitResponse answers a view_submission with the core's reply.
func submitResponse(r bot.Reply, channel string) *slack.ViewSubmissionResponse {
	switch {
	case r.Form != nil && r.Form.HasProblems():
		errs := map[string]string{}
		for _, fl := range r.Form.Fields {
			if fl.Problem != "" {
				errs[fl.Name] = plainLine(fl.Problem, maxFieldError)
			}
		}
		return slack.NewErrorsViewSubmissionResponse(errs)
	case r.Form != nil:
		v := formView(r.Form, channel)
		return slack.NewUpdateViewSubmissionResponse(&v)
	}
	v := resultView(r, channel)
	return slack.NewUpdateViewSubmissionResponse(&v)
}

// viewSubmission answers a form submitted in workspace ws.
func (a *Adapter) viewSubmission(ctx context.Context, ws *workspace, ic slack.InteractionCallback) any {
	req, ok := submission(ic)
	if !ok {
		a.log.DebugContext(ctx, "slack: a view_submission of a view refbot does not know", "callback_id", ic.View.CallbackID)
		return nil
	}
	return submitResponse(a.handle(ctx, ws, req), req.Channel)
}

// openForm queues views.open for a form, on the trigger of the command
// or button that asked for it, with workspace ws's token.
func (a *Adapter) openForm(ctx context.Context, ws *workspace, triggerID, channel string, f *bot.Form) bool {
	if triggerID == "" {
		a.log.WarnContext(ctx, "slack: a form was asked for without a trigger_id; cannot open it")
		return false
	}
	v := formView(f, channel)
	return a.enqueue(job{what: "open a form", run: func(ctx context.Context) error {
		if _, err := ws.api.OpenViewContext(ctx, triggerID, v); err != nil {
			return fmt.Errorf("views.open: %w", err)
		}
		return nil
	}})
}

// updateModal queues views.update of the modal a button was pressed in:
// the reply's form, or the reply itself.
func (a *Adapter) updateModal(ws *workspace, ic slack.InteractionCallback, r bot.Reply) bool {
	channel := decodeMeta(ic.View.PrivateMetadata).Channel
	v := resultView(r, channel)
	if r.Form != nil {
		v = formView(r.Form, channel)
	}
	id, hash := ic.View.ID, ic.View.Hash
	return a.enqueue(job{what: "update a modal", run: func(ctx context.Context) error {
		if _, err := ws.api.UpdateViewContext(ctx, v, "", hash, id); err != nil {
			return fmt.Errorf("views.update: %w", err)
		}
		return nil
	}})
}

// cutBytes cuts s to at most n bytes at a character boundary.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
