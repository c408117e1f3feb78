package discord_test

import (
	"fmt"

	"refbot/adapters/discord"
)

func ExampleInviteURL() {
	fmt.Println(discord.InviteURL("123456789012345678", discord.Features{}))
	fmt.Println(discord.Permissions(discord.Features{AutoLink: true}))
	// Output:
	// https://discord.com/oauth2/authorize?client_id=123456789012345678&permissions=274877926400&scope=bot+applications.commands
	// 274877991936
}
