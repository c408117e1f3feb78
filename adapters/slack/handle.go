package slack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"refbot/bot"
)

// This file is the one handler both transports share: it takes slack-go's
// parsed types, asks the core, and returns what to acknowledge with,
// queueing any later posts.

// dialect is how Slack says what the core writes: commands as typed here
// (usage), and who may change a channel's settings (canManage).
var dialect = bot.Dialect{Command: invocation, Managers: "workspace admins and owners", Umbrella: true}

// handle asks the core, through its one middleware (bot.Answer, which
// logs and measures failures); the reply is always something a user can
// read. ws is the workspace the request came from: whatever the core asks
// of Slack (users.info) goes with its token.
func (a *Adapter) handle(ctx context.Context, ws *workspace, req bot.Request) bot.Reply {
	req.Platform = platformName
	req.Dialect = dialect
	// A direct message's channel id starts with D. refbot reads none
	// (the manifest subscribes to channel messages only).
	req.DM = strings.HasPrefix(req.Channel, "D")
	if req.Channel != "" && req.User != "" {
		channel, user := req.Channel, req.User
		req.CanManage = func(ctx context.Context) bool { return a.canManage(ctx, ws, channel, user) }
	}
	if req.User != "" {
		user := req.User
		req.Moderator = func(ctx context.Context) bool { return a.isAdmin(ctx, ws, user) }
	}
	return a.bot.Answer(ctx, req)
}

// unserved logs, once per request, why a request from team is not
// answered: refbot is not installed there (OAuth mode), or its
// installation could not be read. It reports whether Slack should
// deliver the request again later (a store that failed may recover).
func (a *Adapter) unserved(ctx context.Context, team, what string, err error) (retry bool) {
	if errors.Is(err, errNotInstalled) {
		a.log.WarnContext(ctx, "slack: ignoring a request from a workspace where refbot is not installed", "team", team, "what", what)
		return false
	}
	a.log.ErrorContext(ctx, "slack: cannot answer; the workspace's installation could not be loaded", "team", team, "what", what, "err", err)
	return true
}

// notInstalledText answers a slash command from a workspace with no
// installation.
func (a *Adapter) notInstalledText() string {
	t := "refbot is not installed in this workspace (any more)."
	if a.cfg.OAuth != nil {
		t += " A workspace admin can add it again at " + a.cfg.OAuth.PublicURL + InstallPath
	}
	return t
}

// command answers a slash command: /define TERM, /refbot SUBCOMMAND …, or
// any other name the app was given (the core then lists what it knows).
// The reply is the response body, ephemeral unless the core says public;
// send is false when the answer is a form, opened as a modal instead,
// and the command is acknowledged with an empty body.
func (a *Adapter) command(ctx context.Context, sc slack.SlashCommand) (msg message, send bool) {
	ws, err := a.workspace(ctx, sc.TeamID)
	if err != nil {
		text := a.notInstalledText()
		if a.unserved(ctx, sc.TeamID, "slash command", err) {
			text = "refbot could not load this workspace's settings. Please try again in a minute."
		}
		return message{ResponseType: slack.ResponseTypeEphemeral, Text: text}, true
	}
	reply := a.handle(ctx, ws, bot.Request{
		Team:    sc.TeamID,
		Channel: sc.ChannelID,
		User:    sc.UserID,
		Kind:    bot.Command,
		Command: strings.ToLower(strings.TrimPrefix(sc.Command, "/")),
		Text:    unescapeSlack(sc.Text),
	})
	if reply.Form != nil {
		if a.openForm(ctx, ws, sc.TriggerID, sc.ChannelID, reply.Form) {
			return message{}, false
		}
		reply = bot.Reply{Notice: formTrouble}
	}
	if reply.Prompt != nil && reply.Visibility == bot.Public && sc.ChannelID != "" {
		return a.publicPrompt(ws, sc.ChannelID, sc.ResponseURL, reply), true
	}
	return render(reply, renderOptions{controls: reply.Visibility == bot.Ephemeral}), true
}

// formTrouble answers when a form cannot be opened.
const formTrouble = "refbot could not open the form just now. Try again in a moment."

