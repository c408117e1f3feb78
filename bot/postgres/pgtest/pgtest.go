// Package pgtest runs throwaway PostgreSQL servers for tests, as
// net/http/httptest runs HTTP servers: a cluster made with initdb in a
// temporary directory, listening only on a Unix socket there, removed when
// the tests end.
//
// A test package calls Main from its TestMain and URL from each test that
// needs a database; the first URL starts the package's one server and each
// URL is a fresh, empty database on it. When REFBOT_TEST_POSTGRES holds a
// connection URL, databases are made on that server instead (its user
// needs CREATEDB). With neither PostgreSQL's programs nor that variable,
// the tests skip, and Main says so in one line; REFBOT_REQUIRE_POSTGRES=1
// makes them fail instead, as CI does.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"refbot/bot/bottest"
)

const (
	// EnvURL names a server to make test databases on instead of
	// starting one: postgres://USER@HOST:PORT/DB, USER with CREATEDB.
	EnvURL = "REFBOT_TEST_POSTGRES"
	// EnvRequire, set to 1, turns a missing PostgreSQL from a skip into
	// a failure.
	EnvRequire = "REFBOT_REQUIRE_POSTGRES"
	// EnvBin names the directory holding initdb and postgres, when they
	// are neither under /usr/lib/postgresql/*/bin nor on PATH.
	EnvBin = "REFBOT_POSTGRES_BIN"
)

// How holds the advice a skipped test gives.
const How = "install PostgreSQL (Debian: apt-get install postgresql) or set " + EnvURL +
	"=postgres://USER@HOST/DB (USER may create databases); " + EnvRequire + "=1 makes this a failure"

// Server is one PostgreSQL cluster of its own: a data directory and a
// postmaster listening on a Unix socket beside it.
type Server struct {
	dir  string // holds data/ and the socket
	bin  string
	cred *syscall.Credential // run as this user (initdb refuses root)

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}   // closed when cmd exits
	log  *bottest.Buffer // the server's output (both streams), for errors
}

// Bin finds the directory of PostgreSQL's programs: $REFBOT_POSTGRES_BIN,
// the newest /usr/lib/postgresql/*/bin, or initdb's directory on PATH.
func Bin() (string, bool) {
	if d := os.Getenv(EnvBin); d != "" {
		_, err := os.Stat(filepath.Join(d, "initdb"))
		return d, err == nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, true
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), true
	}
	return "", false
}

// version is the major version in /usr/lib/postgresql/VERSION/bin.
func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// NewServer makes a cluster in a new temporary directory and starts it.
// Remove stops it and deletes the directory.
func NewServer(ctx context.Context, bin string) (*Server, error) {
	dir, err := os.MkdirTemp("", "refbot-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root: run them as the
		// postgres user Debian's package creates.
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root needs a postgres user to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	var out bytes.Buffer
	initdb := s.command(ctx, "initdb", "-D", s.data(), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	initdb.Stdout, initdb.Stderr = &out, &out
	if err := initdb.Run(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, out.Bytes())
	}
	if err := s.Start(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

func (s *Server) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	// Pdeathsig: a test binary that dies takes its server with it.
	// SIGQUIT is PostgreSQL's immediate shutdown.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Pdeathsig: syscall.SIGQUIT}
	return cmd
}

// Start starts the server (again, after Stop) and waits until it accepts
// connections.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("pgtest: server already running")
	}
	log := &bottest.Buffer{}
	// Not CommandContext: the server outlives ctx, until Stop.
	cmd := s.command(context.Background(), "postgres", "-D", s.data(), "-k", s.dir, "-p", "5432",
		"-c", "listen_addresses=", "-c", "max_connections=200", "-c", "logging_collector=off")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.cmd, s.done, s.log = cmd, done, log
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := pgx.Connect(ctx, s.URL("postgres"))
		if err == nil {
			c.Close(ctx)
			return nil
		}
		select {
		case <-done:
			s.cmd = nil
			return fmt.Errorf("postgres exited at start: %s", log.String())
		case <-ctx.Done():
			return errors.Join(ctx.Err(), s.stopLocked())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.Join(fmt.Errorf("postgres did not accept connections within a minute: %w", err), s.stopLocked())
		}
	}
}

// Stop shuts the server down (a fast shutdown: sessions are ended,
// committed data kept). Start brings it back with the same data.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopLocked()
}

