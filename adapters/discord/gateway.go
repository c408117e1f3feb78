package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"

	"refbot/bot"
)

// Gateway close codes after which reconnecting cannot help.
var fatalClose = map[int]string{
	4004: "the bot token was refused: reset it in the Developer Portal > Bot > Reset Token and set DISCORD_BOT_TOKEN",
	4010: "discord.shard_id is not valid for discord.shard_count",
	4011: "Discord requires sharding for this many servers: set discord.shard_count (see docs/discord.md, \"Sharding\")",
	4012: "the gateway API version is not supported: upgrade refbot",
	4013: "refbot asked for invalid gateway intents: this is a bug in refbot",
	4014: "the bot asked for the Message Content intent, which is not switched on: turn on Developer Portal > your application > Bot > Privileged Gateway Intents > Message Content Intent, or turn off the feature that needs it (auto-linking)",
}

// Run connects to the gateway and answers interactions until ctx is
// done, reconnecting after a drop (conn.go): it resumes the session where
// Discord allows, and paces attempts that fail or do not last with a
// growing backoff. Commands are registered first when
// Config.RegisterCommands is set. A close code reconnecting cannot fix
// (4014: intent not enabled; 4004: bad token) ends Run with an error that
// says what to change. Run returns once the handlers it started are done.
func (a *Adapter) Run(ctx context.Context) error {
	if err := a.Register(ctx); err != nil {
		return err
	}
	g := &gateway{a: a, opts: a.cfg.Gateway.withDefaults()}
	defer g.handlers.Wait()
	return g.run(ctx)
}

// gatewayInteraction answers one interaction that came over the gateway
// through the interaction callback endpoint, once per interaction id.
func (a *Adapter) gatewayInteraction(ctx context.Context, i *discordgo.Interaction) {
	if i == nil || i.ID == "" || i.Token == "" {
		// Nothing to answer it with: a callback needs both.
		a.log.WarnContext(ctx, "discord: an interaction without an id or token; ignored")
		return
	}
	if !a.interactions.Add(i.ID) {
		// Delivered again (a replay, a duplicate dispatch): Discord
		// would refuse a second answer with 40060.
		a.log.InfoContext(ctx, "discord: interaction delivered again; already answered", "interaction", i.ID)
		a.observeDuplicate("interaction")
		return
	}
	resp := a.answer(ctx, i)
	err := a.rest(ctx, func(...discordgo.RequestOption) error { return a.callback(ctx, i, resp) })
	var re *discordgo.RESTError
	switch {
	case errors.As(err, &re) && re.Message != nil && re.Message.Code == discordgo.ErrCodeInteractionHasAlreadyBeenAcknowledged:
		a.log.WarnContext(ctx, "discord: interaction already answered (delivered twice?)", "interaction", i.ID)
		return
	case err != nil:
		a.log.ErrorContext(ctx, "discord interaction response", "interaction", i.ID, "err", err)
		return
	}
	a.promptThread(ctx, i, resp)
}

