package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"refbot/adapters/slack"
	"refbot/bot"
	"refbot/glossary"
)

// newSlack builds the Slack adapter (adapters/slack).
func newSlack(cfg SlackConfig, d deps) (platform, error) {
	return slack.New(d.bot, slack.Config{
		Mode:          cfg.Mode,
		APIURL:        cfg.APIURL,
		BotToken:      cfg.BotToken,
		AppToken:      cfg.AppToken,
		SigningSecret: cfg.SigningSecret,
	}, d.log)
}

const slackUsage = `usage: refbot slack manifest --url https://HOST   (HTTP mode)
       refbot slack manifest --socket              (Socket Mode)

Prints a Slack app manifest (JSON) built from refbot's command table. Paste it
at https://api.slack.com/apps → Create New App → From a manifest.
`

// runSlackCommand runs "refbot slack ..." (the app manifest).
func runSlackCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "manifest" {
		fmt.Fprint(stderr, slackUsage)
		if len(args) == 0 {
			return exitError{code: 2}
		}
		return exitError{code: 2, msg: fmt.Sprintf("unknown slack command %q", args[0])}
	}
	fs := newFlags("slack manifest", stderr)
	url := fs.String("url", "", "refbot's public HTTPS address, e.g. https://refbot.example.org (HTTP mode)")
	socket := fs.Bool("socket", false, "Socket Mode: no public URL needed")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return exitError{code: 2, msg: fmt.Sprintf("unexpected argument %q; usage: refbot slack manifest --url https://HOST [--socket]", strings.Join(fs.Args(), " "))}
	}
	// The command table does not depend on the entries: an empty glossary will do.
	g, err := glossary.New(nil, nil)
	if err != nil {
		return err
	}
	b := bot.New(g, bot.Config{})
	out, err := slack.Manifest(b.Commands(), slack.ManifestOptions{URL: *url, Socket: *socket})
	if err != nil {
		return exitError{code: 2, msg: err.Error()}
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}
