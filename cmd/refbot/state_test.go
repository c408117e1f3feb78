package main

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/postgres"
	"refbot/bot/postgres/pgtest"
	"refbot/bot/sqlite"
	"refbot/glossary"
)

// sqliteState writes a little of every kind of state into a SQLite file
// under a new state.dir and returns a config file that points there.
func sqliteState(t *testing.T) (config, dir string) {
	t.Helper()
	ctx := context.Background()
	dir = t.TempDir()
	s, err := sqlite.OpenDir(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 7 {
		must(t, s.AddLookups(ctx, []bot.LookupCount{{Lookup: bot.NewLookup("slack", "elk", "eliciting-latent-knowledge"), N: 1}}))
		if i%2 == 0 {
			must(t, s.AddLookups(ctx, []bot.LookupCount{{Lookup: bot.NewLookup("discord", "Banana Bread", ""), N: 1}}))
		}
	}
	mesa := bot.NewLookup("slack", "Mesa", "")
	mesa.Suggested = true
	must(t, s.AddLookups(ctx, []bot.LookupCount{{Lookup: mesa, N: 2}}))
	must(t, s.SaveInstallation(ctx, installation("T1", []string{"commands", "chat:write"})))
	must(t, s.SaveInstallation(ctx, installation("T2", nil)))
	if ok, err := s.UseNonce(ctx, "n1", time.Now().Add(time.Hour), time.Now()); !ok || err != nil {
		t.Fatal(ok, err)
	}
	must(t, s.SetChannelAutolink(ctx, "slack", "C1", bot.AutolinkReaction))
	must(t, s.SetUserOptedOut(ctx, "discord", "U9", true))
	t0 := time.Date(2026, 3, 3, 18, 0, 0, 0, time.UTC)
	if _, err := s.TakeCooldown(ctx, "slack", "C1", "grokking", t0, time.Hour); err != nil {
		t.Fatal(err)
	}
	for d := range 3 {
		k := bot.PostKey{Platform: "slack", Channel: "C1", Curriculum: "c", Slot: t0.AddDate(0, 0, 7*d), Scheduled: true}
		if _, _, err := s.Claim(ctx, k, 5, t0, false); err != nil {
			t.Fatal(err)
		}
		if d < 2 {
			must(t, s.Confirm(ctx, k, "m"+string(rune('0'+d)), t0.Add(time.Second)))
		}
	}
	if _, _, err := s.Claim(ctx, bot.PostKey{Platform: "slack", Channel: "C1", Curriculum: "c", Slot: t0.Add(time.Hour)}, 5, t0, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GlossaryChanged(ctx); err != nil {
		t.Fatal(err)
	}
	// Curation: a suggestion approved (glossary version 2), one rejected,
	// one pending with a reviewer's edit, and a draft.
	for i, p := range curatedProposals() {
		id, err := s.AddProposal(ctx, p, 0)
		if err != nil || id != int64(i+1) {
			t.Fatalf("AddProposal = %d, %v", id, err)
		}
	}
	if _, err := s.Decide(ctx, bot.DefaultScope, 1, bot.Decision{Approve: true, By: bot.Who{Platform: "slack", User: "UMOD"}, At: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(ctx, bot.DefaultScope, 2, bot.Decision{By: bot.Who{Platform: "slack", User: "UMOD"}, At: t0, Reason: "a duplicate"}); err != nil {
		t.Fatal(err)
	}
	revised := curatedProposals()[2].Entry
	revised.Summary = "Revised by a reviewer."
	must(t, s.ReviseProposal(ctx, bot.DefaultScope, 3, revised, bot.Who{Platform: "slack", User: "UMOD"}, t0))
	if _, err := s.SaveDraft(ctx, bot.Draft{Scope: bot.DefaultScope, Author: bot.Who{Platform: "discord", User: "9"}, Action: bot.ActionSuggest, Fields: map[string]string{"title": "Half typed"}, Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return writeConfig(t, "state:\n  dir: "+dir+"\n"), dir
}

// curatedProposals are sqliteState's suggestions, numbered 1 to 3.
func curatedProposals() []bot.Proposal {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	entry := func(id, title string) glossary.Entry {
		return glossary.Entry{ID: id, Title: title, Summary: "A term a study group added in chat.",
			Sources: []glossary.Source{{Title: "A paper", URL: "https://example.org/" + id}}}
	}
	return []bot.Proposal{
		{Scope: bot.DefaultScope, Team: "T1", Entry: entry("widget-alignment", "Widget alignment"), Author: bot.Who{Platform: "slack", User: "U1"}, Proposed: at},
		{Scope: bot.DefaultScope, Team: "T1", Entry: entry("sprocket-safety", "Sprocket safety"), Author: bot.Who{Platform: "slack", User: "U2"}, Proposed: at},
		{Scope: bot.DefaultScope, Entry: entry("gear-theory", "Gear theory"), Author: bot.Who{Platform: "discord", User: "9"}, Proposed: at},
	}
}

// installation is a workspace that installed refbot, its credentials
// sealed as the Slack adapter stores them.
func installation(team string, scopes []string) bot.Installation {
	at := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	return bot.Installation{Platform: "slack", Team: team, TeamName: "Group " + team, BotUser: "U" + team, BotID: "B" + team,
		Scopes: scopes, Installer: "UADMIN", InstalledAt: at, ExpiresAt: at.Add(12 * time.Hour), Secret: "v1.k1.sealed-" + team}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// refbot state migrate copies every kind of state, says what it copied,
// and the PostgreSQL store then answers as the SQLite one did. A second
// copy into the same database is refused.
func TestStateMigrate(t *testing.T) {
	ctx := context.Background()
	config, _ := sqliteState(t)
	url := pgtest.URL(t)
	r := runArgs(t, "", nil, "state", "migrate", "--to", url, "--config", config)
	wantCode(t, r, 0)
	for _, want := range []string{
		"lookups                    1 rows",
		"missing_terms              2 rows",
		"autolink_channels          1 rows",
		"autolink_optouts           1 rows",
		"autolink_cooldowns         1 rows",
		"reading_posts              4 rows",
		"reading_positions          1 rows",
		"installations              2 rows",
		"spent_nonces               1 rows",
		"curation_proposals         3 rows",
		"curated_entries            1 rows",
		"curation_versions          1 rows",
		"curation_drafts            1 rows",
		"lookups counted           13 (7 lookups found an entry, 4 found nothing, 2 only suggestions)",
		"glossary version           2",
		"Verified:",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the report lacks %q:\n%s", want, r.stdout)
		}
	}

	pg, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	top, err := pg.TopLookups(ctx, "", 10)
	if err != nil || !slices.Equal(top.Found, []bot.Count{{Name: "eliciting-latent-knowledge", Count: 7}}) ||
		!slices.Equal(top.Missing, []bot.Count{{Name: "banana bread", Count: 4}}) ||
		!slices.Equal(top.Suggested, []bot.Count{{Name: "mesa", Count: 2}}) {
		t.Errorf("stats after the copy: %+v, %v", top, err)
	}
	if m, _ := pg.ChannelAutolink(ctx, "slack", "C1"); m != bot.AutolinkReaction {
		t.Errorf("channel setting after the copy: %v", m)
	}
	if out, _ := pg.UserOptedOut(ctx, "discord", "U9"); !out {
		t.Error("opt-out lost in the copy")
	}
	t0 := time.Date(2026, 3, 3, 18, 0, 0, 0, time.UTC)
	if ok, _ := pg.TakeCooldown(ctx, "slack", "C1", "grokking", t0.Add(time.Minute), time.Hour); ok {
		t.Error("a cooldown running in SQLite was free after the copy")
	}
	un, err := pg.Unconfirmed(ctx)
	if err != nil || len(un) != 1 || !un[0].Slot.Equal(t0.AddDate(0, 0, 14)) || un[0].Step != 2 || !un[0].ClaimedAt.Equal(t0) {
		t.Errorf("unconfirmed after the copy: %+v, %v; want the third slot, step 3, claimed at %v", un, err, t0)
	}
	for _, want := range []bot.Installation{installation("T1", []string{"commands", "chat:write"}), installation("T2", nil)} {
		got, ok, err := pg.Installation(ctx, "slack", want.Team)
		if !ok || err != nil || got.Secret != want.Secret || !slices.Equal(got.Scopes, want.Scopes) ||
			!got.InstalledAt.Equal(want.InstalledAt) || !got.ExpiresAt.Equal(want.ExpiresAt) || got.BotUser != want.BotUser {
			t.Errorf("installation %s after the copy = %+v, %v, %v; want %+v", want.Team, got, ok, err, want)
		}
	}
	if fresh, err := pg.UseNonce(ctx, "n1", time.Now().Add(time.Hour), time.Now()); fresh || err != nil {
		t.Errorf("a nonce spent before the copy was fresh after it (%v, %v)", fresh, err)
	}
	if pos, _ := pg.Position(ctx, "slack", "C1", "c"); pos != 4 {
		t.Errorf("position after the copy = %d, want 4", pos)
	}
	if last, ok, _ := pg.LastPost(ctx, "slack", "C1", "c"); !ok || last.Scheduled || last.Step != 3 {
		t.Errorf("last post after the copy = %+v, want the asked-for step 4", last)
	}
	if _, ok, _ := pg.Claim(ctx, bot.PostKey{Platform: "slack", Channel: "C1", Curriculum: "c", Slot: t0, Scheduled: true}, 5, t0, false); ok {
		t.Error("a slot claimed in SQLite could be claimed again after the copy")
	}
	if v, _ := pg.GlossaryVersion(ctx); v != 2 {
		t.Errorf("glossary version after the copy = %d, want 2", v)
	}
	// Curation keeps its numbers, its decisions and its curated layer, and
	// numbers new suggestions and drafts after the copied ones.
	ps, err := pg.Proposals(ctx, bot.DefaultScope, bot.ProposalFilter{})
	if err != nil || len(ps) != 3 || ps[0].Status != bot.Approved || ps[0].Version != 1 || ps[1].Status != bot.Rejected || ps[1].Reason != "a duplicate" ||
		ps[2].Status != bot.Pending || ps[2].Entry.Summary != "Revised by a reviewer." || ps[2].EditedBy.User != "UMOD" || !ps[0].Proposed.Equal(curatedProposals()[0].Proposed) {
		t.Errorf("proposals after the copy: %+v, %v", ps, err)
	}
	if es, v, changed, err := pg.CuratedSince(ctx, bot.DefaultScope, 0); err != nil || !changed || v != 1 || len(es) != 1 || es[0].ID != "widget-alignment" {
		t.Errorf("curated layer after the copy: %+v at %d (%v, %v)", es, v, changed, err)
	}
	if id, err := pg.AddProposal(ctx, curatedProposals()[0], 0); err != nil || id != 4 {
		t.Errorf("a suggestion after the copy is number %d (%v), want 4", id, err)
	}
	if id, err := pg.SaveDraft(ctx, bot.Draft{Scope: bot.DefaultScope, Created: time.Now()}); err != nil || id != 2 {
		t.Errorf("a draft after the copy is number %d (%v), want 2", id, err)
	}

	// The commands that read state read the database the environment
	// names: the curated entry's history, and /define through --config.
	r = runArgs(t, "", map[string]string{"DATABASE_URL": url}, "glossary", "history", "--config", config, "widget-alignment")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "approved by slack:UMOD") || strings.Contains(r.stdout, "refbot.db") || strings.Contains(r.stdout, "password") {
		t.Errorf("refbot glossary history on PostgreSQL:\n%s", r.stdout)
	}
	r = runArgs(t, "", map[string]string{"DATABASE_URL": url}, "define", "--config", config, "widget alignment")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "Widget alignment") {
		t.Errorf("refbot define --config on PostgreSQL:\n%s", r.stdout)
	}

	// refbot stats reads the database the environment names.
	r = runArgs(t, "", map[string]string{"DATABASE_URL": url}, "stats", "--json", "--config", config)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, `"name": "eliciting-latent-knowledge",`) || !strings.Contains(r.stdout, `"count": 7`) ||
		!strings.Contains(r.stdout, `"name": "banana bread",`) || strings.Contains(r.stdout, "refbot.db") {
		t.Errorf("refbot stats on PostgreSQL:\n%s", r.stdout)
	}

	r = runArgs(t, "", map[string]string{"DATABASE_URL": url}, "state", "migrate", "--config", config)
	wantCode(t, r, 1)
	if !strings.Contains(r.err.Error(), "already holds refbot state") || strings.Contains(r.stdout, "Copied") {
		t.Errorf("a second copy: %v\n%s; want a refusal", r.err, r.stdout)
	}
	if top, _ := pg.TopLookups(ctx, "", 10); len(top.Found) != 1 || top.Found[0].Count != 7 {
		t.Errorf("stats after the refused copy: %v, want unchanged", top.Found)
	}
}

// A SQLite file with a table this refbot does not know is not copied at
// all: nothing is left behind unnoticed.
func TestStateMigrateUnknownTable(t *testing.T) {
	config, dir := sqliteState(t)
	db, err := sql.Open("sqlite", dir+"/"+sqlite.FileName)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE future_things (x)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	url := pgtest.URL(t)
	r := runArgs(t, "", nil, "state", "migrate", "--to", url, "--config", config)
	wantCode(t, r, 1)
	if !strings.Contains(r.err.Error(), "future_things") {
		t.Errorf("err = %v, want it to name the table", r.err)
	}
	pg, err := postgres.Open(context.Background(), url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if top, _ := pg.TopLookups(context.Background(), "", 10); len(top.Found) != 0 {
		t.Errorf("stats copied despite the refusal: %v", top.Found)
	}
}

// Bad input: a usage line and status 2, or a message that says what to
// do, never a password.
func TestStateMigrateBadInput(t *testing.T) {
	config, _ := sqliteState(t)
	empty := writeConfig(t, "state:\n  dir: "+t.TempDir()+"\n")
	tests := []struct {
		args []string
		env  map[string]string
		code int
		want string
	}{
		{[]string{"state"}, nil, 2, "usage: refbot state migrate"},
		{[]string{"state", "export"}, nil, 2, `unknown state command "export"`},
		{[]string{"state", "migrate"}, nil, 2, "usage: refbot state migrate"},
		{[]string{"state", "migrate", "--to", "mysql://u:s3cret@db/x", "--config", config}, nil, 2, "--to: want postgres://"},
		{[]string{"state", "migrate", "--to", "postgres://u:s3cret@db:bad/x", "--config", config}, nil, 2, "--to:"},
		{[]string{"state", "migrate", "--to", "postgres://u:s3cret@127.0.0.1:1/x?connect_timeout=2", "--config", empty}, nil, 1, "no state database at"},
		{[]string{"state", "migrate", "--to", "postgres://u:s3cret@127.0.0.1:1/x?connect_timeout=2", "--config", config}, nil, 1, "--to:"},
		{[]string{"state", "migrate", "extra", "--to", "postgres://u@h/x"}, nil, 2, "usage: refbot state migrate"},
	}
	for _, tc := range tests {
		r := runArgs(t, "", tc.env, tc.args...)
		msg := r.stderr
		if r.err != nil {
			msg += r.err.Error()
		}
		if r.code() != tc.code || !strings.Contains(msg, tc.want) {
			t.Errorf("%q: status %d, %q; want %d and %q", tc.args, r.code(), msg, tc.code, tc.want)
		}
		if strings.Contains(msg+r.stdout, "s3cret") {
			t.Errorf("%q: the password is shown: %s", tc.args, msg)
		}
	}
}
