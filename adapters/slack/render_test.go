package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"refbot/bot"
	"refbot/glossary"
	"refbot/glossary/data"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got (JSON) with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, got, "", "  "); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", name, err, got)
	}
	buf.WriteByte('\n')
	// Slack reads either form; the files are easier to review unescaped.
	readable := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(buf.String())
	buf.Reset()
	buf.WriteString(readable)
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n got: %s\nwant: %s", name, buf.Bytes(), want)
	}
}

func TestGoldenReplies(t *testing.T) {
	e := newEnv(t, ModeHTTP, true)
	t.Run("card.json", func(t *testing.T) {
		w := e.serve(signed(testSecret, formType, slash("/define", "mesa optimisation", e.hooks.url())))
		if w.Code != 200 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		golden(t, "card.json", w.Body.Bytes())
		if p := checkMessage(decode(t, w.Body.Bytes())); len(p) > 0 {
			t.Error(strings.Join(p, "\n"))
		}
	})
	t.Run("suggestions.json", func(t *testing.T) {
		w := e.serve(signed(testSecret, formType, slash("/define", "alignment", e.hooks.url())))
		golden(t, "suggestions.json", w.Body.Bytes())
		if p := checkMessage(decode(t, w.Body.Bytes())); len(p) > 0 {
			t.Error(strings.Join(p, "\n"))
		}
	})
	t.Run("shared.json", func(t *testing.T) {
		hook := e.hooks.url()
		w := e.serve(signed(testSecret, formType, interactionForm(buttonPayload(bot.ActionShare, "mesa-optimization", hook, true))))
		if w.Code != 200 || w.Body.Len() != 0 {
			t.Fatalf("a button is acknowledged with an empty 200; got %d %q", w.Code, w.Body)
		}
		posted := recv(t, e.hooks.got, "the shared card")
		golden(t, "shared.json", posted.Raw)
		if p := checkMessage(posted.Body); len(p) > 0 {
			t.Error(strings.Join(p, "\n"))
		}
		deleted := recv(t, e.hooks.got, "the ephemeral original's deletion")
		if deleted.Body["delete_original"] != true || deleted.Path != posted.Path {
			t.Errorf("second post to the response_url = %s, want delete_original on the same URL", deleted.Raw)
		}
	})
	t.Run("help.json", func(t *testing.T) {
		w := e.serve(signed(testSecret, formType, slash("/refbot", "help", e.hooks.url())))
		golden(t, "help.json", w.Body.Bytes())
		if p := checkMessage(decode(t, w.Body.Bytes())); len(p) > 0 {
			t.Error(strings.Join(p, "\n"))
		}
	})
}

// hostile are inputs built to break rendering or ping people.
func hostile() []string {
	return []string{
		"<!channel>",
		"<!here>",
		"<!everyone>",
		"<@U024BE7LH>",
		"<@U024BE7LH|bob>",
		"<#C024BE7LR|general>",
		"<!subteam^S012345|@team>",
		"<!date^1392734382^{date}|Feb 18>",
		"&lt;!channel&gt;",
		"&amp;lt;!here&amp;gt;",
		"&#60;!channel&#62;",
		"@here please look",
		"@channel",
		"hey @everyone",
		"@HeRe and @CHANNEL",
		"<https://evil.example|https://good.example>",
		"<javascript:alert(1)|click me>",
		"*bold* _it_ ~strike~ `code` ```block``` > quote",
		strings.Repeat("a", 4000),
		strings.Repeat("&", 4000),
		strings.Repeat("<", 3001),
		strings.Repeat("x", 2998) + "&<>",
		"&amp;" + strings.Repeat("x", 3999),
		strings.Repeat("e\u0301", 2000),
		strings.Repeat("👩‍👩‍👧‍👦", 1000),
		strings.Repeat("🇬🇧", 1500),
		strings.Repeat("Z̸̢̛̪͇̈́̓a̵l̴g̸o", 300),
		"a\x00b\x07c\x1bd\x7fe\u0085f",
		"\u202Eevil\u202C txt.exe",
		"\u2066isolate\u2069 \u200F rtl \u061C",
		"line1\nline2\r\nline3\ttab",
		"\xff\xfe invalid utf8 \xc3\x28",
		"",
		"   ",
		"<<>>&&|||",
		"<mailto:a@b.c|@here>",
	}
}

