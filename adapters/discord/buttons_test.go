package discord

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"refbot/bot"
)

// A reply's own buttons are drawn from the reply alone, within Discord's
// rows, and a click hands the core back the action and value: here the
// core's share action, clicked over the HTTP endpoint, shares the card.
func TestReplyButtons(t *testing.T) {
	var bs []bot.Button
	for range 30 { // more than five rows of five
		bs = append(bs, bot.Button{Label: "Share", Action: bot.ActionShare, Value: "mesa-optimization"})
	}
	bs = append([]bot.Button{
		{Label: "", Action: bot.ActionShare, Value: "x"},                                // no label: left out
		{Label: "Long value", Action: bot.ActionShare, Value: strings.Repeat("v", 120)}, // over custom_id's 100: left out
	}, bs...)
	d := safe(render(bot.Reply{Notice: "Pick one", Buttons: bs}))
	raw, _ := json.Marshal(d)
	if len(d.Components) != maxRows {
		t.Errorf("%d rows, want the limit %d", len(d.Components), maxRows)
	}
	checkPayload(t, mustJSON(t, map[string]any{"type": 4, "data": json.RawMessage(raw)}))

	a := newAdapter(t, nil, nil)
	code, body := serve(t, a, signed(buttonInteraction(bs[2].Action+":"+bs[2].Value, true), time.Now()))
	r := checkPayload(t, body)
	if code != 200 || r.Type != 4 || r.Data.Flags&64 != 0 || len(r.Data.Embeds) != 1 || !strings.Contains(r.Data.Embeds[0].Title, "Mesa") {
		t.Errorf("clicking the share button: %d %s, want the card in the channel", code, body)
	}
}
