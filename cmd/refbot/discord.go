package main

import (
	"context"
	"errors"
	"io"
)

// newDiscord builds the Discord adapter (adapters/discord).
func newDiscord(cfg DiscordConfig, d deps) (platform, error) {
	return nil, errors.New("the Discord adapter is not built yet")
}

// runDiscordCommand runs "refbot discord ..." (the invite URL).
func runDiscordCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return exitError{code: 2, msg: "the Discord adapter is not built yet"}
}
