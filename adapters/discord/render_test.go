package discord

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"refbot/bot"
)

func TestGolden(t *testing.T) {
	a := newAdapter(t, nil, nil)
	tests := []struct {
		file string
		body []byte
	}{
		{"card.json", interaction(2, commandData("define", stringOpt("term", "mesa-optimization", false)))},
		{"suggestions.json", interaction(2, commandData("define", stringOpt("term", "alignment", false)))},
		{"autocomplete.json", interaction(4, commandData("define", stringOpt("term", "reward", true)))},
		{"search.json", interaction(2, commandData("search", stringOpt("query", "interpretability", false)))},
		{"help.json", interaction(2, commandData("help"))},
		{"share.json", buttonInteraction("share:goodharts-law", true)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			code, body := serve(t, a, signed(tt.body, time.Now()))
			if code != 200 {
				t.Fatalf("status %d", code)
			}
			golden(t, tt.file, body)
		})
	}
}

// hostile strings a user or a glossary file could contain.
var hostile = []string{
	"@everyone",
	"@here",
	"@everyone @here please read",
	"<@&123456789012345678>",
	"<@123456789012345678>",
	"<@!123456789012345678>",
	"<#123456789012345678>",
	"<@&123> @everyone <@456>",
	"**bold** __underline__ *it* _it_ ~~strike~~",
	"```code block``` `inline`",
	"||spoiler|| > quote\n>>> block quote",
	"# Heading\n## Sub\n- list\n-# subtext",
	"[free nitro](https://evil.example/phish)",
	"[x](<https://evil.example>)",
	"\\@everyone \\<@123>",
	"@\u200beveryone",
	"＠everyone", // fullwidth at sign
	strings.Repeat("a", 4000),
	strings.Repeat("word ", 800),
	strings.Repeat("👩‍👩‍👧‍👦", 600),
	strings.Repeat("🇺🇳", 1200),
	strings.Repeat("e\u0301", 2500),
	strings.Repeat("Z̷̢̛̩͇̼̞̭͓̪͇̦̻̣̮͙͋̆̐͌͒͐̒̀̌͛͘͝", 150),
	"bell\a null\x00 esc\x1b[31m del\x7f",
	"line\nbreak\r\ncarriage\ttab",
	"\u202eevil\u202c reversed \u2066isolate\u2069 \u200f",
	"\ufeffbom \u200bzero\u200cwidth\u200d",
	"invalid \xff\xfe utf8 \xc3",
	"",
	"   ",
	"<script>alert(1)</script>",
	"https://example.com/a_(b)_c",
	"javascript:alert(1)",
	"\\",
	strings.Repeat("\\", 3000),
	strings.Repeat("*", 3000),
	"😀" + strings.Repeat("x", 98) + "😀",
}

func hostileCard(s string) *bot.Card {
	sug := bot.Suggestion{ID: "x-" + strings.Repeat("y", len(s)%200), Title: s, Name: s, Line: s}
	c := &bot.Card{ID: "hostile", Title: s, Summary: s, Aliases: []string{s, s, s}, Tags: []string{s}}
	for range 10 {
		c.KeyPoints = append(c.KeyPoints, s)
		c.SeeAlso = append(c.SeeAlso, sug)
		c.Sources = append(c.Sources, bot.Source{Title: s, URL: "https://example.org/" + strings.Repeat("p", len(s)%3000), Authors: s, Year: 2024})
	}
	c.Sources = append(c.Sources, bot.Source{Title: s, URL: s})
	return c
}

func TestHostileInput(t *testing.T) {
	if len(hostile) < 30 {
		t.Fatalf("only %d hostile strings", len(hostile))
	}
	a := newAdapter(t, nil, nil)
	for _, s := range hostile {
		name := s
		if len(name) > 24 {
			name = name[:24]
		}
		t.Run(name, func(t *testing.T) {
			sugs := make([]bot.Suggestion, 40)
			for i := range sugs {
				sugs[i] = bot.Suggestion{ID: "id-" + strings.Repeat("i", i*5), Title: s, Name: s, Line: s}
			}
			links := []bot.Link{{ID: "l", Title: s, URL: s, Line: s}, {ID: "m", Title: s, URL: "https://example.com/" + s, Line: s}}
			replies := []bot.Reply{
				{Card: hostileCard(s), Notice: s},
				{Card: hostileCard(s), Visibility: bot.Public},
				{Notice: s, Suggestions: sugs, ListKind: bot.DidYouMean},
				{Notice: s, Suggestions: sugs, ListKind: bot.Results},
				{Notice: s, Help: []bot.CommandInfo{{Name: "define", Description: s, Examples: []string{s}, Args: []bot.Arg{{Name: "term", Description: s}}}}},
				{Notice: s, Links: links},
				{Prompt: &bot.Prompt{Title: s, Summary: s, Readings: hostileCard(s).Sources, Questions: []string{s, s, s, s, s}, Terms: sugs,
					Links: []bot.Link{{ID: s, Title: s, URL: s, Line: s}, {ID: "x", Title: s, URL: "https://example.org/?q=" + s}}}},
				{Notice: s},
			}
			for _, r := range replies {
				raw := mustJSON(t, safe(render(r)))
				var d messageData
				json.Unmarshal(raw, &d)
				checkMessage(t, &d, raw)
			}
			raw := mustJSON(t, safe(render(bot.Reply{})))
			var d messageData
			json.Unmarshal(raw, &d)
			checkMessage(t, &d, raw)
			// Autocomplete choices from hostile names.
			raw = mustJSON(t, safe(&discordgo.InteractionResponseData{Choices: choices(sugs)}))
			json.Unmarshal(raw, &d)
			checkMessage(t, &d, raw)
			// And as typed input through the real handler.
			for _, body := range [][]byte{
				interaction(2, commandData("define", stringOpt("term", s, false))),
				interaction(2, commandData("search", stringOpt("query", s, false))),
				interaction(4, commandData("define", stringOpt("term", s, true))),
				buttonInteraction("define:"+s, true),
			} {
				code, resp := serve(t, a, signed(body, time.Now()))
				if code != 200 {
					t.Errorf("status %d: %s", code, resp)
				}
			}
		})
	}
}

