package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"refbot/bot/bottest"
)

// refbot serve --cpuprofile FILE writes a profile when it stops; a FILE
// it cannot create stops it before anything is served, naming the flag.
func TestServeCPUProfile(t *testing.T) {
	path := writeConfig(t, "http:\n  addr: \"127.0.0.1:0\"\nlog:\n  format: json\nstate:\n  dir: "+t.TempDir()+"\n")
	var stdout, stderr bottest.Buffer
	err := run(context.Background(), []string{"refbot", "serve", "--config", path, "--cpuprofile", filepath.Join(t.TempDir(), "missing", "cpu.pprof")},
		env(nil), strings.NewReader(""), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--cpuprofile") || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("a profile in a missing directory: %v, want an error naming --cpuprofile and why", err)
	}

	profile := filepath.Join(t.TempDir(), "cpu.pprof")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"refbot", "serve", "--config", path, "--cpuprofile", profile}, env(nil), strings.NewReader(""), &stdout, &stderr)
	}()
	listening := regexp.MustCompile(`"msg":"refbot listening"`)
	waitFor(t, "the serving log line", func() bool { return listening.MatchString(stderr.String()) })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if fi, err := os.Stat(profile); err != nil || fi.Size() == 0 {
		t.Errorf("no profile written: %v", err)
	}
}