// hostileReply puts s in every field of a reply, many times over.
func hostileReply(s string) bot.Reply {
	n := func(k int) []string {
		out := make([]string, k)
		for i := range out {
			out[i] = s
		}
		return out
	}
	sug := func(k int) []bot.Suggestion {
		out := make([]bot.Suggestion, k)
		for i := range out {
			out[i] = bot.Suggestion{ID: s + "-id", Title: s, Name: s, Line: s}
		}
		return out
	}
	src := make([]bot.Source, 30)
	for i := range src {
		src[i] = bot.Source{Title: s, URL: "https://example.org/" + s, Authors: s, Year: 2024}
	}
	src = append(src, bot.Source{Title: s, URL: s})
	return bot.Reply{
		Notice:      s,
		Card:        &bot.Card{ID: s, Title: s, Summary: s, KeyPoints: n(40), Sources: src, Aliases: n(60), SeeAlso: sug(70)},
		Suggestions: sug(60),
		Links:       []bot.Link{{ID: s, Title: s, URL: s, Line: s}, {ID: "x", Title: s, URL: "https://example.org/?q=" + s, Line: s}},
		Prompt: &bot.Prompt{Title: s, Summary: s, Readings: src, Questions: n(20), Terms: sug(30),
			Links: []bot.Link{{ID: s, Title: s, URL: s, Line: s}, {ID: "x", Title: s, URL: "https://example.org/?q=" + s, Line: s}}},
		Help:    []bot.CommandInfo{{Name: "define", Description: s, Examples: []string{s}, Args: []bot.Arg{{Name: "term", Required: true}}}},
		Buttons: []bot.Button{{Label: s, Action: bot.ActionShare, Value: s}, {Label: s, Action: s, Value: s + "-id"}},
	}
}

func TestHostileInputStaysInLimits(t *testing.T) {
	inputs := hostile()
	if len(inputs) < 30 {
		t.Fatalf("only %d hostile inputs", len(inputs))
	}
	for _, s := range inputs {
		name := s
		if len(name) > 30 {
			name = name[:30]
		}
		t.Run(name, func(t *testing.T) {
			r := hostileReply(s)
			for _, vis := range []bot.Visibility{bot.Ephemeral, bot.Public} {
				r.Visibility = vis
				for _, controls := range []bool{true, false} {
					if p := checkMessage(render(r, renderOptions{controls: controls})); len(p) > 0 {
						t.Errorf("visibility %d, controls %v:\n%s", vis, controls, strings.Join(p, "\n"))
					}
				}
			}
			// Each part on its own, as the core sends them.
			for _, part := range []bot.Reply{{Notice: s}, {Card: r.Card}, {Suggestions: r.Suggestions}, {Help: r.Help}, {Links: r.Links}, {Prompt: r.Prompt}} {
				if p := checkMessage(render(part, renderOptions{controls: true})); len(p) > 0 {
					t.Errorf("%s", strings.Join(p, "\n"))
				}
			}
			if p := checkMessage(options(bot.Reply{Suggestions: r.Suggestions})); len(p) > 0 {
				t.Errorf("options:\n%s", strings.Join(p, "\n"))
			}
		})
	}
}