// interaction answers a button, a menu choice or a menu search and
// returns the ack payload (nil for an empty 200). Buttons are answered
// through the response_url afterwards, as Slack ignores a body for them.
func (a *Adapter) interaction(ctx context.Context, ic slack.InteractionCallback) any {
	if ic.Type == slack.InteractionTypeBlockSuggestion {
		return a.suggest(ctx, ic.Team.ID, ic.Channel.ID, ic.User.ID, ic.ActionID, ic.Value)
	}
	ws, err := a.workspace(ctx, ic.Team.ID)
	if err != nil {
		a.unserved(ctx, ic.Team.ID, "interaction", err)
		return nil
	}
	switch ic.Type {
	case slack.InteractionTypeBlockActions:
		for _, act := range ic.ActionCallback.BlockActions {
			a.action(ctx, ws, ic, act)
		}
		return nil
	case slack.InteractionTypeViewSubmission:
		return a.viewSubmission(ctx, ws, ic)
	}
	a.log.DebugContext(ctx, "slack: ignoring an interaction", "type", ic.Type)
	return nil
}

// suggest answers the lookup menu's search (a block_suggestion) with
// options: none for another menu, or a workspace refbot cannot serve.
func (a *Adapter) suggest(ctx context.Context, team, channel, user, actionID, value string) optionsResponse {
	ws, err := a.workspace(ctx, team)
	if err != nil {
		a.unserved(ctx, team, "interaction", err)
		return optionsResponse{Options: []*slack.OptionBlockObject{}}
	}
	if actionID != actionLookup {
		return optionsResponse{Options: []*slack.OptionBlockObject{}}
	}
	return options(a.handle(ctx, ws, bot.Request{
		Team: team, Channel: channel, User: user,
		Kind: bot.Complete, Text: value,
	}))
}

// actionRequest maps a button or menu choice to a core action: a
// button's action_id is the core's action (with ":N" to keep ids unique
// in a message) and its value the action's text; the lookup menu opens
// the chosen entry's card.
func actionRequest(act *slack.BlockAction) (name, value string) {
	name, _, _ = strings.Cut(act.ActionID, ":")
	if name == actionLookup {
		return bot.ActionDefine, act.SelectedOption.Value
	}
	return name, act.Value
}

func (a *Adapter) action(ctx context.Context, ws *workspace, ic slack.InteractionCallback, act *slack.BlockAction) {
	name, value := actionRequest(act)
	if name == "" || value == "" {
		a.log.DebugContext(ctx, "slack: ignoring an action", "action_id", act.ActionID)
		return
	}
	url := ic.ResponseURL
	inModal := ic.View.ID != "" && ic.View.Type == slack.VTModal
	if url == "" && !inModal {
		a.log.WarnContext(ctx, "slack: an action came without a response_url; cannot answer", "action_id", act.ActionID)
		return
	}
	channel := ic.Channel.ID
	if inModal {
		channel = decodeMeta(ic.View.PrivateMetadata).Channel
	}
	reply := a.handle(ctx, ws, bot.Request{
		Team: ic.Team.ID, Channel: channel, Thread: ic.Container.ThreadTs, User: ic.User.ID,
		Kind: bot.Action, Command: name, Text: value,
	})
	switch {
	case inModal:
		// A button inside a modal (a review card shown after a form):
		// the answer, or its form, takes the modal's place.
		a.updateModal(ws, ic, reply)
		return
	case reply.Form != nil:
		if a.openForm(ctx, ws, ic.TriggerID, channel, reply.Form) {
			return
		}
		reply = bot.Reply{Notice: formTrouble}
	}
	fromEphemeral := ic.Container.IsEphemeral
	if reply.Visibility == bot.Public {
		// A public answer (Share in channel) goes to the channel. An
		// ephemeral message cannot be edited into a public one: post the
		// answer in the channel, then delete the ephemeral original.
		msg := render(reply, renderOptions{})
		a.enqueue(job{what: "public answer to a button", run: func(ctx context.Context) error {
			if err := a.respond(ctx, url, msg, false); err != nil {
				return err
			}
			if !fromEphemeral {
				return nil
			}
			return a.deleteOriginal(ctx, url)
		}})
		return
	}
	// A card opened from an ephemeral reply replaces it; from a public
	// message it comes as a new message only the clicker sees.
	msg := render(reply, renderOptions{controls: true})
	msg.ResponseType = slack.ResponseTypeEphemeral
	a.enqueue(job{what: "card", run: func(ctx context.Context) error {
		return a.respond(ctx, url, msg, fromEphemeral)
	}})
}

// event handles an Events API callback once per event_id. It reports
// false when refbot could not take the event on (its queue is full, or
// the workspace's installation could not be read), so Slack should
// deliver it again. An event from a workspace where refbot is not
// installed is taken and ignored.
func (a *Adapter) event(ctx context.Context, ev slackevents.EventsAPIEvent) bool {
	cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok {
		return true
	}
	if !a.events.Add(cb.EventID) {
		a.log.DebugContext(ctx, "slack: event already handled", "event_id", cb.EventID)
		return true
	}
	taken := a.dispatch(ctx, cb.TeamID, ev.InnerEvent)
	if !taken {
		a.events.Forget(cb.EventID)
	}
	return taken
}

