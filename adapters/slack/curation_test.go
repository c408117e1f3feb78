package slack

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/bottest"
)

// curationEnv is an adapter over a core that takes suggestions, with Run
// and the core's curator running, and CREVIEW as Slack's review channel.
func curationEnv(t *testing.T) *env {
	t.Helper()
	e := newEnvWith(t, ModeHTTP, true, bot.Config{
		CurationStore: bot.NewMemoryCuration(),
		Clock:         bottest.NewClock(time.Date(2026, 12, 2, 14, 5, 0, 0, time.UTC)),
		Curation:      bot.CurationConfig{ReviewChannels: map[string]string{platformName: "CREVIEW"}},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.a.bot.RunCuration(ctx, map[string]bot.Poster{platformName: e.a}, time.Hour) }()
	t.Cleanup(func() {
		cancel()
		recv(t, done, "RunCuration to return")
	})
	return e
}

// viewSubmission is the payload of a submitted modal.
func viewSubmission(user string, view map[string]any, fields map[string]string) string {
	values := map[string]any{}
	for k, v := range fields {
		values[k] = map[string]any{k: map[string]any{"type": "plain_text_input", "value": v}}
	}
	b, _ := json.Marshal(map[string]any{
		"type": "view_submission",
		"team": map[string]any{"id": "T1"},
		"user": map[string]any{"id": user, "name": "x"},
		"view": map[string]any{
			"id": "V1", "type": "modal", "hash": "h1",
			"callback_id":      view["callback_id"],
			"private_metadata": view["private_metadata"],
			"state":            map[string]any{"values": values},
		},
	})
	return string(b)
}

// press is a block_actions payload from user for the button with the
// given action in blocks (a message's or a view's).
func press(t *testing.T, user string, blocks []any, action, responseURL string, inView map[string]any) string {
	t.Helper()
	for _, b := range blocks {
		bm := b.(map[string]any)
		var els []any
		if acc, ok := bm["accessory"]; ok {
			els = append(els, acc)
		}
		if es, ok := bm["elements"].([]any); ok {
			els = append(els, es...)
		}
		for _, el := range els {
			em := el.(map[string]any)
			id, _ := em["action_id"].(string)
			if name, _, _ := strings.Cut(id, ":"); name != action {
				continue
			}
			var p map[string]any
			json.Unmarshal([]byte(buttonPayload(id, em["value"].(string), responseURL, true)), &p)
			p["user"] = map[string]any{"id": user, "name": "x"}
			if inView != nil {
				p["view"] = map[string]any{"id": "V1", "type": "modal", "hash": "h2", "private_metadata": inView["private_metadata"]}
				p["container"] = map[string]any{"type": "view", "view_id": "V1"}
				delete(p, "response_url")
			}
			raw, _ := json.Marshal(p)
			return string(raw)
		}
	}
	t.Fatalf("no %s button in %v", action, blocks)
	return ""
}

func (e *env) interact(t *testing.T, payload string) map[string]any {
	t.Helper()
	w := e.serve(signed(testSecret, formType, interactionForm(payload)))
	if w.Code != 200 {
		t.Fatalf("status %d: %s (%d bytes)\n%s", w.Code, w.Body, len(interactionForm(payload)), e.logs)
	}
	if w.Body.Len() == 0 {
		return nil
	}
	return decode(t, w.Body.Bytes())
}

func (e *env) command(t *testing.T, user, command, text, responseURL string) map[string]any {
	t.Helper()
	form, _ := url.ParseQuery(slash(command, text, responseURL))
	form.Set("user_id", user)
	w := e.serve(signed(testSecret, formType, form.Encode()))
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if w.Body.Len() == 0 {
		return nil
	}
	return decode(t, w.Body.Bytes())
}

func (e *env) view(t *testing.T, method string) map[string]any {
	t.Helper()
	v := recv(t, e.api.views, method)
	if v["_method"] != method {
		t.Fatalf("got %s, want %s: %v", v["_method"], method, v)
	}
	view := v["view"].(map[string]any)
	if p := checkView(view); len(p) > 0 {
		t.Errorf("%s view breaks limits:\n%s", method, strings.Join(p, "\n"))
	}
	return v
}

func goldenJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, name, append(b, '\n'))
}

