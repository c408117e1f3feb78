package discord

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

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
// done, reconnecting with backoff after a drop. Commands are registered
// first when Config.RegisterCommands is set. A close code reconnecting
// cannot fix (4014: intent not enabled; 4004: bad token) ends Run with an
// error that says what to change.
func (a *Adapter) Run(ctx context.Context) error {
	if err := a.Register(ctx); err != nil {
		return err
	}
	remove := a.s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		a.gatewayInteraction(ctx, ic.Interaction)
	})
	defer remove()
	removeReady := a.s.AddHandler(func(s *discordgo.Session, r *discordgo.Ready) { a.ready(r) })
	defer removeReady()
	if a.cfg.MessageContent {
		removeMessages := a.s.AddHandler(func(s *discordgo.Session, m *discordgo.MessageCreate) {
			a.gatewayMessage(ctx, m.Message)
		})
		defer removeMessages()
	}
	dropped := make(chan struct{}, 1)
	removeDisconnect := a.s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) {
		select {
		case dropped <- struct{}{}:
		default:
		}
	})
	defer removeDisconnect()

	const maxBackoff = 2 * time.Minute
	backoff := time.Second
	for {
		select { // a drop reported before this connection is stale
		case <-dropped:
		default:
		}
		err := a.s.Open()
		var ce *websocket.CloseError
		switch {
		case err == nil, errors.Is(err, discordgo.ErrWSAlreadyOpen):
			a.log.InfoContext(ctx, "discord gateway connected", "shard", a.cfg.ShardID, "shards", a.cfg.ShardCount)
			backoff = time.Second
			select {
			case <-ctx.Done():
				if err := a.s.Close(); err != nil {
					a.log.WarnContext(ctx, "discord gateway close", "err", err)
				}
				return nil
			case <-dropped:
				a.log.WarnContext(ctx, "discord gateway disconnected; reconnecting")
				continue
			}
		case errors.As(err, &ce) && fatalClose[ce.Code] != "":
			return fmt.Errorf("discord gateway closed with code %d: %s", ce.Code, fatalClose[ce.Code])
		}
		a.log.WarnContext(ctx, "discord gateway connect failed; retrying", "in", backoff, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// gatewayInteraction answers one interaction that came over the gateway
// through the interaction callback endpoint.
func (a *Adapter) gatewayInteraction(ctx context.Context, i *discordgo.Interaction) {
	if i == nil {
		return
	}
	resp := a.answer(ctx, i)
	err := a.rest(ctx, func(opts ...discordgo.RequestOption) error {
		// Session.InteractionRespond would key its rate-limit bucket on
		// the interaction token, and discordgo never frees buckets
		// (discordgo issue #1333): one leaked bucket per interaction. A
		// fixed set of buckets keeps memory flat and callbacks parallel.
		_, err := a.s.RequestWithBucketID(http.MethodPost, discordgo.EndpointInteractionResponse(i.ID, i.Token), payload(resp), callbackBucket(i.ID), opts...)
		return err
	})
	if err != nil {
		a.log.ErrorContext(ctx, "discord interaction response", "interaction", i.ID, "err", err)
		return
	}
	a.promptThread(ctx, i, resp)
}

// callbackBuckets is how many interaction callbacks may be in flight at
// once over the gateway.
const callbackBuckets = 16

func callbackBucket(id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return "interaction-callback-" + strconv.Itoa(int(h.Sum32()%callbackBuckets))
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
