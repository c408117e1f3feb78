//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// hostileGlossary is a glossary directory with one good entry, a symlink
// to /dev/zero and a named pipe among its entry files.
func hostileGlossary(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "entries", "good.yaml"), entry("good", "A Good Entry"))
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "entries", "zero.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "entries", "pipe.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestLintHostileFiles: refbot glossary lint names the device and the pipe
// and stops, where it used to run out of memory (/dev/zero) or hang (the
// pipe).
func TestLintHostileFiles(t *testing.T) {
	dir := hostileGlossary(t)
	r := runArgs(t, "", nil, "glossary", "lint", dir)
	wantCode(t, r, 1)
	for _, want := range []string{
		dir + "/entries/pipe.yaml: is a named pipe, not a regular file",
		dir + "/entries/zero.yaml: is a device, not a regular file",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("lint output lacks %q:\n%s", want, r.stdout)
		}
	}
}

// TestImportHostileFiles: refbot glossary import refuses a page that is a
// device or a pipe instead of reading it without end or waiting for it.
func TestImportHostileFiles(t *testing.T) {
	dir := hostileGlossary(t)
	for name, want := range map[string]string{"zero.yaml": "is a device", "pipe.yaml": "is a named pipe"} {
		file := filepath.Join(dir, "entries", name)
		r := runArgs(t, "", nil, "glossary", "import", "-o", t.TempDir(), file)
		wantCode(t, r, 1)
		if !strings.HasPrefix(r.stderr, file+": ") || !strings.Contains(r.stderr, want) {
			t.Errorf("import %s: stderr = %q, want the file and %q", name, r.stderr, want)
		}
	}
}
