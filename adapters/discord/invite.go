package discord

import (
	"net/url"
	"strconv"
)

// Permissions refbot asks for when invited. Slash commands and their
// replies (including "Share in channel") are interaction responses, which
// need no channel permission; these are for the messages refbot posts as
// itself.
const (
	// PermViewChannel lets refbot see the channels it posts in.
	PermViewChannel int64 = 1 << 10
	// PermSendMessages lets refbot post shared cards and reading prompts.
	PermSendMessages int64 = 1 << 11
	// PermEmbedLinks lets those posts carry cards (embeds); without it
	// Discord drops the embed.
	PermEmbedLinks int64 = 1 << 14
	// PermAddReactions lets the quiet auto-link style add its 📖
	// reaction; only needed with auto-linking.
	PermAddReactions int64 = 1 << 6
	// PermReadMessageHistory lets auto-link replies point at the message
	// they answer; only needed with auto-linking.
	PermReadMessageHistory int64 = 1 << 16
	// PermSendMessagesInThreads lets refbot post in threads, where study
	// groups often discuss a reading.
	PermSendMessagesInThreads int64 = 1 << 38
	// PermCreatePublicThreads lets refbot open a discussion thread on each
	// scheduled reading prompt; without it the prompt is a plain message.
	PermCreatePublicThreads int64 = 1 << 35
)

// Features are the optional features that change what refbot needs.
type Features struct {
	// AutoLink answers chat messages that mention glossary terms.
	AutoLink bool
	// Reading posts reading prompts on a schedule: it opens a thread on
	// each and, after a crash, reads the channel's recent messages to see
	// whether a prompt already went out.
	Reading bool
}

// Permissions returns the permission integer for an invite: exactly what
// the enabled features need.
func Permissions(f Features) int64 {
	p := PermViewChannel | PermSendMessages | PermSendMessagesInThreads | PermEmbedLinks
	if f.AutoLink {
		p |= PermReadMessageHistory | PermAddReactions
	}
	if f.Reading {
		p |= PermCreatePublicThreads | PermReadMessageHistory
	}
	return p
}

// InviteURL is the OAuth2 URL a server admin opens to add the bot: the
// bot and applications.commands scopes (the second lets refbot register
// slash commands) and the permissions for f.
func InviteURL(applicationID string, f Features) string {
	q := url.Values{}
	q.Set("client_id", applicationID)
	q.Set("scope", "bot applications.commands")
	q.Set("permissions", strconv.FormatInt(Permissions(f), 10))
	return "https://discord.com/oauth2/authorize?" + q.Encode()
}
