package sqlite_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/sqlite"
)

// helperEnv names the database a re-executed test binary writes to.
const helperEnv = "REFBOT_SQLITE_CRASH_HELPER"

// TestHelperProcess is the child of TestSurvivesKill: it claims and
// confirms slots as fast as it can, printing each slot after its confirm
// committed, until it is killed.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("run by TestSurvivesKill as a child process")
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	start := 0
	if last, ok, err := s.LastSlot(ctx, "slack", "C1", "c"); err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	} else if ok {
		start = int(last.Sub(t0)/time.Minute) + 1 // carry on after an earlier child
	}
	for i := start; ; i++ {
		k := bot.PostKey{Platform: "slack", Channel: "C1", Curriculum: "c", Slot: t0.Add(time.Duration(i) * time.Minute), Scheduled: true}
		if _, ok, err := s.Claim(ctx, k, 8, time.Now(), false); err != nil || !ok {
			fmt.Println("error claim", i, ok, err)
			os.Exit(3)
		}
		if err := s.AddLookups(ctx, []bot.LookupCount{{Lookup: bot.NewLookup("slack", "q", "mesa-optimization"), N: 1}}); err != nil {
			fmt.Println("error lookup", err)
			os.Exit(3)
		}
		if err := s.Confirm(ctx, k, "m"+strconv.Itoa(i), time.Now()); err != nil {
			fmt.Println("error confirm", err)
			os.Exit(3)
		}
		fmt.Println("confirmed", k.Slot.Unix())
	}
}

// A process killed with SIGKILL in the middle of writing leaves a sound
// database in which every slot it reported confirmed is still confirmed.
func TestSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	path := filepath.Join(t.TempDir(), "state.db")
	var confirmed []int64
	for round := range 3 { // kill, reopen in a new child, kill again
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"="+path)
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
			slot, ok := strings.CutPrefix(line, "confirmed ")
			if !ok {
				continue
			}
			v, err := strconv.ParseInt(slot, 10, 64)
			if err != nil {
				t.Fatalf("child said %q", line)
			}
			confirmed = append(confirmed, v)
			// Kill mid-stream: after a varying number of commits, while the
			// child is already into its next write.
			if n++; n == 15+round*7 {
				// Let the child get a varying way into its next claim or
				// confirm before the kill (this is not a timing assertion).
				time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				break
			}
		}
		go func() {
			for sc.Scan() { // drain, so the child never blocks on a full pipe
			}
		}()
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: child ended with %v, want killed by SIGKILL", round, err)
		}

		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		if v, err := s.IntegrityCheck(context.Background()); err != nil || v != "ok" {
			t.Fatalf("round %d: integrity_check = %q, %v", round, v, err)
		}
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(`SELECT slot FROM reading_posts WHERE confirmed_at IS NOT NULL AND message_id != ''`)
		if err != nil {
			t.Fatal(err)
		}
		stored := map[int64]bool{}
		for rows.Next() {
			var slot int64
			if err := rows.Scan(&slot); err != nil {
				t.Fatal(err)
			}
			stored[slot] = true
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		db.Close()
		lost := 0
		for _, c := range confirmed {
			if !stored[c] {
				lost++
			}
		}
		if lost > 0 {
			t.Errorf("round %d: %d of %d slots the child reported confirmed are not confirmed in the database", round, lost, len(confirmed))
		}
		un, err := s.Unconfirmed(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(un) > 1 {
			t.Errorf("round %d: %d unconfirmed claims, want at most the one in flight", round, len(un))
		}
		// Drop the in-flight claim, as reconciliation would; the next
		// child carries on after it.
		for _, p := range un {
			if _, err := s.Release(context.Background(), p.PostKey, p.ClaimedAt); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		t.Logf("round %d: %d slots confirmed so far, %d in flight at the kill", round, len(confirmed), len(un))
	}
}