func checked(t *testing.T, what string, msg map[string]any) map[string]any {
	t.Helper()
	if p := checkMessage(msg); len(p) > 0 {
		t.Errorf("%s breaks limits:\n%s", what, strings.Join(p, "\n"))
	}
	return msg
}

// The whole flow against the fakes: a missing term's button opens the
// modal, a submission with problems gets them beside the fields, the
// corrected one thanks its author in the modal, the review channel hears
// of it by number, a workspace admin reviews and approves it, its author
// is told in a direct message, and /define finds it. Then a rejection
// with a reason, and a reviewer's edit approved from inside the modal.
func TestSlackCurationFlow(t *testing.T) {
	e := curationEnv(t)

	r := checked(t, "not found", e.command(t, "U1", "/define", "lottery ticket hypothesis", e.hooks.url()))
	if !strings.Contains(r["text"].(string), "/refbot suggest TERM") {
		t.Errorf("not-found text: %v", r["text"])
	}
	e.interact(t, press(t, "U1", r["blocks"].([]any), bot.ActionSuggest, e.hooks.url(), nil))
	open := e.view(t, "views.open")
	if open["trigger_id"] != "1.2.3" {
		t.Errorf("views.open with trigger %v", open["trigger_id"])
	}
	form := open["view"].(map[string]any)
	goldenJSON(t, "modal-suggest.json", form)

	bad := map[string]string{
		bot.FieldTitle:   "lottery ticket hypothesis",
		bot.FieldSummary: "",
		bot.FieldSources: "The paper — javascript:alert(1)",
	}
	resp := e.interact(t, viewSubmission("U1", form, bad))
	goldenJSON(t, "modal-errors.json", resp)
	if resp["response_action"] != "errors" {
		t.Fatalf("bad submission answered %v", resp)
	}

	good := map[string]string{
		bot.FieldTitle:     "Lottery Ticket Hypothesis",
		bot.FieldAliases:   "winning tickets",
		bot.FieldSummary:   "The idea that a large trained network holds a small subnetwork which, trained alone from the same start, would do as well.",
		bot.FieldKeyPoints: "Found by pruning and rewinding weights",
		bot.FieldSources:   "The Lottery Ticket Hypothesis — https://arxiv.org/abs/1803.03635\nSee also: inner alignment",
	}
	resp = e.interact(t, viewSubmission("U1", form, good))
	goldenJSON(t, "modal-thanks.json", resp)
	if resp["response_action"] != "update" {
		t.Fatalf("good submission answered %v", resp)
	}
	if p := checkView(resp["view"]); len(p) > 0 {
		t.Errorf("thanks view: %s", strings.Join(p, "\n"))
	}
	notice := recv(t, e.api.posts, "the review channel's notice")
	if notice.Get("channel") != "CREVIEW" || strings.Contains(notice.Get("blocks")+notice.Get("text"), "Lottery") {
		t.Errorf("review channel notice = %v (must name no pending text)", notice)
	}

	// A member cannot review; an admin can.
	r = e.command(t, "U1", "/refbot", "review", e.hooks.url())
	if !strings.Contains(r["text"].(string), "Only reviewers can review") {
		t.Errorf("member's review: %v", r["text"])
	}
	r = checked(t, "review card", e.command(t, testAdmin, "/refbot", "review", e.hooks.url()))
	goldenJSON(t, "review-card.json", r)
	e.interact(t, press(t, testAdmin, r["blocks"].([]any), bot.ActionApprove, e.hooks.url(), nil))
	hook := recv(t, e.hooks.got, "the approval")
	if !strings.HasPrefix(hook.Body["text"].(string), "Approved: Lottery Ticket Hypothesis") || hook.Body["replace_original"] != true {
		t.Errorf("approval answered %v", hook.Body)
	}
	dm := recv(t, e.api.posts, "the author's direct message")
	if dm.Get("channel") != "U1" || !strings.Contains(dm.Get("text"), "was approved") {
		t.Errorf("author told %v", dm)
	}
	r = checked(t, "card", e.command(t, "U2", "/define", "winning tickets", e.hooks.url()))
	if !strings.Contains(r["text"].(string), "Lottery Ticket Hypothesis:") {
		t.Fatalf("/define after approval: %v", r["text"])
	}

	// A rejection: Reject opens the reason modal.
	r = e.command(t, "U1", "/refbot", "suggest lottery ticket hypothesis", e.hooks.url())
	e.interact(t, press(t, "U1", r["blocks"].([]any), bot.ActionSuggestEdit, e.hooks.url(), nil))
	form = e.view(t, "views.open")["view"].(map[string]any)
	goldenJSON(t, "modal-edit.json", form)
	edit := map[string]string{}
	for k, v := range good {
		edit[k] = v
	}
	edit[bot.FieldSummary] = "A big network contains a small one that learns as well from the same start."
	e.interact(t, viewSubmission("U1", form, edit))
	recv(t, e.api.posts, "the review channel's notice")
	r = checked(t, "review card of an edit", e.command(t, testOwner, "/refbot", "review", e.hooks.url()))
	goldenJSON(t, "review-card-edit.json", r)
	e.interact(t, press(t, testOwner, r["blocks"].([]any), bot.ActionReject, e.hooks.url(), nil))
	reasonForm := e.view(t, "views.open")["view"].(map[string]any)
	goldenJSON(t, "modal-reject.json", reasonForm)
	resp = e.interact(t, viewSubmission(testOwner, reasonForm, map[string]string{bot.FieldReason: "The current summary says it better."}))
	if resp["response_action"] != "update" || !strings.Contains(mustJSON(resp), "Rejected suggestion 2") {
		t.Errorf("rejection answered %v", resp)
	}
	dm = recv(t, e.api.posts, "the author's direct message")
	if dm.Get("channel") != "U1" || !strings.Contains(dm.Get("text"), "The reviewer wrote: The current summary says it better.") {
		t.Errorf("author told %v", dm)
	}

	// A reviewer's edit, approved from the modal that shows it.
	e.interact(t, viewSubmission("U1", form, edit))
	recv(t, e.api.posts, "the review channel's notice")
	r = e.command(t, testAdmin, "/refbot", "review", e.hooks.url())
	e.interact(t, press(t, testAdmin, r["blocks"].([]any), bot.ActionRevise, e.hooks.url(), nil))
	reviseForm := e.view(t, "views.open")["view"].(map[string]any)
	goldenJSON(t, "modal-revise.json", reviseForm)
	edit[bot.FieldKeyPoints] = "Found by pruning and rewinding weights\nNamed by Frankle and Carbin"
	resp = e.interact(t, viewSubmission(testAdmin, reviseForm, edit))
	shown := resp["view"].(map[string]any)
	goldenJSON(t, "modal-revised.json", shown)
	if !strings.Contains(mustJSON(shown), "Saved your edit.") {
		t.Fatalf("revision answered %v", resp)
	}
	e.interact(t, press(t, testAdmin, shown["blocks"].([]any), bot.ActionApprove, "", shown))
	update := e.view(t, "views.update")
	if update["view_id"] != "V1" || update["hash"] != "h2" || !strings.Contains(mustJSON(update), "Approved: Lottery Ticket Hypothesis") {
		t.Errorf("approve inside the modal: %v", update)
	}
	r = e.command(t, "U2", "/define", "lottery ticket hypothesis", e.hooks.url())
	if !strings.Contains(mustJSON(r), "Named by Frankle and Carbin") {
		t.Errorf("the reviewer's edit is not served: %v", r["text"])
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// hostileFields are the hostile strings put in each field of the form;
// the sources field gets them as a title, as a URL and as a related term.
func hostileFields(field, s string) []string {
	if field != bot.FieldSources {
		return []string{s}
	}
	return []string{
		s + " — https://example.org/x",
		"Paper — " + s,
		"Paper — https://example.org/x\nSee also: " + s,
	}
}

// Every field, filled with text built to ping people or break markup:
// whatever refbot answers — the problems beside the fields, the thanks,
// the review card, the approval and the card /define shows afterwards —
// keeps Slack's limits and pings nobody. Pending text never reaches the
// review channel.
func TestSlackCurationHostileInput(t *testing.T) {
	if testing.Short() {
		t.Skip("hundreds of submissions")
	}
	e := newEnvWith(t, ModeHTTP, false, bot.Config{
		CurationStore: bot.NewMemoryCuration(),
		Curation:      bot.CurationConfig{Reviewers: []bot.Who{{Platform: platformName, User: "UREVIEW"}}, MaxPending: 1000},
	})
	ctx := context.Background()
	form := map[string]any{"callback_id": bot.ActionSuggest, "private_metadata": `{"c":"C1"}`}
	fields := []string{bot.FieldTitle, bot.FieldAliases, bot.FieldSummary, bot.FieldKeyPoints, bot.FieldSources}
	accepted, n := 0, 0
	for _, field := range fields {
		for _, h := range hostile() {
			for _, v := range hostileFields(field, h) {
				n++
				values := map[string]string{
					bot.FieldTitle:   "Hostile Case " + strings.Repeat("x", n%7) + string(rune('a'+n%26)) + string(rune('a'+n/26%26)),
					bot.FieldSummary: "A summary that is fine on its own.",
					bot.FieldSources: "A paper — https://example.org/paper",
				}
				// Slack's inputs stop at max_length; a little over it is
				// what a forged request could send within the body cap.
				if r := []rune(v); len(r) > bot.MaxFieldLength()[field]+10 {
					v = string(r[:bot.MaxFieldLength()[field]+10])
				}
				values[field] = v
				if len(interactionForm(viewSubmission("U1", form, values))) > maxBody {
					continue // refused before it is read (TestVerification: oversized body)
				}
				resp := e.interact(t, viewSubmission("U1", form, values))
				if p := checkView(resp["view"]); resp["response_action"] == "update" && len(p) > 0 {
					t.Errorf("%s=%.40q: the answer breaks limits:\n%s", field, v, strings.Join(p, "\n"))
				}
				if resp["response_action"] == "errors" {
					for name, msg := range resp["errors"].(map[string]any) {
						c := &checker{}
						c.max("error", msg.(string), maxFieldError)
						c.broadcast("error", msg.(string))
						if len(c.problems) > 0 {
							t.Errorf("%s=%.40q: error for %s: %s", field, v, name, strings.Join(c.problems, "; "))
						}
					}
					continue
				}
				accepted++
				card := e.command(t, "UREVIEW", "/refbot", "review", e.hooks.url())
				if p := checkMessage(card); len(p) > 0 {
					t.Errorf("%s=%.40q: review card:\n%s", field, v, strings.Join(p, "\n"))
				}
				ws, err := e.a.workspace(ctx, "T1")
				if err != nil {
					t.Fatal(err)
				}
				reply := e.a.handle(ctx, ws, bot.Request{Team: "T1", Channel: "C1", User: "UREVIEW", Kind: bot.Action, Command: bot.ActionApprove, Text: itoa(accepted)})
				if !strings.HasPrefix(reply.Notice, "Approved") {
					t.Fatalf("%s=%.40q: approve %d: %q", field, v, accepted, reply.Notice)
				}
				if p := checkMessage(render(reply, renderOptions{controls: true})); len(p) > 0 {
					t.Errorf("%s=%.40q: approval:\n%s", field, v, strings.Join(p, "\n"))
				}
				shown := e.command(t, "U2", "/define", values[bot.FieldTitle], e.hooks.url())
				if p := checkMessage(shown); len(p) > 0 {
					t.Errorf("%s=%.40q: /define:\n%s", field, v, strings.Join(p, "\n"))
				}
			}
		}
	}
	t.Logf("%d hostile submissions, %d accepted and served", n, accepted)
	if accepted == 0 || accepted == n {
		t.Errorf("accepted %d of %d: the table should hold both kinds", accepted, n)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
