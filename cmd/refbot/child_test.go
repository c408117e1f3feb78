//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"refbot/bot/bottest"
)

// The child's environment: its configuration file and its limit on open
// files.
const (
	childConfigEnv = "REFBOT_TEST_SERVE_CONFIG"
	childNofileEnv = "REFBOT_TEST_SERVE_NOFILE"
)

// TestServeChild is the child process of TestServeSurvivesHostileFiles:
// refbot serve as main runs it (signals, the configuration file, the log
// on stderr), with the echo test platform beside the real ones so that
// the parent can ask it for lookups, and with few file descriptors.
func TestServeChild(t *testing.T) {
	path := os.Getenv(childConfigEnv)
	if path == "" {
		t.Skip("run by TestServeSurvivesHostileFiles as a child process")
	}
	if n, err := strconv.ParseUint(os.Getenv(childNofileEnv), 10, 64); err == nil {
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
			fmt.Fprintln(os.Stderr, "setrlimit:", err)
			os.Exit(3)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := loadConfig(path, env(map[string]string{"ECHO_TOKEN": "t"}), append(platforms(), newEcho()))
	if err == nil {
		err = serve(ctx, cfg, newLogger(cfg.log, os.Stderr), nil)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "refbot:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// rssLimit bounds the child's resident memory: generous (the race
// detector multiplies it), and far below what reading /dev/zero reaches
// within seconds.
const rssLimit = 1 << 30

// vmRSS reads a process's resident memory from /proc/PID/status.
func vmRSS(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	m := regexp.MustCompile(`(?m)^VmRSS:\s+(\d+) kB$`).FindSubmatch(raw)
	if m == nil {
		return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	kb, err := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10, err
}

// TestServeSurvivesHostileFiles runs refbot serve as a child process with
// few file descriptors, drops a symlink to /dev/zero and a named pipe into
// glossary.dir, and floods it with silent connections. It keeps answering
// lookups on the last good glossary, reports the glossary stale, stays
// under a memory bound, keeps reloading (opening files) during the flood,
// and exits on SIGTERM. Before: the /dev/zero link ran it out of memory,
// the pipe blocked the reloader so that SIGTERM never ended the process,
// and silent connections took every file descriptor.
func TestServeSurvivesHostileFiles(t *testing.T) {
	if os.Getenv(childConfigEnv) != "" {
		t.Skip("in the child")
	}
	gdir := t.TempDir()
	writeFile(t, filepath.Join(gdir, "entries", "widget-alignment.yaml"), widgetEntry)
	const maxConns, nofile, flood = 32, 128, 150
	cfgPath := writeConfig(t, fmt.Sprintf("http: {addr: \"127.0.0.1:0\", max_connections: %d}\nglossary: {dir: %q, reload: 20ms}\nstate: {dir: %q}\necho: {enabled: true}\n",
		maxConns, gdir, t.TempDir()))

	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childConfigEnv+"="+cfgPath, childNofileEnv+"="+strconv.Itoa(nofile))
	stderr := &bottest.Buffer{}
	cmd.Stdout, cmd.Stderr = io.Discard, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	pid := cmd.Process.Pid
	maxRSS := int64(0)
	// until polls cond, checking the child's memory each time, with a
	// generous bound as a liveness check.
	until := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !cond() {
			rss, err := vmRSS(pid)
			if err != nil {
				t.Fatalf("waiting for %s: %v (did the child die?)\n%s", what, err, stderr)
			}
			maxRSS = max(maxRSS, rss)
			if rss > rssLimit {
				cmd.Process.Kill()
				t.Fatalf("waiting for %s: the child's resident memory is %d MiB, over %d MiB", what, rss>>20, rssLimit>>20)
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s:\n%s", what, stderr)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	var addr string
	addrRE := regexp.MustCompile(`msg="refbot listening" addr=(\S+)`)
	until("refbot listening", func() bool {
		if m := addrRE.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		}
		return addr != ""
	})
	base := "http://" + addr
	ask := func() string {
		t.Helper()
		res, err := http.PostForm(base+"/echo/ask", url.Values{"q": {"widget alignment"}, "channel": {"E-1"}})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return string(body)
	}
	if got := ask(); got != "hello, Widget Alignment\n" {
		t.Fatalf("lookup before = %q", got)
	}

	if err := os.Symlink("/dev/zero", filepath.Join(gdir, "entries", "zero.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(gdir, "entries", "pipe.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	failed := func() int {
		return strings.Count(stderr.String(), "glossary reload failed; keeping the last good glossary")
	}
	until("the failed reload", func() bool { return failed() > 0 })
	for _, want := range []string{"zero.yaml: is a device, not a regular file", "pipe.yaml: is a named pipe, not a regular file"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the log lacks %q", want)
		}
	}
	if got := ask(); got != "hello, Widget Alignment\n" {
		t.Errorf("lookup with broken files = %q, want the last good glossary's answer", got)
	}
	if code, body := get(t, base+"/healthz"); code != http.StatusOK || !strings.Contains(body, "glossary stale") {
		t.Errorf("GET /healthz = %d %q, want 200 and stale", code, body)
	}
	if code, _ := get(t, base+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz = %d, want 503", code)
	}

	// Silent connections, more than the child has file descriptors. The
	// glossary is then reloaded (SIGHUP), which opens files.
	var conns []net.Conn
	for range flood {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	before := failed()
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	until("the reload during the flood", func() bool { return failed() > before })
	for _, c := range conns {
		c.Close()
	}
	if strings.Contains(stderr.String(), "too many open files") {
		t.Errorf("the child ran out of file descriptors:\n%s", stderr)
	}
	until("a lookup after the flood", func() bool { return ask() == "hello, Widget Alignment\n" })

	rss, err := vmRSS(pid)
	if err != nil {
		t.Fatal(err)
	}
	maxRSS = max(maxRSS, rss)
	if maxRSS > rssLimit {
		t.Errorf("resident memory reached %d MiB, over %d MiB", maxRSS>>20, rssLimit>>20)
	}
	t.Logf("the child's resident memory peaked at %d MiB (sampled)", maxRSS>>20)

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err // for the cleanup
		if err != nil {
			t.Errorf("the child after SIGTERM: %v\n%s", err, stderr)
		}
	case <-time.After(30 * time.Second): // a liveness bound, not a timing assertion
		t.Fatalf("the child did not exit within 30 s of SIGTERM:\n%s", stderr)
	}
	for _, want := range []string{"shutting down", "lookup statistics written at shutdown"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, stderr)
		}
	}
}
