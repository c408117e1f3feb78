// Package discord is refbot's Discord adapter. Interactions arrive over
// the gateway (a discordgo Session) or at the HTTP interactions endpoint
// (POST /discord/interactions); both hand the interaction to the same
// code, which maps it to bot.Requests and the bot.Reply back to an
// interaction response: embeds, buttons and autocomplete choices within
// every Discord limit, never able to ping anyone.
package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"refbot/adapters/platform"
	"refbot/bot"
)

// Name is the platform's name: bot.Request.Platform of Discord requests,
// its section of the configuration file.
const Name = "discord"

// Config holds the adapter's settings, validated: Section.Compile builds
// them from the configuration file and the environment.
type Config struct {
	// Token is the bot token, with or without the "Bot " prefix.
	Token string
	// ApplicationID is the application (client) id.
	ApplicationID string
	// PublicKey verifies the HTTP interactions endpoint's requests; nil
	// when only the gateway is used, and then the endpoint refuses all.
	PublicKey ed25519.PublicKey
	// RegisterCommands overwrites the application's commands with the
	// command table at start.
	RegisterCommands bool
	// GuildIDs registers commands in these servers only (instant)
	// instead of globally.
	GuildIDs []string
	// ShardID and ShardCount select this process's gateway shard.
	ShardID, ShardCount int
	// MessageContent requests the privileged message-content intent; only
	// features that read chat (auto-linking) need it.
	MessageContent bool
	// Client makes the REST calls; nil uses one with a 20 s timeout.
	// Tests pass a client whose transport reaches a local fake.
	Client *http.Client
	// MaxRateLimitWait bounds how long one REST call waits out 429s in
	// total; zero means 30 s.
	MaxRateLimitWait time.Duration
	// Gateway tunes the gateway connection; the zero value suits Discord.
	Gateway GatewayOptions
	// Observer counts reconnects and duplicate interactions; nil counts
	// nothing.
	Observer platform.Observer
}

// Adapter serves one Discord application.
type Adapter struct {
	bot *bot.Bot
	log *slog.Logger
	cfg Config
	s   *discordgo.Session
	// self is refbot's user id (a string), learned from READY.
	self atomic.Value
	// interactions are the ids of gateway interactions already answered.
	interactions *platform.Seen
	// rejections counts interactions refused before verification; Start
	// shares refbot's, which it exports as a metric.
	rejections *platform.Rejections
}

const (
	// interactionMemory is how long an interaction id is remembered: its
	// token, and so any redelivery, lasts 15 minutes.
	interactionMemory = 15 * time.Minute
	// maxInteractionIDs bounds that memory.
	maxInteractionIDs = 50_000
)

// New returns an adapter for b on a validated configuration
// (Section.Compile). It makes no network calls.
func New(b *bot.Bot, cfg Config, log *slog.Logger) (*Adapter, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.ShardCount < 1 {
		cfg.ShardCount = 1
	}
	if cfg.MaxRateLimitWait <= 0 {
		cfg.MaxRateLimitWait = 30 * time.Second
	}
	token := strings.TrimSpace(cfg.Token)
	if token != "" && !strings.HasPrefix(token, "Bot ") {
		token = "Bot " + token
	}
	s, err := discordgo.New(token)
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	if cfg.Client != nil {
		s.Client = cfg.Client
	}
	// 429s are waited out by rest(), with a bound; discordgo would retry
	// them forever.
	s.ShouldRetryOnRateLimit = false
	// The gateway connection is refbot's own (conn.go); the Session only
	// makes REST calls, so it never opens a websocket.
	s.ShouldReconnectOnError = false
	s.StateEnabled = false
	s.LogLevel = -1 // discordgo logs through the standard logger; we log ourselves
	return &Adapter{bot: b, log: log, cfg: cfg, s: s, interactions: platform.NewSeen(interactionMemory, maxInteractionIDs), rejections: platform.NewRejections(log, 0)}, nil
}

