// Command refbot is a reference bot for AI-safety study groups on Slack,
// Discord and the terminal. Run it with no arguments for the console.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // reading.schedules time zones work on machines without a zone database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	var ex exitError
	switch {
	case err == nil:
	case errors.As(err, &ex):
		if ex.msg != "" {
			fmt.Fprintln(os.Stderr, "refbot:", ex.msg)
		}
		os.Exit(ex.code)
	default:
		fmt.Fprintln(os.Stderr, "refbot:", err)
		os.Exit(1)
	}
}

// exitError ends the program with a status and, optionally, a message.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string {
	if e.msg == "" {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.msg
}
