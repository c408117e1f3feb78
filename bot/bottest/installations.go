package bottest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"refbot/bot"
)

// InstallationStore is the store Slack's OAuth mode declares
// (adapters/slack.InstallStore), repeated here so that every backend's
// tests can check it without importing an adapter.
type InstallationStore interface {
	SaveInstallation(ctx context.Context, in bot.Installation) error
	Installation(ctx context.Context, platform, team string) (bot.Installation, bool, error)
	Installations(ctx context.Context, platform string) ([]bot.Installation, error)
	DeleteInstallation(ctx context.Context, platform, team string) (bool, error)
	UseNonce(ctx context.Context, nonce string, expires, now time.Time) (bool, error)
}

// TestInstallations checks an installation store: saving, replacing,
// listing and deleting installations platform by platform, every field
// kept as given, and nonces spent once even by concurrent callers. open
// returns an empty store; reopen, when not nil, opens the same store
// again, as a restarted process would.
func TestInstallations(t *testing.T, open func(t *testing.T) InstallationStore, reopen func(t *testing.T) InstallationStore) {
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 9, 30, 0, 123456789, time.UTC)
	in := func(platform, team string) bot.Installation {
		return bot.Installation{
			Platform: platform, Team: team, TeamName: "Reading group " + team + ` <b>&"'`, Enterprise: "E1",
			BotUser: "U" + team, BotID: "B" + team, Scopes: []string{"commands", "chat:write", "app_mentions:read"},
			Installer: "UADMIN", InstalledAt: at, ExpiresAt: at.Add(12 * time.Hour),
			Secret: "v1.k1.sealed-" + team,
		}
	}
	same := func(t *testing.T, got, want bot.Installation) {
		t.Helper()
		if !got.InstalledAt.Equal(want.InstalledAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
			t.Errorf("times: got installed %v expires %v, want %v and %v", got.InstalledAt, got.ExpiresAt, want.InstalledAt, want.ExpiresAt)
		}
		got.InstalledAt, got.ExpiresAt, want.InstalledAt, want.ExpiresAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
			t.Errorf("got  %#v\nwant %#v", got, want)
		}
	}

	t.Run("save, read, replace, delete", func(t *testing.T) {
		s := open(t)
		if _, ok, err := s.Installation(ctx, "slack", "T1"); ok || err != nil {
			t.Fatalf("empty store: Installation = %v, %v", ok, err)
		}
		if list, err := s.Installations(ctx, "slack"); len(list) != 0 || err != nil {
			t.Fatalf("empty store: Installations = %v, %v", list, err)
		}
		for _, i := range []bot.Installation{in("slack", "T2"), in("slack", "T1"), in("other", "T1")} {
			if err := s.SaveInstallation(ctx, i); err != nil {
				t.Fatal(err)
			}
		}
		got, ok, err := s.Installation(ctx, "slack", "T1")
		if !ok || err != nil {
			t.Fatalf("Installation(slack, T1) = %v, %v", ok, err)
		}
		same(t, got, in("slack", "T1"))

		// A reinstall replaces every field; a token that never expires has
		// a zero ExpiresAt.
		again := in("slack", "T1")
		again.TeamName, again.Scopes, again.Secret, again.ExpiresAt = "Renamed", []string{"commands"}, "v1.k2.other", time.Time{}
		again.Enterprise = ""
		if err := s.SaveInstallation(ctx, again); err != nil {
			t.Fatal(err)
		}
		got, _, _ = s.Installation(ctx, "slack", "T1")
		same(t, got, again)

		list, err := s.Installations(ctx, "slack")
		if err != nil {
			t.Fatal(err)
		}
		var teams []string
		for _, i := range list {
			teams = append(teams, i.Platform+"/"+i.Team)
		}
		if !slices.Equal(teams, []string{"slack/T1", "slack/T2"}) {
			t.Errorf("Installations(slack) = %v, want slack/T1, slack/T2 in order", teams)
		}

		if ok, err := s.DeleteInstallation(ctx, "slack", "T1"); !ok || err != nil {
			t.Errorf("DeleteInstallation(slack, T1) = %v, %v; want true", ok, err)
		}
		if ok, err := s.DeleteInstallation(ctx, "slack", "T1"); ok || err != nil {
			t.Errorf("deleting again = %v, %v; want false", ok, err)
		}
		if _, ok, _ := s.Installation(ctx, "slack", "T1"); ok {
			t.Error("a deleted installation is still there")
		}
		if _, ok, _ := s.Installation(ctx, "other", "T1"); !ok {
			t.Error("deleting slack's T1 deleted another platform's T1")
		}
		if _, ok, _ := s.Installation(ctx, "slack", "T2"); !ok {
			t.Error("deleting T1 deleted T2")
		}
	})

	t.Run("no scopes", func(t *testing.T) {
		s := open(t)
		i := in("slack", "T3")
		i.Scopes = nil
		if err := s.SaveInstallation(ctx, i); err != nil {
			t.Fatal(err)
		}
		got, _, _ := s.Installation(ctx, "slack", "T3")
		if len(got.Scopes) != 0 {
			t.Errorf("Scopes = %q, want none", got.Scopes)
		}
	})

	if reopen != nil {
		t.Run("kept across a restart", func(t *testing.T) {
			s := open(t)
			if err := s.SaveInstallation(ctx, in("slack", "T9")); err != nil {
				t.Fatal(err)
			}
			got, ok, err := reopen(t).Installation(ctx, "slack", "T9")
			if !ok || err != nil {
				t.Fatalf("after reopening: %v, %v", ok, err)
			}
			same(t, got, in("slack", "T9"))
		})
	}

	t.Run("nonces are spent once", func(t *testing.T) {
		s := open(t)
		now := at
		if ok, err := s.UseNonce(ctx, "n1", now.Add(10*time.Minute), now); !ok || err != nil {
			t.Fatalf("first use = %v, %v; want true", ok, err)
		}
		if ok, err := s.UseNonce(ctx, "n1", now.Add(10*time.Minute), now.Add(time.Minute)); ok || err != nil {
			t.Errorf("second use = %v, %v; want false", ok, err)
		}
		if ok, _ := s.UseNonce(ctx, "n2", now.Add(10*time.Minute), now); !ok {
			t.Error("another nonce was refused")
		}
		// Once expired, a nonce is forgotten (the state that carried it is
		// refused for its age before it gets here).
		if ok, _ := s.UseNonce(ctx, "n1", now.Add(30*time.Minute), now.Add(11*time.Minute)); !ok {
			t.Error("an expired nonce is still remembered")
		}

		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 8 {
			wg.Go(func() {
				ok, err := s.UseNonce(ctx, "race", now.Add(10*time.Minute), now)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("%d concurrent callers spent one nonce, want exactly 1", wins)
		}
	})
}