// intents are the gateway intents refbot asks for: none for commands
// (interactions arrive without any), messages and their content only for
// features that read chat.
func intents(messageContent bool) discordgo.Intent {
	if messageContent {
		return discordgo.IntentsGuildMessages | discordgo.IntentMessageContent
	}
	return discordgo.IntentsNone
}

// answer is the one place an interaction becomes a response; both
// transports send what it returns and nothing else, and every message in
// it has passed through safe.
func (a *Adapter) answer(ctx context.Context, i *discordgo.Interaction) (resp *discordgo.InteractionResponse) {
	resp, _ = a.answerEncoded(ctx, i)
	return resp
}

// answerEncoded is answer, with the response's data already encoded as
// JSON when it is a card rendered before (nil otherwise): the HTTP
// endpoint writes those bytes instead of encoding the data again.
func (a *Adapter) answerEncoded(ctx context.Context, i *discordgo.Interaction) (resp *discordgo.InteractionResponse, data []byte) {
	// A bug in this adapter must not take the process down: discordgo
	// runs gateway handlers on bare goroutines, where a panic would end
	// refbot. (The core's own panics are recovered by bot.Answer.)
	defer func() {
		if p := recover(); p != nil {
			resp, data = a.fail(ctx, i, fmt.Errorf("panic: %v", p)), nil
			resp.Data = safe(resp.Data)
		}
	}()
	resp, data = a.respond(ctx, i)
	if resp.Data != nil && resp.Type != discordgo.InteractionResponseModal {
		resp.Data = safe(resp.Data) // a modal is no message: it mentions nobody
	}
	return resp, data
}

// responseBody is what is sent for resp, over HTTP or to the interaction
// callback: resp itself, except for an autocomplete result, which is
// exactly {"type":8,"data":{"choices":[…]}}, [] when nothing matches.
// discordgo's InteractionResponseData would add message fields (tts,
// content, embeds, allowed_mentions) that this response does not have,
// and drop an empty choices list.
func responseBody(resp *discordgo.InteractionResponse) any {
	if resp.Type != discordgo.InteractionApplicationCommandAutocompleteResult {
		return resp
	}
	r := autocompleteResult{Type: resp.Type}
	if resp.Data != nil {
		r.Data.Choices = resp.Data.Choices
	}
	if r.Data.Choices == nil {
		r.Data.Choices = []*discordgo.ApplicationCommandOptionChoice{}
	}
	return r
}

type autocompleteResult struct {
	Type discordgo.InteractionResponseType `json:"type"`
	Data struct {
		Choices []*discordgo.ApplicationCommandOptionChoice `json:"choices"`
	} `json:"data"`
}

// safe sets the empty allowed-mentions list every message refbot sends
// carries: no glossary text or user input can ping @everyone, @here, a
// role or a user. (An empty struct would marshal as "parse":null, which
// Discord reads differently.) Data that has it already is not written
// to: a cached card's data is shared by concurrent requests.
func safe(d *discordgo.InteractionResponseData) *discordgo.InteractionResponseData {
	if m := d.AllowedMentions; m == nil || m.Parse == nil || len(m.Parse) > 0 || len(m.Roles) > 0 || len(m.Users) > 0 || m.RepliedUser {
		d.AllowedMentions = noMentions()
	}
	return d
}

