//go:build unix

package glossary_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"refbot/glossary"
)

// hostileDir is a glossary directory with one good entry and, beside it,
// a file named name made by mk.
func hostileDir(t *testing.T, name string, mk func(path string) error) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "entries"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "entries", "widget.yaml"), []byte(goodEntry), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := mk(filepath.Join(dir, "entries", name)); err != nil {
		t.Skipf("cannot make %s here: %v", name, err) // e.g. no mkfifo on this system
	}
	return dir
}

// TestLoadRefusesFilesThatAreNotRegular: a symlink to /dev/zero, a named
// pipe and a socket under entries/ are reported and never read — reading
// /dev/zero had no end (out of memory) and opening a FIFO blocked the
// reload for ever. Each is checked through both the plain os.DirFS and
// glossary.DirFS.
func TestLoadRefusesFilesThatAreNotRegular(t *testing.T) {
	for _, c := range []struct {
		name, want string
		mk         func(string) error
	}{
		{"zero.yaml", "is a device, not a regular file", func(p string) error { return os.Symlink("/dev/zero", p) }},
		{"pipe.yaml", "is a named pipe, not a regular file", func(p string) error { return syscall.Mkfifo(p, 0o644) }},
		{"sub.yaml", "is a directory, not a regular file", func(p string) error {
			return os.Symlink(filepath.Dir(p), p) // a link to a directory looks like a file to ReadDir
		}},
	} {
		dir := hostileDir(t, c.name, c.mk)
		for _, l := range []glossary.Layer{{Name: "os", FS: os.DirFS(dir)}, {Name: "glossary", FS: glossary.DirFS(dir)}} {
			done := make(chan error, 1)
			go func() { _, err := glossary.Load(l); done <- err }()
			var err error
			select {
			case err = <-done:
			case <-time.After(time.Minute): // a liveness bound, not a timing assertion
				t.Fatalf("%s via %s: Load still running after a minute (blocked on the file?)", c.name, l.Name)
			}
			want := l.Name + "/entries/" + c.name + ": " + c.want
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s via %s: got %v, want a problem %q", c.name, l.Name, err, want)
			}
		}
	}
}

// TestDirFSOpensPipesWithoutBlocking: glossary.DirFS opens a named pipe
// that has no writer at once, so even a file that turns into a pipe
// between the check and the open cannot stall a reload.
func TestDirFSOpensPipesWithoutBlocking(t *testing.T) {
	dir := hostileDir(t, "pipe.yaml", func(p string) error { return syscall.Mkfifo(p, 0o644) })
	done := make(chan error, 1)
	go func() {
		f, err := glossary.DirFS(dir).Open("entries/pipe.yaml")
		if err == nil {
			f.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("open: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("opening a named pipe through DirFS blocked")
	}
	for _, bad := range []string{"../x", "/etc/passwd", "entries/../../x"} {
		if _, err := glossary.DirFS(dir).Open(bad); err == nil {
			t.Errorf("Open(%q) succeeded; want an invalid-path error", bad)
		}
	}
	if _, err := fs.ReadDir(glossary.DirFS(dir), "entries"); err != nil {
		t.Errorf("ReadDir: %v", err)
	}
}

// countingFS counts the bytes read from its files; endless files produce
// data for ever while their Stat says they are small (as /proc files do).
type countingFS struct {
	fs.FS
	read    atomic.Int64
	endless map[string]bool
}

func (c *countingFS) Open(name string) (fs.File, error) {
	f, err := c.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if c.endless[name] {
		return &endlessFile{f}, nil
	}
	return &countedFile{File: f, n: &c.read}, nil
}

type countedFile struct {
	fs.File
	n *atomic.Int64
}

func (f *countedFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	f.n.Add(int64(n))
	return n, err
}

// ReadDir keeps fs.ReadDir working on directories.
func (f *countedFile) ReadDir(n int) ([]fs.DirEntry, error) {
	return f.File.(fs.ReadDirFile).ReadDir(n)
}

type endlessFile struct{ fs.File }

func (f *endlessFile) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// TestLoadReadsThroughALimit: a 50 MB file is refused from its size
// without being read, and a file whose size lies (it says 10 bytes and
// never ends) is read no further than the limit.
func TestLoadReadsThroughALimit(t *testing.T) {
	big := make([]byte, 50<<20)
	fsys := &countingFS{FS: fstest.MapFS{
		"entries/widget.yaml": {Data: []byte(goodEntry)},
		"entries/big.yaml":    {Data: big},
		"entries/proc.yaml":   {Data: []byte("0123456789")},
	}, endless: map[string]bool{"entries/proc.yaml": true}}
	_, err := glossary.Load(glossary.Layer{FS: fsys})
	for _, want := range []string{
		"entries/big.yaml: file is 52428800 bytes; the limit is 262144",
		"entries/proc.yaml: file is over 262144 bytes, the limit",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want a problem %q", err, want)
		}
	}
	if n := fsys.read.Load(); n > int64(len(goodEntry)) {
		t.Errorf("read %d bytes from the counted files; want only the good entry's %d", n, len(goodEntry))
	}
}

// TestReadFileLimit: ReadFile, which refbot glossary import reads pages
// with, refuses what is not a regular file and stops at its limit.
func TestReadFileLimit(t *testing.T) {
	dir := hostileDir(t, "zero.yaml", func(p string) error { return os.Symlink("/dev/zero", p) })
	if _, err := glossary.ReadFile(filepath.Join(dir, "entries", "zero.yaml"), 1<<20); err == nil || !strings.Contains(err.Error(), "is a device, not a regular file") {
		t.Errorf("ReadFile(/dev/zero link) = %v", err)
	}
	p := filepath.Join(dir, "entries", "widget.yaml")
	if got, err := glossary.ReadFile(p, 1<<20); err != nil || string(got) != goodEntry {
		t.Errorf("ReadFile(widget) = %q, %v", got, err)
	}
	if _, err := glossary.ReadFile(p, 10); err == nil || !strings.Contains(err.Error(), "the limit is 10") {
		t.Errorf("ReadFile over the limit = %v", err)
	}
	if _, err := glossary.ReadFile(filepath.Join(dir, "missing"), 10); err == nil {
		t.Error("ReadFile of a missing file succeeded")
	}
}
