package discord

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/bottest"
	"refbot/glossary"
)

const (
	member    = "5000000000000000005"
	moderator = "5100000000000000051"
	review    = "4200000000000000042" // the review channel
)

// curationAdapter is an adapter on the embedded glossary whose core takes
// suggestions, with the curator posting through the fake API.
func curationAdapter(t *testing.T) (*Adapter, *fakeAPI) {
	t.Helper()
	api := newFakeAPI(t)
	a := newAdapter(t, api, nil)
	g := a.bot.Glossary()
	a.bot = bot.New(g, bot.Config{
		CurationStore: bot.NewMemoryCuration(),
		Clock:         bottest.NewClock(time.Date(2026, 12, 2, 14, 5, 0, 0, time.UTC)),
		Curation:      bot.CurationConfig{ReviewChannels: map[string]string{Name: review}},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.bot.RunCuration(ctx, map[string]bot.Poster{Name: a}, time.Hour) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return a, api
}

// as makes body come from user; a moderator has Manage Channels.
func as(body []byte, user string) []byte {
	var m map[string]any
	json.Unmarshal(body, &m)
	perms := "0"
	if user == moderator {
		perms = "16"
	}
	m["member"] = map[string]any{"user": map[string]any{"id": user, "username": "x"}, "permissions": perms}
	b, _ := json.Marshal(m)
	return b
}

// modalSubmit is a MODAL_SUBMIT of the modal customID with values.
func modalSubmit(customID string, values map[string]string) []byte {
	var rows []any
	for _, k := range []string{bot.FieldTitle, bot.FieldAliases, bot.FieldSummary, bot.FieldKeyPoints, bot.FieldSources, bot.FieldReason} {
		if v, ok := values[k]; ok {
			rows = append(rows, map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": k, "value": v}}})
		}
	}
	return interaction(5, map[string]any{"custom_id": customID, "components": rows})
}

type answer struct {
	Type int `json:"type"`
	Data struct {
		CustomID   string `json:"custom_id"`
		Title      string `json:"title"`
		Content    string `json:"content"`
		Flags      int    `json:"flags"`
		Components []struct {
			Components []struct {
				CustomID string `json:"custom_id"`
				Label    string `json:"label"`
				Value    string `json:"value"`
			} `json:"components"`
		} `json:"components"`
		Embeds []struct {
			Title string `json:"title"`
		} `json:"embeds"`
	} `json:"data"`
}

func (r answer) button(t *testing.T, action string) string {
	t.Helper()
	for _, row := range r.Data.Components {
		for _, c := range row.Components {
			if strings.HasPrefix(c.CustomID, action+":") {
				return c.CustomID
			}
		}
	}
	t.Fatalf("no %s button in %+v", action, r.Data.Components)
	return ""
}

func (r answer) field(name string) string {
	for _, row := range r.Data.Components {
		for _, c := range row.Components {
			if c.CustomID == name {
				return c.Value
			}
		}
	}
	return ""
}

func ask(t *testing.T, a *Adapter, body []byte, goldenName string) answer {
	t.Helper()
	code, raw := serve(t, a, signed(body, time.Now()))
	if code != 200 {
		t.Fatalf("status %d: %s", code, raw)
	}
	if goldenName != "" {
		golden(t, goldenName, raw)
	}
	var r answer
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// The whole flow against the fake: a missing term's button opens the
// modal, a submission with problems gets an ephemeral list of them and a
// button that reopens the modal with what was typed, the corrected one is
// taken, the review channel hears of it by number, a moderator reviews
// and approves it, its author hears in a DM, and /define finds it. Then a
// rejection with a reason, and a reviewer's edit.
func TestDiscordCurationFlow(t *testing.T) {
	a, api := curationAdapter(t)

	r := ask(t, a, as(interaction(2, commandData("define", stringOpt("term", "lottery ticket hypothesis", false))), member), "")
	suggest := r.button(t, bot.ActionSuggest)
	r = ask(t, a, as(buttonInteraction(suggest, true), member), "modal-suggest.json")
	if r.Type != 9 || r.field(bot.FieldTitle) != "lottery ticket hypothesis" {
		t.Fatalf("the button answered %+v, want the modal with the term", r)
	}
	form := r.Data.CustomID

	bad := map[string]string{bot.FieldTitle: "lottery ticket hypothesis", bot.FieldSummary: "", bot.FieldSources: "The paper — javascript:alert(1)"}
	r = ask(t, a, as(modalSubmit(form, bad), member), "modal-errors.json")
	if r.Type != 4 || r.Data.Flags != 64 || !strings.Contains(r.Data.Content, "• Summary: is missing or empty") {
		t.Fatalf("a bad submission answered %+v", r)
	}
	r = ask(t, a, as(buttonInteraction(r.button(t, bot.ActionReopen), true), member), "")
	if r.Type != 9 || r.field(bot.FieldSources) != bad[bot.FieldSources] {
		t.Fatalf("reopen answered %+v, want the modal with what was typed", r)
	}
	if r := ask(t, a, as(buttonInteraction("reopen:1", true), "5999999999999999999"), ""); r.Type == 9 {
		t.Errorf("someone else reopened the draft")
	}

	good := map[string]string{
		bot.FieldTitle:     "Lottery Ticket Hypothesis",
		bot.FieldAliases:   "winning tickets",
		bot.FieldSummary:   "The idea that a large trained network holds a small subnetwork which, trained alone from the same start, would do as well.",
		bot.FieldKeyPoints: "Found by pruning and rewinding weights",
		bot.FieldSources:   "The Lottery Ticket Hypothesis — https://arxiv.org/abs/1803.03635\nSee also: inner alignment",
	}
	r = ask(t, a, as(modalSubmit(form, good), member), "thanks.json")
	if !strings.HasPrefix(r.Data.Content, "Thanks!") || len(r.Data.Embeds) != 1 {
		t.Fatalf("a good submission answered %+v", r)
	}
	notice := api.waitCall(t, "/channels/"+review+"/messages")
	if strings.Contains(string(notice.Body), "Lottery") || !strings.Contains(string(notice.Body), "review:1") {
		t.Errorf("review channel notice %s (must name no pending text)", notice.Body)
	}

	if r := ask(t, a, as(interaction(2, commandData("review")), member), ""); !strings.Contains(r.Data.Content, "Only reviewers can review") {
		t.Errorf("a member's /review: %q", r.Data.Content)
	}
	r = ask(t, a, as(interaction(2, commandData("review")), moderator), "review-card.json")
	r = ask(t, a, as(buttonInteraction(r.button(t, bot.ActionApprove), true), moderator), "")
	if r.Type != 7 || !strings.HasPrefix(r.Data.Content, "Approved: Lottery Ticket Hypothesis") {
		t.Fatalf("approve answered %+v", r)
	}
	api.waitCall(t, "/users/@me/channels")
	dm := api.waitCall(t, "/channels/dm-"+member+"/messages")
	if !strings.Contains(string(dm.Body), "was approved") {
		t.Errorf("DM %s", dm.Body)
	}
	r = ask(t, a, as(interaction(2, commandData("define", stringOpt("term", "winning tickets", false))), member), "")
	if len(r.Data.Embeds) != 1 || r.Data.Embeds[0].Title != "Lottery Ticket Hypothesis" {
		t.Fatalf("/define after approval: %+v", r)
	}

	// An edit, rejected with a reason.
	r = ask(t, a, as(interaction(2, commandData("suggest", stringOpt("term", "lottery ticket hypothesis", false))), member), "")
	r = ask(t, a, as(buttonInteraction(r.button(t, bot.ActionSuggestEdit), true), member), "modal-edit.json")
	if r.Type != 9 || r.field(bot.FieldSummary) != good[bot.FieldSummary] {
		t.Fatalf("suggest an edit answered %+v", r)
	}
	edit := map[string]string{}
	for k, v := range good {
		edit[k] = v
	}
	edit[bot.FieldSummary] = "A big network contains a small one that learns as well from the same start."
	ask(t, a, as(modalSubmit(r.Data.CustomID, edit), member), "")
	r = ask(t, a, as(interaction(2, commandData("review")), moderator), "review-card-edit.json")
	r = ask(t, a, as(buttonInteraction(r.button(t, bot.ActionReject), true), moderator), "modal-reject.json")
	r = ask(t, a, as(modalSubmit(r.Data.CustomID, map[string]string{bot.FieldReason: "The current summary says it better."}), moderator), "")
	if !strings.HasPrefix(r.Data.Content, "Rejected suggestion 2") {
		t.Errorf("reject answered %q", r.Data.Content)
	}

	// A reviewer's edit, then approved.
	ask(t, a, as(modalSubmit("suggest:lottery-ticket-hypothesis", edit), member), "")
	r = ask(t, a, as(interaction(2, commandData("review")), moderator), "")
	r = ask(t, a, as(buttonInteraction(r.button(t, bot.ActionRevise), true), moderator), "modal-revise.json")
	edit[bot.FieldKeyPoints] = "Found by pruning and rewinding weights\nNamed by Frankle and Carbin"
	r = ask(t, a, as(modalSubmit(r.Data.CustomID, edit), moderator), "revised.json")
	if !strings.HasPrefix(r.Data.Content, "Saved your edit.") {
		t.Fatalf("revision answered %q", r.Data.Content)
	}
	ask(t, a, as(buttonInteraction(r.button(t, bot.ActionApprove), true), moderator), "")
	r = ask(t, a, as(interaction(2, commandData("define", stringOpt("term", "lottery ticket hypothesis", false))), member), "")
	code, raw := serve(t, a, signed(as(interaction(2, commandData("define", stringOpt("term", "lottery ticket hypothesis", false))), member), time.Now()))
	if code != 200 || !strings.Contains(string(raw), "Named by Frankle and Carbin") {
		t.Errorf("the reviewer's edit is not served: %s", raw)
	}
}

// hostileValues are the hostile strings put in a field; the sources field
// gets each as a title, as a URL and as a related term.
func hostileValues(field, s string) []string {
	if field != bot.FieldSources {
		return []string{s}
	}
	return []string{s + " — https://example.org/x", "Paper — " + s, "Paper — https://example.org/x\nSee also: " + s}
}

// Every field filled with text built to ping people or break markup:
// whatever refbot answers — the problems, the thanks, the review card,
// the approval, the modal reopened with the text, and the card /define
// shows afterwards — keeps Discord's limits and pings nobody (serve checks
// every payload).
func TestDiscordCurationHostileInput(t *testing.T) {
	if testing.Short() {
		t.Skip("hundreds of submissions")
	}
	api := newFakeAPI(t)
	a := newAdapter(t, api, nil)
	// A small glossary: each approval builds the glossary in service again.
	small, err := glossary.New([]glossary.Entry{{ID: "inner-alignment", Title: "Inner Alignment", Summary: "S.", Sources: []glossary.Source{{Title: "T", URL: "https://example.org"}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.bot = bot.New(small, bot.Config{CurationStore: bot.NewMemoryCuration(), Curation: bot.CurationConfig{MaxPending: 1000}})
	fields := []string{bot.FieldTitle, bot.FieldAliases, bot.FieldSummary, bot.FieldKeyPoints, bot.FieldSources}
	accepted, n := 0, 0
	for _, field := range fields {
		for _, h := range hostile {
			for _, v := range hostileValues(field, h) {
				n++
				values := map[string]string{
					bot.FieldTitle:   "Hostile Case " + string(rune('a'+n%26)) + string(rune('a'+n/26%26)),
					bot.FieldSummary: "A summary that is fine on its own.",
					bot.FieldSources: "A paper — https://example.org/paper",
				}
				if r := []rune(v); len(r) > bot.MaxFieldLength()[field]+10 {
					v = string(r[:bot.MaxFieldLength()[field]+10]) // a little over the input's max_length
				}
				values[field] = v
				r := ask(t, a, as(modalSubmit("suggest:", values), member), "")
				if !strings.HasPrefix(r.Data.Content, "Thanks!") {
					if id := r.button(t, bot.ActionReopen); id != "" {
						ask(t, a, as(buttonInteraction(id, true), member), "")
					}
					continue
				}
				accepted++
				card := ask(t, a, as(interaction(2, commandData("review")), moderator), "")
				r = ask(t, a, as(buttonInteraction(card.button(t, bot.ActionApprove), true), moderator), "")
				if !strings.HasPrefix(r.Data.Content, "Approved") {
					t.Fatalf("%s=%.40q: approve: %q", field, v, r.Data.Content)
				}
				ask(t, a, as(interaction(2, commandData("define", stringOpt("term", values[bot.FieldTitle], false))), member), "")
			}
		}
	}
	t.Logf("%d hostile submissions, %d accepted and served", n, accepted)
	if accepted == 0 || accepted == n {
		t.Errorf("accepted %d of %d: the table should hold both kinds", accepted, n)
	}
}