// respond answers i; data is the response's data already encoded, for a
// card rendered before (message).
func (a *Adapter) respond(ctx context.Context, i *discordgo.Interaction) (resp *discordgo.InteractionResponse, data []byte) {
	switch i.Type {
	case discordgo.InteractionPing:
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong}, nil
	case discordgo.InteractionApplicationCommand:
		// Type assertions, not ApplicationCommandData(): those panic on
		// a mismatch.
		data, ok := i.Data.(discordgo.ApplicationCommandInteractionData)
		if !ok || data.Name == "" {
			return a.fail(ctx, i, errors.New("command interaction without command data")), nil
		}
		req := request(i, bot.Command)
		req.Command, req.Text = data.Name, optionText(data.Options)
		return a.message(ctx, req, discordgo.InteractionResponseChannelMessageWithSource)
	case discordgo.InteractionApplicationCommandAutocomplete:
		data, ok := i.Data.(discordgo.ApplicationCommandInteractionData)
		if !ok {
			return a.fail(ctx, i, errors.New("autocomplete interaction without command data")), nil
		}
		req := request(i, bot.Complete)
		req.Command, req.Text = data.Name, focusedText(data.Options)
		reply := a.bot.Answer(ctx, req)
		// The choices for a prefix are made, made safe and encoded once
		// while the core keeps its answer (bot.RenderedChoices): data is
		// then shared and must not be changed.
		c := bot.RenderedChoices(reply, "discord/choices", renderChoices(reply))
		return &discordgo.InteractionResponse{
			Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: c.data,
		}, c.json
	case discordgo.InteractionMessageComponent:
		data, ok := i.Data.(discordgo.MessageComponentInteractionData)
		if !ok {
			return a.fail(ctx, i, errors.New("component interaction without component data")), nil
		}
		action, id, ok := strings.Cut(data.CustomID, ":")
		if !ok || id == "" {
			// A button of an older refbot: a click on an old message,
			// not a fault.
			a.log.InfoContext(ctx, "discord: a button refbot no longer has", "custom_id", data.CustomID)
			return &discordgo.InteractionResponse{
				Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: render(bot.StaleButton(dialect)),
			}, nil
		}
		req := request(i, bot.Action)
		req.Command, req.Text = action, id
		typ := discordgo.InteractionResponseChannelMessageWithSource
		// A "define" button on the asker's own ephemeral card replaces
		// that card instead of piling up messages, as a decision replaces
		// the review card it was made on; on a shared card it answers the
		// clicker privately.
		if replaces(action) && i.Message != nil && i.Message.Flags&discordgo.MessageFlagsEphemeral != 0 {
			typ = discordgo.InteractionResponseUpdateMessage
		}
		return a.message(ctx, req, typ)
	case discordgo.InteractionModalSubmit:
		data, ok := i.Data.(discordgo.ModalSubmitInteractionData)
		if !ok {
			return a.fail(ctx, i, errors.New("modal submit without modal data")), nil
		}
		req, err := submission(i, data)
		if err != nil {
			return a.fail(ctx, i, err), nil
		}
		return submitReply(a.bot.Answer(ctx, req)), nil
	}
	return a.fail(ctx, i, fmt.Errorf("unexpected interaction type %d", i.Type)), nil
}

// replaces reports whether a button with action, on refbot's own
// ephemeral message, answers by replacing that message.
func replaces(action string) bool {
	switch action {
	case bot.ActionDefine, bot.ActionReview, bot.ActionApprove:
		return true
	}
	return false
}

// message asks the core (bot.Answer logs and measures failures) and
// renders its reply as a message, or as a modal when it is a form. A
// reply that is one card is rendered, made safe and encoded once per
// glossary version and visibility (bot.Rendered): data is then its JSON,
// and the response's Data is shared and must not be changed.
func (a *Adapter) message(ctx context.Context, req bot.Request, typ discordgo.InteractionResponseType) (*discordgo.InteractionResponse, []byte) {
	reply := a.bot.Answer(ctx, req)
	if reply.Form != nil {
		return a.formReply(ctx, reply.Form), nil
	}
	if !reply.CardOnly() {
		return &discordgo.InteractionResponse{Type: typ, Data: render(reply)}, nil
	}
	variant := "discord/public"
	if reply.Visibility == bot.Ephemeral {
		variant = "discord/ephemeral"
	}
	c := bot.Rendered(reply.Card, variant, func() renderedCard {
		d := safe(render(reply))
		b, err := json.Marshal(d)
		if err != nil {
			b = nil // discordgo's types always encode; if not, per request
		}
		return renderedCard{data: d, json: b}
	})
	return &discordgo.InteractionResponse{Type: typ, Data: c.data}, c.json
}