// dispatch hands an event to its handler with team's workspace.
func (a *Adapter) dispatch(ctx context.Context, team string, inner slackevents.EventsAPIInnerEvent) bool {
	switch e := inner.Data.(type) {
	case *slackevents.AppUninstalledEvent:
		a.uninstalled(ctx, team)
		return true
	case *slackevents.TokensRevokedEvent:
		a.tokensRevoked(ctx, team, e.Tokens.Bot)
		return true
	case *slackevents.AppMentionEvent, *slackevents.MessageEvent, *slackevents.ReactionAddedEvent:
	default:
		a.log.DebugContext(ctx, "slack: ignoring an event", "type", inner.Type)
		return true
	}
	ws, err := a.workspace(ctx, team)
	if err != nil {
		return !a.unserved(ctx, team, "event "+inner.Type, err)
	}
	switch e := inner.Data.(type) {
	case *slackevents.AppMentionEvent:
		return a.mention(ctx, ws, e)
	case *slackevents.MessageEvent:
		return a.message(ctx, ws, e)
	case *slackevents.ReactionAddedEvent:
		return a.reactionClick(ctx, ws, e)
	}
	return true
}

// uninstalled handles app_uninstalled: the workspace's tokens are deleted
// at once (OAuth mode); with one bot token, that token no longer works.
func (a *Adapter) uninstalled(ctx context.Context, team string) {
	if a.installs == nil {
		a.log.WarnContext(ctx, "slack: refbot was uninstalled from the workspace; its bot token no longer works", "team", team)
		return
	}
	a.installs.remove(ctx, team, "app_uninstalled")
}

// tokensRevoked handles tokens_revoked: when refbot's bot token is among
// them, the installation goes (OAuth mode).
func (a *Adapter) tokensRevoked(ctx context.Context, team string, botUsers []string) {
	if a.installs == nil {
		if self := a.self.Load(); self != nil && slices.Contains(botUsers, self.userID) {
			a.log.WarnContext(ctx, "slack: the bot token was revoked; reinstall the app and set the new SLACK_BOT_TOKEN", "team", team)
		}
		return
	}
	a.installs.revoked(ctx, team, botUsers)
}

// ignore is true for what refbot must never answer: bots (itself
// included) and anything without a user.
func (ws *workspace) ignore(user, botID string) bool {
	if botID != "" || user == "" {
		return true
	}
	return ws.self != nil && user == ws.self.userID
}

// mention answers "@refbot define TERM" in the thread it was asked in,
// the mention anywhere in the message and the command in words or as a
// question ("hey @refbot what is ELK?", see bot.ParseMention); a mention
// without one gets short help, seen only by its author.
func (a *Adapter) mention(ctx context.Context, ws *workspace, e *slackevents.AppMentionEvent) bool {
	if e.Edited != nil || ws.ignore(e.User, e.BotID) {
		return true
	}
	team := ws.team
	thread := e.ThreadTimeStamp
	if thread == "" {
		thread = e.TimeStamp
	}
	after, whole := ws.mentionText(e.Text)
	name, rest, ok := a.bot.ParseMention(after)
	if !ok {
		// "what is ELK, @refbot?": the words came before the mention.
		name, rest, ok = a.bot.ParseMention(whole)
	}
	var reply bot.Reply
	if ok {
		reply = a.handle(ctx, ws, bot.Request{
			Team: team, Channel: e.Channel, Thread: thread, User: e.User,
			Kind: bot.Command, Command: name, Text: rest,
		})
		if reply.Form != nil {
			// Slack opens a modal only on a slash command's or a button's
			// trigger, which a mention has not.
			reply = bot.Reply{Notice: fmt.Sprintf("Forms open from the slash command: type %s %s in a channel.", invocation(name), rest)}
		}
	} else {
		reply = a.shortHelp()
	}
	msg := render(reply, renderOptions{})
	if reply.Card == nil && len(reply.Suggestions) == 0 {
		// Help, usage and "not found" concern only the asker: keep them
		// out of the thread.
		user := e.User
		return a.enqueue(job{what: "thread notice", run: func(ctx context.Context) error {
			return ws.postEphemeral(ctx, e.Channel, thread, user, msg)
		}})
	}
	return a.enqueue(job{what: "thread reply", run: func(ctx context.Context) error {
		return ws.post(ctx, e.Channel, thread, msg)
	}})
}

