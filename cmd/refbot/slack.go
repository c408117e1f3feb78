package main

import (
	"context"
	"errors"
	"io"
)

// newSlack builds the Slack adapter (adapters/slack).
func newSlack(cfg SlackConfig, d deps) (platform, error) {
	return nil, errors.New("the Slack adapter is not built yet")
}

// runSlackCommand runs "refbot slack ..." (the app manifest).
func runSlackCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return exitError{code: 2, msg: "the Slack adapter is not built yet"}
}