// TestHostileInputThroughHandler types every hostile string into /define,
// /refbot search and a mention: whatever is echoed back is inert.
func TestHostileInputThroughHandler(t *testing.T) {
	e := newEnv(t, ModeHTTP, false)
	for i, s := range hostile() {
		// Slack escapes &, < and > in what users type.
		typed := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
		for _, cmd := range [][2]string{{"/define", typed}, {"/refbot", "search " + typed}, {"/refbot", typed}} {
			body := slash(cmd[0], cmd[1], e.hooks.url())
			w := e.serve(signed(testSecret, formType, body))
			if len(body) > maxBody {
				if w.Code != http.StatusUnauthorized {
					t.Errorf("%d: a body of %d bytes got status %d, want 401", i, len(body), w.Code)
				}
				continue
			}
			if w.Code != 200 {
				t.Fatalf("%d %s %.40q: status %d", i, cmd[0], cmd[1], w.Code)
			}
			if p := checkMessage(decode(t, w.Body.Bytes())); len(p) > 0 {
				t.Errorf("%d %s %.40q:\n%s", i, cmd[0], cmd[1], strings.Join(p, "\n"))
			}
		}
		body := eventBody("Ev-hostile-"+string(rune('A'+i)), mentionEvent("<@"+testBotUser+"> define "+typed, "1700000000.0001", ""))
		if w := e.serve(signed(testSecret, jsonType, body)); w.Code != 200 && len(body) <= maxBody {
			t.Fatalf("mention %d: status %d", i, w.Code)
		}
	}
	// The mentions' replies are queued (Run is not running): check them.
	for len(e.a.outbox) > 0 {
		j := <-e.a.outbox
		if err := j.run(context.Background()); err != nil {
			t.Fatal(err)
		}
		posted := recv(t, e.api.posts, "a thread reply")
		var blocks []any
		if err := json.Unmarshal([]byte(posted.Get("blocks")), &blocks); err != nil {
			t.Fatal(err)
		}
		if p := checkMessage(map[string]any{"text": posted.Get("text"), "blocks": blocks}); len(p) > 0 {
			t.Errorf("thread reply:\n%s", strings.Join(p, "\n"))
		}
		if posted.Has("link_names") || posted.Has("parse") {
			t.Errorf("chat.postMessage sent link_names or parse: %v", posted)
		}
	}
}

// TestDefaultGlossaryFits renders every entry of the embedded glossary as
// an ephemeral card, a shared card and a thread reply.
func TestDefaultGlossaryFits(t *testing.T) {
	g, err := glossary.Load(glossary.Layer{Name: "embedded", FS: data.FS()})
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(g, bot.Config{})
	if g.Len() == 0 {
		t.Fatal("empty default glossary")
	}
	for _, e := range g.Entries() {
		id := e.ID
		for _, action := range []string{bot.ActionDefine, bot.ActionShare} {
			r, err := b.Handle(context.Background(), bot.Request{Kind: bot.Action, Command: action, Text: id})
			if err != nil || r.Card == nil {
				t.Fatalf("%s %s: no card (%v)", action, id, err)
			}
			for _, controls := range []bool{true, false} {
				msg := render(r, renderOptions{controls: controls})
				if p := checkMessage(msg); len(p) > 0 {
					t.Errorf("%s (%s):\n%s", id, action, strings.Join(p, "\n"))
				}
				if strings.Contains(msg.Text, ellipsis) && len(r.Card.Summary) < 3000 {
					t.Errorf("%s: fallback text cut although it fits", id)
				}
			}
		}
	}
}

func TestRenderShapes(t *testing.T) {
	g := testGlossary(t)
	b := bot.New(g, bot.Config{})
	ctx := context.Background()
	card, _ := b.Handle(ctx, bot.Request{Kind: bot.Command, Command: "define", Text: "mesa optimisation"})
	tests := []struct {
		name     string
		reply    bot.Reply
		controls bool
		want     []string // block types in order
		respType string
	}{
		{"ephemeral card", card, true, []string{"header", "section", "section", "section", "context", "section", "actions", "actions"}, "ephemeral"},
		{"public card", bot.Reply{Visibility: bot.Public, Card: card.Card}, false, []string{"header", "section", "section", "section", "context", "section", "actions"}, "in_channel"},
		{"notice", bot.Reply{Notice: "Usage: /define TERM"}, false, []string{"section"}, "ephemeral"},
		{"empty", bot.Reply{}, false, nil, "ephemeral"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := render(tt.reply, renderOptions{controls: tt.controls})
			var got []string
			for _, bl := range msg.Blocks {
				got = append(got, string(bl.BlockType()))
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("blocks = %v, want %v", got, tt.want)
			}
			if msg.ResponseType != tt.respType {
				t.Errorf("response_type = %q, want %q", msg.ResponseType, tt.respType)
			}
			if msg.Text == "" {
				t.Error("no fallback text")
			}
		})
	}
}
