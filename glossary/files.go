package glossary

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// A glossary directory is written by people and read by a bot that must
// keep running, so nothing in it may stall or exhaust the loader: a
// symlink to /dev/zero would be read without end, a named pipe would
// block the open until someone writes to it, and a huge file would be
// read whole before its size was checked. Files are therefore checked
// with Stat before they are opened, opened without blocking, and read
// through a limit.

// DirFS is the directory dir as a file system for Load, like os.DirFS
// except that it opens files without blocking (O_NONBLOCK where the
// system has it), so a file swapped for a named pipe between the loader's
// check and its open cannot stall a reload.
func DirFS(dir string) fs.FS { return dirFS(dir) }

type dirFS string

func (d dirFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, err := os.OpenFile(filepath.Join(string(d), filepath.FromSlash(name)), os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Stat lets fs.Stat look before anything is opened.
func (d dirFS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	return os.Stat(filepath.Join(string(d), filepath.FromSlash(name)))
}

// ReadFile reads the file at path, refusing anything that is not a regular
// file and anything over limit bytes without reading more than limit+1.
func ReadFile(path string, limit int64) ([]byte, error) {
	return readRegular(DirFS(filepath.Dir(path)), filepath.Base(path), limit)
}

// errNotRegular says what a path is instead of a regular file.
type errNotRegular struct{ mode fs.FileMode }

func (e errNotRegular) Error() string {
	what := "a special file"
	switch t := e.mode.Type(); {
	case t&fs.ModeDir != 0:
		what = "a directory"
	case t&fs.ModeNamedPipe != 0:
		what = "a named pipe"
	case t&fs.ModeSocket != 0:
		what = "a socket"
	case t&fs.ModeDevice != 0:
		what = "a device"
	}
	return fmt.Sprintf("is %s, not a regular file; remove it or replace it with a plain YAML file", what)
}

// errTooBig says a file is over the limit; size is -1 when only the read
// found out (a file whose size the system does not know).
type errTooBig struct{ size, limit int64 }

func (e errTooBig) Error() string {
	if e.size < 0 {
		return fmt.Sprintf("file is over %d bytes, the limit", e.limit)
	}
	return fmt.Sprintf("file is %d bytes; the limit is %d", e.size, e.limit)
}

// readRegular reads name from fsys: checked with Stat before it is opened
// (where fsys can), checked again on the open file, then read through
// limit.
func readRegular(fsys fs.FS, name string, limit int64) ([]byte, error) {
	check := func(fi fs.FileInfo) error {
		if !fi.Mode().IsRegular() {
			return errNotRegular{fi.Mode()}
		}
		if fi.Size() > limit {
			return errTooBig{fi.Size(), limit}
		}
		return nil
	}
	if _, ok := fsys.(fs.StatFS); ok {
		fi, err := fs.Stat(fsys, name)
		if err != nil {
			return nil, err
		}
		if err := check(fi); err != nil {
			return nil, err
		}
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := check(fi); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errTooBig{-1, limit}
	}
	return data, nil
}

// fileProblem is the problem for a file readRegular refused.
func fileProblem(file string, err error) Problem {
	var nr errNotRegular
	var tb errTooBig
	if errors.As(err, &nr) || errors.As(err, &tb) {
		return Problem{File: file, Message: err.Error()}
	}
	return Problem{File: file, Message: fmt.Sprintf("cannot read: %v", err)}
}
