package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// env is a map-backed getenv.
func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

type result struct {
	stdout, stderr string
	err            error
}

// code is the exit status main would give err.
func (r result) code() int {
	var ex exitError
	switch {
	case r.err == nil:
		return 0
	case errors.As(r.err, &ex):
		return ex.code
	}
	return 1
}

// runArgs runs refbot with args (without the program name), stdin and an
// environment, as main would.
func runArgs(t *testing.T, stdin string, kv map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), append([]string{"refbot"}, args...), env(kv), strings.NewReader(stdin), &stdout, &stderr)
	return result{stdout.String(), stderr.String(), err}
}

func wantCode(t *testing.T, r result, code int) {
	t.Helper()
	if got := r.code(); got != code {
		t.Fatalf("exit status %d (err %v), want %d\nstdout:\n%s\nstderr:\n%s", got, r.err, code, r.stdout, r.stderr)
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test -update if the change is intended)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version", "-v"} {
		r := runArgs(t, "", nil, arg)
		wantCode(t, r, 0)
		if !strings.HasPrefix(r.stdout, "refbot ") || !strings.HasSuffix(r.stdout, "\n") || strings.Count(r.stdout, "\n") != 1 {
			t.Errorf("%s printed %q, want one line \"refbot VERSION\"", arg, r.stdout)
		}
	}
}

// refbot version says what it can: the stamped version, else the
// module's, the commit when Go recorded it, and how to stamp one when
// there is nothing (issue 12.13: "dev" alone said nothing).
func TestDescribeVersion(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "f922eb73494e0123456789"}, {Key: "vcs.time", Value: "2026-11-30T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}
	for _, tt := range []struct {
		stamped string
		info    *debug.BuildInfo
		want    string
	}{
		{"dev", nil, `dev (no version stamped: go build -ldflags "-X main.version=v1.2.3")`},
		{"dev", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, `dev (no version stamped: go build -ldflags "-X main.version=v1.2.3") go1.26.0`},
		{"dev", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0 go1.26.0"},
		{"v1.2.3", &debug.BuildInfo{GoVersion: "go1.26.0", Settings: vcs}, "v1.2.3 (f922eb73494e, 2026-11-30, modified) go1.26.0"},
		{"dev", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: vcs[:2]}, "dev (f922eb73494e) go1.26.0"},
		// go build in a git clone: the pseudo-version holds the commit.
		{"dev", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.0.0-20261130100000-f922eb73494e+dirty"}, Settings: vcs},
			"v0.0.0-20261130100000-f922eb73494e+dirty go1.26.0"},
	} {
		if got := describeVersion(tt.stamped, tt.info); got != tt.want {
			t.Errorf("describeVersion(%q, %+v) = %q, want %q", tt.stamped, tt.info, got, tt.want)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "help"} {
		r := runArgs(t, "", nil, arg)
		wantCode(t, r, 0)
		for _, want := range []string{"Usage:", "refbot define [--json] TERM", "refbot glossary lint", "refbot serve --config FILE", "refbot version",
			// Issue 12.13: every flag people need is listed.
			"refbot stats [--config FILE] [--platform NAME] [--n N] [--json]", "refbot slack manifest --url URL | --socket [--autolink | --config FILE]",
			"refbot discord invite [--config FILE] [--application-id ID]", "refbot search [--json]", "refbot scan [--json]"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%s: usage lacks %q:\n%s", arg, want, r.stdout)
			}
		}
		if r.stderr != "" {
			t.Errorf("%s wrote to stderr: %q", arg, r.stderr)
		}
	}
}

// A subcommand's -h prints its flags and succeeds.
func TestSubcommandHelp(t *testing.T) {
	for _, args := range [][]string{{"define", "-h"}, {"console", "--help"}, {"glossary", "lint", "-h"}, {"glossary", "import", "-h"}, {"serve", "-h"}} {
		r := runArgs(t, "", nil, args...)
		if r.err != nil {
			t.Errorf("%v: err %v, want nil", args, r.err)
		}
		if !strings.Contains(r.stderr, "Usage of refbot") {
			t.Errorf("%v: stderr %q lacks the flags", args, r.stderr)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	r := runArgs(t, "", nil, "frobnicate")
	wantCode(t, r, 2)
	if !strings.Contains(r.err.Error(), `"frobnicate"`) {
		t.Errorf("error %q does not name the command", r.err)
	}
	if !strings.Contains(r.stderr, "Usage:") {
		t.Errorf("stderr lacks the usage: %q", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
	for _, args := range [][]string{{"glossary"}, {"glossary", "frobnicate"}, {"define", "--frobnicate", "x"}} {
		wantCode(t, runArgs(t, "", nil, args...), 2)
	}
}

func TestExitErrorMessage(t *testing.T) {
	if got := (exitError{code: 3}).Error(); got != "exit status 3" {
		t.Errorf("Error() = %q", got)
	}
	if got := (exitError{code: 2, msg: "bad"}).Error(); got != "bad" {
		t.Errorf("Error() = %q", got)
	}
}
