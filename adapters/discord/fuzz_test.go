package discord

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"refbot/bot"
)

// FuzzInteraction sends any body, correctly signed, through the real
// handler: whatever Discord (or a bug on its side) sends, the answer is
// 200 or a 4xx, never a panic, and any payload keeps every limit.
func FuzzInteraction(f *testing.F) {
	seeds := [][]byte{
		interaction(1, nil),
		interaction(2, commandData("define", stringOpt("term", "mesa", false))),
		interaction(2, commandData("refbot", map[string]any{"name": "search", "type": 1, "options": []any{stringOpt("query", "x", false)}})),
		interaction(4, commandData("define", stringOpt("term", "rew", true))),
		buttonInteraction("define:inner-alignment", true),
		buttonInteraction("share:corrigibility", false),
		interaction(5, map[string]any{"custom_id": "m"}),
		[]byte(`{"type":2,"data":{"name":"define","options":[{"type":3,"name":"term","value":null}]}}`),
		[]byte(`{"type":3,"data":{"custom_id":123}}`),
		[]byte(`{"type":4,"data":{"options":[{"type":1,"options":[{"focused":true,"value":{}}]}]}}`),
		[]byte(`null`),
		[]byte(`{}`),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	a := newAdapter(f, nil, nil)
	f.Fuzz(func(t *testing.T, body []byte) {
		code, _ := serve(t, a, signed(body, time.Now()))
		if code != 200 && code != 413 {
			t.Fatalf("status %d", code)
		}
	})
}

// FuzzRender renders any text in every place a reply can hold it.
func FuzzRender(f *testing.F) {
	for _, s := range hostile {
		if utf8.ValidString(s) && len(s) < 500 {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		sugs := []bot.Suggestion{{ID: s, Title: s, Name: s, Line: s}}
		for _, r := range []bot.Reply{
			{Card: hostileCard(s), Notice: s},
			{Notice: s, Suggestions: sugs},
			{Notice: s, Help: []bot.CommandInfo{{Name: "x", Description: s, Examples: []string{s}}}},
			{Notice: s, Buttons: []bot.Button{{Label: s, Action: bot.ActionShare, Value: s}, {Label: s, Action: s, Value: "v"}}},
		} {
			raw, err := json.Marshal(safe(render(r)))
			if err != nil {
				t.Fatal(err)
			}
			var d messageData
			if err := json.Unmarshal(raw, &d); err != nil {
				t.Fatal(err)
			}
			checkMessage(t, &d, raw)
		}
		c := choices(sugs)
		for _, ch := range c {
			if n := textLen(ch.Name); n < 1 || n > maxChoiceName {
				t.Fatalf("choice name %d long", n)
			}
		}
	})
}

// FuzzCut checks cut's promises for any text and limit.
func FuzzCut(f *testing.F) {
	f.Add("hello world", 6)
	f.Add("👩‍👩‍👧‍👦e\u0301", 3)
	f.Add("a\\*b", 3)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 5000 {
			return
		}
		got := cut(s, n)
		if textLen(got) > n {
			t.Fatalf("cut(%q, %d) = %q, %d long", s, n, got, textLen(got))
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("cut(%q, %d) = %q is not valid UTF-8", s, n, got)
		}
	})
}

