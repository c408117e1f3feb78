package slack

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"refbot/bot"
)

// A reply's own buttons are drawn from the reply alone, and a click hands
// the core back exactly the action and value it asked for: a command
// with a new button needs no change here.
func TestReplyButtons(t *testing.T) {
	r := bot.Reply{Notice: "Pick one", Buttons: []bot.Button{
		{Label: "Reveal the answer", Action: "reveal", Value: "mesa-optimization"},
		{Label: "", Action: "reveal", Value: "x"},                                       // no label: left out
		{Label: "Too long a value", Action: "reveal", Value: strings.Repeat("v", 3000)}, // over Slack's limit: left out
		{Label: "<!here> " + strings.Repeat("long ", 30), Action: bot.ActionShare, Value: "deceptive-alignment"},
	}}
	msg := render(r, renderOptions{})
	if p := checkMessage(msg); len(p) > 0 {
		t.Fatal(strings.Join(p, "\n"))
	}
	var got [][2]string
	for _, bl := range msg.Blocks {
		ab, ok := bl.(*slack.ActionBlock)
		if !ok {
			continue
		}
		for _, el := range ab.Elements.ElementSet {
			bt := el.(*slack.ButtonBlockElement)
			if strings.Contains(bt.Text.Text, "<!here>") {
				t.Errorf("label %q can ping", bt.Text.Text)
			}
			name, value := actionRequest(&slack.BlockAction{ActionID: bt.ActionID, Value: bt.Value})
			got = append(got, [2]string{name, value})
		}
	}
	want := [][2]string{{"reveal", "mesa-optimization"}, {bot.ActionShare, "deceptive-alignment"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("clicks hand back %q, want %q", got, want)
	}
}