// callback posts resp to the interaction's callback endpoint with a plain
// HTTP request through the session's client. discordgo's request path
// takes a rate-limit bucket per URL and never frees one (discordgo issue
// #1333), so every interaction token would leak a bucket; a few shared
// buckets instead make callbacks queue behind each other (16 of them let
// 18 of 200 answers in a burst miss Discord's 3 seconds). Interaction
// callbacks are not under the bot's global rate limit, so each goes out
// at once; a 429 still comes back as a RateLimitError for rest to wait
// out.
func (a *Adapter) callback(ctx context.Context, i *discordgo.Interaction, resp *discordgo.InteractionResponse) error {
	body, err := json.Marshal(responseBody(resp)) // autocomplete: exactly type and choices
	if err != nil {
		return fmt.Errorf("interaction callback: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, discordgo.EndpointInteractionResponse(i.ID, i.Token), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("interaction callback: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", a.s.UserAgent)
	res, err := a.s.Client.Do(req)
	if err != nil {
		// The URL holds the interaction's token: keep it out of the log.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("interaction callback: %w", err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	switch {
	case res.StatusCode < 300:
		return nil
	case res.StatusCode == http.StatusTooManyRequests:
		tmr := &discordgo.TooManyRequests{}
		if json.Unmarshal(data, tmr) != nil || tmr.RetryAfter <= 0 {
			secs, _ := strconv.ParseFloat(res.Header.Get("Retry-After"), 64)
			tmr.RetryAfter = time.Duration(secs * float64(time.Second))
		}
		return &discordgo.RateLimitError{RateLimit: &discordgo.RateLimit{TooManyRequests: tmr, URL: "interaction callback"}}
	}
	re := &discordgo.RESTError{Request: req, Response: res, ResponseBody: data}
	var msg discordgo.APIErrorMessage
	if json.Unmarshal(data, &msg) == nil {
		re.Message = &msg
	}
	return re
}

func (a *Adapter) observeReconnect(reason string) {
	if a.cfg.Observer != nil {
		a.cfg.Observer.ObserveReconnect(Name, reason)
	}
}

func (a *Adapter) observeDuplicate(kind string) {
	if a.cfg.Observer != nil {
		a.cfg.Observer.ObserveDuplicate(Name, kind)
	}
}

// rest runs one REST call, waiting out 429s for at most
// Config.MaxRateLimitWait in total (discordgo alone would retry forever).
func (a *Adapter) rest(ctx context.Context, call func(...discordgo.RequestOption) error) error {
	deadline := time.Now().Add(a.cfg.MaxRateLimitWait)
	for {
		err := call(discordgo.WithContext(ctx))
		var rl *discordgo.RateLimitError
		if !errors.As(err, &rl) {
			return err
		}
		wait := rl.RetryAfter
		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("discord rate limit: asked to wait %v more, beyond the %v bound: %w", wait, a.cfg.MaxRateLimitWait, err)
		}
		a.log.InfoContext(ctx, "discord rate limited; waiting", "wait", wait, "url", rl.URL)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// Register overwrites the application's commands with refbot's command
// table: in each of Config.GuildIDs (instant) or globally (may take a
// while to appear). The overwrite is idempotent, so running it at every
// start is safe. It does nothing unless Config.RegisterCommands is set.
func (a *Adapter) Register(ctx context.Context) error {
	if !a.cfg.RegisterCommands {
		return nil
	}
	cmds := Commands(a.bot.Commands())
	guilds := a.cfg.GuildIDs
	if len(guilds) == 0 {
		guilds = []string{""} // global
	}
	for _, g := range guilds {
		err := a.rest(ctx, func(opts ...discordgo.RequestOption) error {
			_, err := a.s.ApplicationCommandBulkOverwrite(a.cfg.ApplicationID, g, cmds, opts...)
			return err
		})
		where := "globally"
		if g != "" {
			where = "in server " + g
		}
		if err != nil {
			return fmt.Errorf("registering Discord commands %s (check discord.application_id, the bot token, and that the bot was invited with the applications.commands scope): %w", where, err)
		}
		a.log.InfoContext(ctx, "discord commands registered", "where", where, "commands", len(cmds))
	}
	return nil
}

// maxArgLength is the longest argument Discord lets people type, the
// core's own limit.
const maxArgLength = bot.MaxTermLength

// Commands turns the core's command table into Discord slash commands:
// every argument becomes a string option (required ones first, as Discord
// demands), with autocomplete where the table asks for it.
func Commands(table []bot.CommandInfo) []*discordgo.ApplicationCommand {
	out := make([]*discordgo.ApplicationCommand, 0, len(table))
	for _, c := range table {
		cmd := &discordgo.ApplicationCommand{
			Type:        discordgo.ChatApplicationCommand,
			Name:        c.Name,
			Description: plain(c.Description, maxCommandDesc),
			Options:     []*discordgo.ApplicationCommandOption{},
		}
		if cmd.Description == "" {
			cmd.Description = c.Name
		}
		for _, arg := range c.Args {
			desc := plain(arg.Description, maxCommandDesc)
			if desc == "" {
				desc = arg.Name
			}
			opt := &discordgo.ApplicationCommandOption{
				Type:         discordgo.ApplicationCommandOptionString,
				Name:         arg.Name,
				Description:  desc,
				Required:     arg.Required,
				Autocomplete: arg.Complete,
				MaxLength:    maxArgLength,
			}
			// A menu of fixed values (Discord allows 25); autocomplete and
			// choices exclude each other.
			for _, c := range arg.Choices {
				if len(opt.Choices) < maxChoices && !arg.Complete {
					opt.Choices = append(opt.Choices, &discordgo.ApplicationCommandOptionChoice{Name: plain(c, maxChoiceName), Value: c})
				}
			}
			cmd.Options = append(cmd.Options, opt)
		}
		slices.SortStableFunc(cmd.Options, func(x, y *discordgo.ApplicationCommandOption) int {
			switch {
			case x.Required == y.Required:
				return 0
			case x.Required:
				return -1
			}
			return 1
		})
		out = append(out, cmd)
	}
	return out
}