func (s *Server) stopLocked() error {
	if s.cmd == nil {
		return nil
	}
	s.cmd.Process.Signal(syscall.SIGINT) // fast shutdown
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
	return nil
}

// Remove stops the server and deletes its directory.
func (s *Server) Remove() error {
	return errors.Join(s.Stop(), os.RemoveAll(s.dir))
}

// URL is the connection URL of database db on the server.
func (s *Server) URL(db string) string {
	q := url.Values{"host": {s.dir}, "port": {"5432"}}
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + db, RawQuery: q.Encode()}).String()
}

// Log is what the server has written so far.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.log == nil {
		return ""
	}
	return s.log.String()
}

// The package's shared server, started by the first URL.
var shared struct {
	once  sync.Once
	srv   *Server
	admin string // URL of the database to run CREATE DATABASE in
	err   error
	made  atomic.Int64 // databases made, for unique names
}

// Main runs the package's tests, then removes the shared server and, when
// tests were skipped for want of PostgreSQL, says so in one line. Call it
// from TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		shared.srv.Remove()
	}
	needs.Report()
	os.Exit(code)
}

// needs skips tests for want of PostgreSQL, or fails them with
// REFBOT_REQUIRE_POSTGRES=1, and reports the skips.
var needs = &bottest.Needs{What: "PostgreSQL", Require: EnvRequire, How: How}

// Available reports whether tests can have a PostgreSQL server: a URL in
// REFBOT_TEST_POSTGRES or PostgreSQL's programs on this machine.
func Available() bool {
	if os.Getenv(EnvURL) != "" {
		return true
	}
	_, ok := Bin()
	return ok
}

// URL returns the connection URL of a new, empty database for tb on the
// package's server, dropped when tb ends. It skips tb when there is no
// server (fails it with REFBOT_REQUIRE_POSTGRES=1).
func URL(tb testing.TB) string {
	tb.Helper()
	shared.once.Do(func() {
		if u := os.Getenv(EnvURL); u != "" {
			shared.admin = u
			return
		}
		bin, ok := Bin()
		if !ok {
			shared.err = errNoServer
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		shared.srv, shared.err = NewServer(ctx, bin)
		if shared.err == nil {
			shared.admin = shared.srv.URL("postgres")
		}
	})
	if errors.Is(shared.err, errNoServer) {
		needs.Skip(tb, "neither "+EnvURL+" nor initdb (under /usr/lib/postgresql/*/bin or on PATH) is there")
	}
	if shared.err != nil {
		tb.Fatalf("start a PostgreSQL server for the tests: %v", shared.err)
	}
	u, err := CreateDatabase(context.Background(), shared.admin, fmt.Sprintf("refbot_test_%d_%d", os.Getpid(), shared.made.Add(1)))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { dropDatabase(shared.admin, u) })
	return u
}

var errNoServer = errors.New("no PostgreSQL server")

// NewServerT starts a server of tb's own, removed when tb ends: for tests
// that stop and start it. It skips tb when PostgreSQL's programs are not
// on this machine (REFBOT_TEST_POSTGRES cannot be stopped and started).
func NewServerT(tb testing.TB) *Server {
	tb.Helper()
	bin, ok := Bin()
	if !ok {
		needs.Skip(tb, "this test stops and starts a server of its own, which needs initdb (under /usr/lib/postgresql/*/bin or on PATH)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := NewServer(ctx, bin)
	if err != nil {
		tb.Fatalf("start a PostgreSQL server: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Remove(); err != nil {
			tb.Errorf("remove the PostgreSQL server: %v", err)
		}
	})
	return s
}

// CreateDatabase creates database name through the server at admin and
// returns admin's URL with name as its database.
func CreateDatabase(ctx context.Context, admin, name string) (string, error) {
	c, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", fmt.Errorf("connect to %s: %w", redact(admin), err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create test database: %w", err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func dropDatabase(admin, dbURL string) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, admin)
	if err != nil {
		return // the server is gone: so is the database, or it will be
	}
	defer c.Close(ctx)
	c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{strings.TrimPrefix(u.Path, "/")}.Sanitize()+" WITH (FORCE)")
}

// redact hides a password in a URL, for errors.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the server"
	}
	return u.Redacted()
}
