package slack

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// A block_suggestion as Slack sends it from a message's menu, with the
// fields refbot does not read (the message itself, the state, the
// enterprise).
const fullSuggestion = `{"type":"block_suggestion","user":{"id":"U1","username":"ada","name":"ada","team_id":"T1"},` +
	`"container":{"type":"message","message_ts":"1700000000.000100","channel_id":"C1","is_ephemeral":true},` +
	`"api_app_id":"A1","token":"legacy","action_id":"lookup","block_id":"b1","value":"mesa",` +
	`"team":{"id":"T1","domain":"study"},"enterprise":null,"is_enterprise_install":false,` +
	`"channel":{"id":"C1","name":"reading-group"},` +
	`"message":{"type":"message","text":"x","blocks":[{"type":"section","block_id":"s1","text":{"type":"mrkdwn","text":"*Mesa*"}}]},` +
	`"state":{"values":{"b1":{"lookup":{"type":"external_select","selected_option":null}}}}}`

// The lookup menu's search is decoded by blockSuggestion, not slack-go:
// it answers as before for a full payload, gives a menu of another
// action nothing, and refuses a payload slack-go would refuse with 400.
func TestBlockSuggestionDecoded(t *testing.T) {
	e := newEnv(t, ModeHTTP, false)
	tests := []struct {
		name, payload string
		code          int
		want          string // in the body
	}{
		{"full payload", fullSuggestion, 200, "Mesa-Optimization"},
		{"another menu", strings.Replace(fullSuggestion, `"action_id":"lookup"`, `"action_id":"pick"`, 1), 200, `{"options":[]}`},
		{"no team", `{"type":"block_suggestion","action_id":"lookup","value":"mesa"}`, 200, "Mesa-Optimization"},
		{"team not an object", `{"type":"block_suggestion","team":"T1","action_id":"lookup","value":"mesa"}`, 400, "malformed payload"},
		{"value a number", `{"type":"block_suggestion","action_id":"lookup","value":5}`, 400, "malformed payload"},
		{"not JSON", `{"type":"block_suggestion",`, 400, "malformed payload"},
		{"not an object", `["block_suggestion"]`, 400, "malformed payload"},
	}
	for _, tt := range tests {
		w := e.serve(signed(testSecret, formType, interactionForm(tt.payload)))
		if w.Code != tt.code || !strings.Contains(w.Body.String(), tt.want) {
			t.Errorf("%s: %d %s, want %d with %q", tt.name, w.Code, w.Body, tt.code, tt.want)
		}
		var ic slack.InteractionCallback
		if slackGo := json.Unmarshal([]byte(tt.payload), &ic) == nil; slackGo != (tt.code == 200) {
			t.Errorf("%s: slack-go decodes it: %v; refbot answers %d", tt.name, slackGo, w.Code)
		}
	}
}

// FuzzBlockSuggestion: whatever payload slack-go reads as a
// block_suggestion, blockSuggestion reads the same five fields from; and
// what blockSuggestion refuses, slack-go refuses too.
func FuzzBlockSuggestion(f *testing.F) {
	f.Add(fullSuggestion)
	f.Add(suggestionPayload("mes"))
	f.Add(`{"type":"block_suggestion","team":null,"value":"\u00e9\ud83d\ude00"}`)
	f.Add(`{"type":"block_suggestion","team":{"id":5}}`)
	f.Add(`{"type":"block_actions","actions":[]}`)
	f.Fuzz(func(t *testing.T, payload string) {
		var ours blockSuggestion
		oursErr := json.Unmarshal([]byte(payload), &ours)
		var ic slack.InteractionCallback
		theirsErr := json.Unmarshal([]byte(payload), &ic)
		if oursErr != nil {
			if theirsErr == nil {
				t.Fatalf("refbot refuses what slack-go reads (%v): %s", oursErr, payload)
			}
			return
		}
		if theirsErr != nil || ic.Type != slack.InteractionTypeBlockSuggestion {
			return
		}
		if ours.Type != ic.Type || ours.ActionID != ic.ActionID || ours.Value != ic.Value ||
			ours.Team.ID != ic.Team.ID || ours.User.ID != ic.User.ID || ours.Channel.ID != ic.Channel.ID {
			t.Fatalf("read differently:\nrefbot  %+v\nslack-go type %q action %q value %q team %q user %q channel %q",
				ours, ic.Type, ic.ActionID, ic.Value, ic.Team.ID, ic.User.ID, ic.Channel.ID)
		}
	})
}