// message passes an ordinary chat line, its markup blanked, to the core
// (for auto-linking) and queues its answer: a digest in the line's
// thread, or a reaction. Bots, refbot itself, edits, deletions and other
// subtypes are ignored (autolinkable).
func (a *Adapter) message(ctx context.Context, ws *workspace, e *slackevents.MessageEvent) bool {
	if !ws.autolinkable(e) {
		return true
	}
	reply := a.handle(ctx, ws, bot.Request{
		Team: ws.team, Channel: e.Channel, Thread: e.ThreadTimeStamp, User: e.User,
		Kind: bot.Message, Text: blankMarkup(e.Text),
	})
	return a.autolinkReply(ws, e, reply)
}

// mentionText takes every mention out of an app_mention's text: refbot's
// own wherever it is, other people's, user groups, @here and the like.
// after is the text that follows refbot's first mention, whole the whole
// text; both are unescaped plain text. Until refbot knows its own user id,
// the first user mention is taken as its own.
func (ws *workspace) mentionText(text string) (after, whole string) {
	var self string
	if ws.self != nil {
		self = ws.self.userID
	}
	var b strings.Builder
	start := -1 // where after begins in b
	for {
		i := strings.IndexByte(text, '<')
		if i < 0 {
			break
		}
		end := strings.IndexByte(text[i:], '>')
		if end < 0 {
			break
		}
		tok := text[i+1 : i+end]
		if !strings.HasPrefix(tok, "@") && !strings.HasPrefix(tok, "!") {
			b.WriteString(text[:i+end+1]) // a link or a channel: keep it
			text = text[i+end+1:]
			continue
		}
		b.WriteString(text[:i])
		b.WriteByte(' ')
		text = text[i+end+1:]
		id, _, _ := strings.Cut(strings.TrimPrefix(tok, "@"), "|")
		if start < 0 && strings.HasPrefix(tok, "@") && (self == "" || id == self) {
			start = b.Len()
		}
	}
	b.WriteString(text)
	whole = b.String()
	if start >= 0 {
		after = whole[start:]
	}
	return strings.TrimSpace(unescapeSlack(after)), strings.TrimSpace(unescapeSlack(whole))
}

// shortHelp answers a mention that names no command.
func (a *Adapter) shortHelp() bot.Reply {
	var cmds []string
	for _, c := range a.bot.Commands() {
		cmds = append(cmds, c.Usage(mentioned))
	}
	return bot.Reply{
		Visibility: bot.Public,
		Notice: fmt.Sprintf("Mention me with a command or a question, for example: @refbot define mesa optimisation, or @refbot what is ELK?\nCommands: %s",
			strings.Join(cmds, " · ")),
	}
}

// post sends a message to a channel's thread through chat.postMessage.
func (ws *workspace) post(ctx context.Context, channel, thread string, msg message) error {
	_, _, err := ws.api.PostMessageContext(ctx, channel,
		slack.MsgOptionText(msg.Text, false),
		slack.MsgOptionBlocks(msg.Blocks...),
		slack.MsgOptionTS(thread),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	)
	if err != nil {
		return fmt.Errorf("chat.postMessage: %w", err)
	}
	return nil
}

// postEphemeral shows msg to one user in a channel's thread
// (chat.postEphemeral).
func (ws *workspace) postEphemeral(ctx context.Context, channel, thread, user string, msg message) error {
	_, err := ws.api.PostEphemeralContext(ctx, channel, user,
		slack.MsgOptionText(msg.Text, false),
		slack.MsgOptionBlocks(msg.Blocks...),
		slack.MsgOptionTS(thread),
	)
	if err != nil {
		return fmt.Errorf("chat.postEphemeral: %w", err)
	}
	return nil
}

// respond posts msg to a response_url, replacing the message the button
// was on when replace is set. A response_url needs no token.
func (a *Adapter) respond(ctx context.Context, url string, msg message, replace bool) error {
	opts := []slack.MsgOption{
		slack.MsgOptionResponseURL(url, msg.ResponseType),
		slack.MsgOptionText(msg.Text, false),
		slack.MsgOptionBlocks(msg.Blocks...),
	}
	if replace {
		opts = append(opts, slack.MsgOptionReplaceOriginal(url))
	}
	if _, _, err := a.api.PostMessageContext(ctx, "", opts...); err != nil {
		return fmt.Errorf("response_url: %w", err)
	}
	return nil
}

func (a *Adapter) deleteOriginal(ctx context.Context, url string) error {
	if _, _, err := a.api.PostMessageContext(ctx, "", slack.MsgOptionDeleteOriginal(url)); err != nil {
		return fmt.Errorf("response_url delete_original: %w", err)
	}
	return nil
}
