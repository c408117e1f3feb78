package main

import (
	"refbot/adapters/discord"
	"refbot/adapters/platform"
	"refbot/adapters/slack"
)

// platforms lists the chat platforms refbot serves, in the order they
// start. Each is a package under adapters/ implementing platform.Platform:
// adding one is a line here and its section in config.example.yaml.
func platforms() []platform.Platform {
	return []platform.Platform{
		slack.Platform{},
		discord.Platform{},
	}
}
