package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/sqlite"
	"refbot/glossary"
)

// curationHelperEnv names the database a re-executed test binary approves
// proposals in.
const curationHelperEnv = "REFBOT_SQLITE_CURATION_HELPER"

// TestCurationHelperProcess is the child of TestCurationSurvivesKill: it
// proposes and approves entries as fast as it can, printing each
// approval once its transaction committed, until it is killed.
func TestCurationHelperProcess(t *testing.T) {
	path := os.Getenv(curationHelperEnv)
	if path == "" {
		t.Skip("run by TestCurationSurvivesKill as a child process")
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	who := bot.Who{Platform: "slack", User: "U1"}
	for i := 0; ; i++ {
		e := glossary.Entry{ID: fmt.Sprintf("e%d", i%5), Title: fmt.Sprintf("E%d", i%5), Summary: fmt.Sprintf("Version %d.", i),
			Sources: []glossary.Source{{Title: "S", URL: "https://example.org"}}}
		id, err := s.AddProposal(ctx, bot.Proposal{Scope: bot.DefaultScope, Entry: e, Author: who, Proposed: time.Now()}, 0)
		if err != nil {
			fmt.Println("error add", err)
			os.Exit(3)
		}
		v, err := s.Decide(ctx, bot.DefaultScope, id, bot.Decision{Approve: true, By: who, At: time.Now()})
		if err != nil {
			fmt.Println("error decide", err)
			os.Exit(3)
		}
		fmt.Println("approved", id, v)
	}
}

// A process killed between approving and publishing — anywhere in the
// approval's transaction or after it — loses no approval it reported and
// publishes none twice: after each kill, every approval reported is in
// the store with its version, the curated version equals the number of
// approvals, and the curated layer holds the newest approval of each entry.
func TestCurationSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	path := filepath.Join(t.TempDir(), "state.db")
	reported := map[int64]int64{} // proposal -> version
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCurationHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), curationHelperEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		n := 0
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "error") {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("round %d: child: %s", round, line)
			}
			var id, v int64
			if _, err := fmt.Sscanf(line, "approved %d %d", &id, &v); err != nil {
				continue
			}
			reported[id] = v
			if n++; n == 20+round*9 {
				time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond) // not a timing assertion
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				break
			}
		}
		go func() {
			for sc.Scan() {
			}
		}()
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: child ended with %v, want killed by SIGKILL", round, err)
		}

		ctx := context.Background()
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		if v, err := s.IntegrityCheck(ctx); err != nil || v != "ok" {
			t.Fatalf("round %d: integrity_check = %q, %v", round, v, err)
		}
		approved, err := s.Proposals(ctx, bot.DefaultScope, bot.ProposalFilter{Status: bot.Approved})
		if err != nil {
			t.Fatal(err)
		}
		stored := map[int64]int64{}
		versions := map[int64]bool{}
		newest := map[string]bot.Proposal{}
		for _, p := range approved {
			stored[p.ID] = p.Version
			if versions[p.Version] {
				t.Errorf("round %d: version %d made twice", round, p.Version)
			}
			versions[p.Version] = true
			newest[p.Entry.ID] = p
		}
		for id, v := range reported {
			if stored[id] != v {
				t.Errorf("round %d: proposal %d was reported approved at version %d; the store has %d", round, id, v, stored[id])
			}
		}
		es, v, _, err := s.CuratedSince(ctx, bot.DefaultScope, 0)
		if err != nil {
			t.Fatal(err)
		}
		if v != int64(len(approved)) {
			t.Errorf("round %d: curated version %d after %d approvals", round, v, len(approved))
		}
		for _, e := range es {
			if e.Summary != newest[e.ID].Entry.Summary {
				t.Errorf("round %d: %s serves %q, the newest approval says %q", round, e.ID, e.Summary, newest[e.ID].Entry.Summary)
			}
		}
		pending, _ := s.Proposals(ctx, bot.DefaultScope, bot.ProposalFilter{Status: bot.Pending})
		if len(pending) > 1 {
			t.Errorf("round %d: %d pending, want at most the one in flight", round, len(pending))
		}
		// The one in flight is still pending: nothing half-approved. A
		// reviewer decides it now, once.
		for _, p := range pending {
			if _, err := s.Decide(ctx, bot.DefaultScope, p.ID, bot.Decision{By: bot.Who{Platform: "slack", User: "U2"}, At: time.Now(), Reason: "in flight"}); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		t.Logf("round %d: %d approvals reported, %d stored, %d in flight at the kill", round, len(reported), len(approved), len(pending))
	}
}