func TestCommandsFromTable(t *testing.T) {
	b := newBot(t)
	cmds := Commands(b.Commands())
	if len(cmds) != len(b.Commands()) {
		t.Fatalf("%d commands, want %d", len(cmds), len(b.Commands()))
	}
	for _, c := range cmds {
		if l := utf8.RuneCountInString(c.Name); l < 1 || l > 32 || strings.ToLower(c.Name) != c.Name {
			t.Errorf("command name %q is not 1–32 lower-case characters", c.Name)
		}
		if l := utf8.RuneCountInString(c.Description); l < 1 || l > 100 {
			t.Errorf("/%s description is %d characters", c.Name, l)
		}
		if len(c.Options) > 25 {
			t.Errorf("/%s has %d options", c.Name, len(c.Options))
		}
		optional := false
		for _, o := range c.Options {
			if optional && o.Required {
				t.Errorf("/%s: required option %s after an optional one", c.Name, o.Name)
			}
			optional = optional || !o.Required
		}
	}
	golden(t, "commands.json", mustJSON(t, cmds))
}

func TestDefaultGlossaryWithinLimits(t *testing.T) {
	b := newBot(t)
	ctx := context.Background()
	n := 0
	for _, e := range b.Glossary().Entries() {
		for _, req := range []bot.Request{
			{Kind: bot.Action, Command: "define", Text: e.ID},
			{Kind: bot.Action, Command: "share", Text: e.ID},
			{Kind: bot.Command, Command: "related", Text: e.ID},
			{Kind: bot.Complete, Text: e.Title[:min(3, len(e.Title))]},
		} {
			reply, err := b.Handle(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			raw := mustJSON(t, safe(render(reply)))
			var d messageData
			json.Unmarshal(raw, &d)
			checkMessage(t, &d, raw)
			if req.Command == "define" && (len(d.Embeds) != 1 || d.Embeds[0].URL == "" || len(d.Embeds[0].Fields) < 2) {
				t.Errorf("%s: card lacks a linked title or fields: %s", e.ID, raw)
			}
			n++
		}
	}
	if n < 4*70 {
		t.Errorf("rendered only %d replies", n)
	}
}

func TestCut(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 5, "hello"},
		{"hello world", 6, "hello…"},
		{"hello world", 7, "hello…"},
		{"e\u0301e\u0301e\u0301", 3, "e\u0301…"},
		{"👩‍👩‍👧‍👦👩‍👩‍👧‍👦", 12, "👩‍👩‍👧‍👦…"},
		{"👩‍👩‍👧‍👦👩‍👩‍👧‍👦", 11, "…"},
		{"a\\*b", 3, "a…"},
		{"abc", 0, ""},
	}
	for _, tt := range tests {
		if got := cut(tt.in, tt.n); got != tt.want {
			t.Errorf("cut(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Mesa-Optimization", "Mesa-Optimization"},
		{"- list", "\\- list"},
		{"**b**", "\\*\\*b\\*\\*"},
		{"@everyone", "@\u200beveryone"},
		{"<@&1>", "\\<@&1\\>"},
		{"a\u202eb", "ab"},
		{"x\ny", "x\ny"},
	}
	for _, tt := range tests {
		if got := escape(tt.in, true); got != tt.want {
			t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A source URL longer than a link button may hold (512) loses its button,
// not the message, and stays linked in the Sources field (issue 12.4).
func TestLongSourceURL(t *testing.T) {
	long := "https://example.org/" + strings.Repeat("p", 701) // 721 characters
	card := &bot.Card{ID: "x", Title: "X", Summary: "S.", Sources: []bot.Source{
		{Title: "Long", URL: long, Authors: "A. Author", Year: 2024},
		{Title: "Short", URL: "https://example.org/short"},
	}}
	d := render(bot.Reply{Card: card})
	d.AllowedMentions = noMentions()
	raw, err := json.Marshal(discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: d})
	if err != nil {
		t.Fatal(err)
	}
	checkPayload(t, raw)
	var buttons []string
	for _, row := range d.Components {
		for _, c := range row.(discordgo.ActionsRow).Components {
			if b, ok := c.(discordgo.Button); ok && b.URL != "" {
				buttons = append(buttons, b.URL)
			}
		}
	}
	if !slices.Equal(buttons, []string{"https://example.org/short"}) {
		t.Errorf("link buttons %q, want only the short source's", buttons)
	}
	var sources string
	for _, f := range d.Embeds[0].Fields {
		if f.Name == "Sources" {
			sources = f.Value
		}
	}
	if !strings.Contains(sources, "[Long]("+long+")") || !strings.Contains(sources, "[Short](https://example.org/short)") {
		t.Errorf("Sources field %q does not link both sources", sources)
	}
}