// renderChoices returns a function making an autocomplete reply's
// response data and its JSON: {"choices":[…]} as responseBody writes it.
func renderChoices(r bot.Reply) func() renderedCard {
	return func() renderedCard {
		d := safe(&discordgo.InteractionResponseData{Choices: choices(r.Suggestions)})
		b, err := json.Marshal(responseBody(&discordgo.InteractionResponse{
			Type: discordgo.InteractionApplicationCommandAutocompleteResult, Data: d,
		}).(autocompleteResult).Data)
		if err != nil {
			b = nil // plain strings always encode; if not, per request
		}
		return renderedCard{data: d, json: b}
	}
}

// renderedCard is a card's (or autocomplete choices') message data and
// its JSON.
type renderedCard struct {
	data *discordgo.InteractionResponseData
	json []byte
}

// somethingWrong is what a user sees when an interaction cannot be
// understood; the detail goes to the log.
const somethingWrong = "Something went wrong: refbot could not understand that request. Try the command again, or /help."

func (a *Adapter) fail(ctx context.Context, i *discordgo.Interaction, err error) *discordgo.InteractionResponse {
	a.log.ErrorContext(ctx, "discord interaction not understood", "interaction", i.ID, "type", int(i.Type), "err", err)
	if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		// Autocomplete can only be answered with choices.
		return &discordgo.InteractionResponse{
			Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{}},
		}
	}
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: somethingWrong, Flags: discordgo.MessageFlagsEphemeral},
	}
}

// dialect is how Discord says what the core writes: every command is a
// slash command of its own, and Manage Channels decides who may change a
// channel's settings.
var dialect = bot.Dialect{Managers: "people with the Manage Channels permission"}

func request(i *discordgo.Interaction, kind bot.Kind) bot.Request {
	req := bot.Request{Platform: Name, Team: i.GuildID, Channel: i.ChannelID, Kind: kind, Dialect: dialect}
	// Member is set in servers, User elsewhere: a DM with refbot
	// (interaction context 1, or no context in older payloads) or, for a
	// user-installed app, a group DM or a DM between other people
	// (context 2). Changing a channel's settings (/autolink on) takes
	// Manage Channels in a server, and means nothing elsewhere: refbot
	// reads no DMs, so the core says so (DM) and nobody may change them.
	// The interaction carries the member's permissions, so answering
	// costs nothing. A moderator (who may review suggestions) has Manage
	// Channels where they ask, and is never one merely by being in a DM.
	manage, moderator := false, false
	switch {
	case i.Member != nil && i.Member.User != nil:
		req.User = i.Member.User.ID
		manage = i.Member.Permissions&(discordgo.PermissionManageChannels|discordgo.PermissionAdministrator) != 0
		moderator = manage
	case i.User != nil:
		req.User = i.User.ID
		req.DM = true
	}
	if i.Context == discordgo.InteractionContextBotDM || i.Context == discordgo.InteractionContextPrivateChannel {
		req.DM, manage, moderator = true, false, false
	}
	req.CanManage = func(context.Context) bool { return manage }
	req.Moderator = func(context.Context) bool { return moderator }
	return req
}

// optionText joins the options' values: refbot's commands take one free
// text argument. A subcommand contributes its name first, so "/refbot
// search x" reaches the core as the umbrella command would.
func optionText(opts []*discordgo.ApplicationCommandInteractionDataOption) string {
	var parts []string
	for _, o := range opts {
		if o == nil {
			continue
		}
		switch o.Type {
		case discordgo.ApplicationCommandOptionSubCommand, discordgo.ApplicationCommandOptionSubCommandGroup:
			parts = append(parts, o.Name)
			if t := optionText(o.Options); t != "" {
				parts = append(parts, t)
			}
		default:
			if v := valueText(o.Value); v != "" {
				parts = append(parts, v)
			}
		}
	}
	return strings.Join(parts, " ")
}

// focusedText is the text of the option being typed.
func focusedText(opts []*discordgo.ApplicationCommandInteractionDataOption) string {
	for _, o := range opts {
		if o == nil {
			continue
		}
		if o.Focused {
			return valueText(o.Value)
		}
		if t := focusedText(o.Options); t != "" {
			return t
		}
	}
	return ""
}

func valueText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return ""
	case float64, bool:
		return fmt.Sprint(v)
	}
	return ""
}