// FuzzModalSubmit decodes any submitted modal — any custom_id, any
// components and values — and answers it through the core: never a panic,
// and the answer is a message within Discord's limits that pings nobody.
func FuzzModalSubmit(f *testing.F) {
	f.Add("suggest:", "title", "Lottery Ticket Hypothesis", "summary", "A network holds a small one.", []byte(nil))
	f.Add("reject:1", "reason", "@everyone", "x", "", []byte(nil))
	f.Add("revise:x", "sources", "Paper — javascript:alert(1)", "title", "<@123>", []byte(nil))
	f.Add("nope", "", "", "", "", []byte(nil))
	f.Add("", "", "", "", "", []byte(`{"custom_id":"suggest:","components":[{"type":1,"components":[{"type":4,"custom_id":"title","value":7}]}]}`))
	f.Add("", "", "", "", "", []byte(`{"custom_id":"suggest:","components":[{"type":18,"component":{"type":4}}]}`))
	f.Add("", "", "", "", "", []byte(`{"custom_id":"suggest:","components":[null,{"type":1,"components":null}]}`))
	a := newAdapter(f, nil, nil)
	a.bot = bot.New(a.bot.Glossary(), bot.Config{CurationStore: bot.NewMemoryCuration(), Curation: bot.CurationConfig{MaxPending: 1 << 30}})
	f.Fuzz(func(t *testing.T, customID, k1, v1, k2, v2 string, raw []byte) {
		data := json.RawMessage(raw)
		if len(raw) > 0 && !json.Valid(raw) {
			return // not JSON: FuzzInteraction sends such bodies whole
		}
		if len(raw) == 0 {
			b, _ := json.Marshal(map[string]any{"custom_id": customID, "components": []any{
				map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": k1, "value": v1}}},
				map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": k2, "value": v2}}},
			}})
			data = b
		}
		body := interaction(5, data)
		code, raw2 := serve(t, a, signed(as(body, member), time.Now()))
		if code != 200 {
			t.Fatalf("status %d: %s", code, raw2)
		}
	})
}

// FuzzGatewayMessages: any sequence of gateway messages (one per line)
// is followed without a panic; the sequence number never goes back, and
// a connection that ends says why with one of the known reasons.
func FuzzGatewayMessages(f *testing.F) {
	hello := `{"op":10,"d":{"heartbeat_interval":41250}}`
	ready := `{"op":0,"t":"READY","s":1,"d":{"session_id":"s1","resume_gateway_url":"wss://resume.example","user":{"id":"9"}}}`
	inter := string(mustJSON(f, map[string]any{"op": 0, "t": "INTERACTION_CREATE", "s": 2, "d": json.RawMessage(interaction(2, commandData("define", stringOpt("term", "mesa", false))))}))
	for _, seed := range []string{
		hello + "\n" + ready + "\n" + inter + "\n" + `{"op":11}`,
		hello + "\n" + ready + "\n" + `{"op":7,"d":null}`,
		hello + "\n" + `{"op":9,"d":true}`,
		hello + "\n" + `{"op":0,"t":"RESUMED","s":5,"d":{}}` + "\n" + `{"op":1,"d":null}`,
		`{"op":0,"t":"READY"}`,
		`{"op":10,"d":{"heartbeat_interval":-1}}`,
		`{"op":10,"d":{"heartbeat_interval":1e300}}`,
		hello + "\n" + `{"op":0,"t":"INTERACTION_CREATE","s":-3,"d":{"id":"","token":""}}`,
		hello + "\n" + `{"op":0,"t":"MESSAGE_CREATE","s":2,"d":null}`,
		"{",
	} {
		f.Add(seed)
	}
	a := newAdapter(f, nil, func(c *Config) { c.MessageContent = true })
	known := map[string]bool{reasonProtocol: true, reasonReconnect: true, reasonInvalid: true}
	f.Fuzz(func(t *testing.T, in string) {
		g := &gateway{a: a, opts: GatewayOptions{}.withDefaults()}
		st := connState{step: "HELLO", acked: true}
		for _, msg := range strings.Split(in, "\n") {
			seq := g.sess.seq
			ef := g.receive(t.Context(), &st, []byte(msg))
			if g.sess.seq < seq {
				t.Fatalf("sequence went back from %d to %d", seq, g.sess.seq)
			}
			if ef.firstBeat < 0 || ef.firstBeat > maxHeartbeat {
				t.Fatalf("first heartbeat after %v", ef.firstBeat)
			}
			if ef.end != nil {
				if !known[ef.end.reason] {
					t.Fatalf("ended with reason %q", ef.end.reason)
				}
				break
			}
		}
		g.handlers.Wait()
	})
}
