//go:build unix

package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"refbot/bot/sqlite"
)

// asUnprivileged reports whether the calling test should run its body in
// this process. Root may write any file whatever its mode, so as root the
// test runs again in a child process as uid and gid 65534 (nobody), and
// its verdict is the child's.
func asUnprivileged(t *testing.T) bool {
	t.Helper()
	if os.Getenv("REFBOT_TEST_UNPRIVILEGED") == "1" || os.Geteuid() != 0 {
		return true
	}
	// The test binary may sit in a directory only root can enter.
	// /tmp rather than $TMPDIR, which may be a directory only root can
	// enter; the child's own temporary directories go in tmp, its own.
	dir, err := os.MkdirTemp("/tmp", "refbot-unprivileged")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	tmp := filepath.Join(dir, "tmp")
	for _, err := range []error{os.Chmod(dir, 0o755), os.Mkdir(tmp, 0o700), os.Chown(tmp, nobody, nobody)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "sqlite.test")
	copyFile(t, os.Args[0], bin)
	cmd := exec.Command(bin, "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "REFBOT_TEST_UNPRIVILEGED=1", "TMPDIR="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if errors.Is(err, syscall.EPERM) {
		t.Skipf("running as root and not allowed to drop to uid %d here (%v): the test needs a user that permissions apply to", nobody, err)
	}
	t.Logf("as uid %d:\n%s", nobody, out)
	if err != nil {
		t.Fatalf("as uid %d: %v", nobody, err)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("as uid %d: the test did not pass", nobody)
	}
	return false
}

// nobody is the unprivileged user and group the tests above run as.
const nobody = 65534

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOpenRefusesAReadOnlyFile: a refbot.db that cannot be written is
// refused at open, naming the file and the user. Before, refbot started
// and lost every statistic without a word.
func TestOpenRefusesAReadOnlyFile(t *testing.T) {
	if !asUnprivileged(t) {
		return
	}
	path := filepath.Join(t.TempDir(), "state.db")
	open(t, path).Close()
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(context.Background(), path)
	if err == nil {
		err = s.SetUserOptedOut(context.Background(), "slack", "U1", true)
		s.Close()
		t.Fatalf("opened a read-only database; a write then gave %v", err)
	}
	t.Logf("refused: %v", err)
	for _, want := range []string{path, "read-only", fmt.Sprintf("uid %d", os.Geteuid())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want it to mention %q", err, want)
		}
	}
}

// TestOpenSaysPermissionDenied: a state directory refbot may not write
// gets an error that says it is a permission problem, where SQLite says
// only "unable to open database file (14)".
func TestOpenSaysPermissionDenied(t *testing.T) {
	if !asUnprivileged(t) {
		return
	}
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.OpenDir(context.Background(), dir, nil)
	if err == nil {
		s.Close()
		t.Fatal("opened a database in a directory refbot cannot write")
	}
	t.Logf("refused: %v", err)
	for _, want := range []string{filepath.Join(dir, sqlite.FileName), "permission denied", fmt.Sprintf("uid %d", os.Geteuid())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want it to mention %q", err, want)
		}
	}
}
