package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/sqlite"
	"refbot/glossary"
)

// The poll every process runs every curation.poll: "changed since" when
// nothing changed (one indexed read), beside reading the whole curated
// layer of 200 entries, as a poll that did not keep a version would.
func BenchmarkCuratedPoll(b *testing.B) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	who := bot.Who{Platform: "slack", User: "U1"}
	for i := range 200 {
		e := glossary.Entry{ID: fmt.Sprintf("e%d", i), Title: fmt.Sprintf("E %d", i), Summary: "A summary of a few words.",
			KeyPoints: []string{"one", "two", "three"}, Sources: []glossary.Source{{Title: "S", URL: "https://example.org"}}}
		id, err := s.AddProposal(ctx, bot.Proposal{Scope: bot.DefaultScope, Entry: e, Author: who, Proposed: time.Now()}, 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Decide(ctx, bot.DefaultScope, id, bot.Decision{Approve: true, By: who, At: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("unchanged", func(b *testing.B) {
		for b.Loop() {
			if _, _, changed, err := s.CuratedSince(ctx, bot.DefaultScope, 200); err != nil || changed {
				b.Fatal(changed, err)
			}
		}
	})
	b.Run("read-all", func(b *testing.B) {
		for b.Loop() {
			if es, _, _, err := s.CuratedSince(ctx, bot.DefaultScope, 0); err != nil || len(es) != 200 {
				b.Fatal(len(es), err)
			}
		}
	})
}
