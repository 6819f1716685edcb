package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"apistarter/bench/harness"

	"github.com/redis/go-redis/v9"
)

// pgCluster is a throwaway PostgreSQL cluster in a temporary directory, on
// a free port with trust authentication: restarting it harms no one.
type pgCluster struct {
	bin  string // directory of initdb and pg_ctl
	dir  string
	port int
	cred *syscall.Credential // run as this user when we are root (initdb refuses root)
}

func startCluster(ctx context.Context, pgBin string) (*pgCluster, error) {
	port, err := harness.FreePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "apistarter-faults-pg-")
	if err != nil {
		return nil, err
	}
	c := &pgCluster{bin: pgBin, dir: dir, port: port}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pg cluster: running as root needs a postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	if _, err := c.run(ctx, "initdb", "-D", c.data(), "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"); err != nil {
		c.destroy(io.Discard)
		return nil, err
	}
	if err := c.start(ctx); err != nil {
		c.destroy(io.Discard)
		return nil, err
	}
	return c, nil
}

// findPgBin locates the server binaries (initdb, pg_ctl): pg_config's
// bindir, else the newest /usr/lib/postgresql/*/bin, else the PATH.
func findPgBin() string {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return version(a) - version(b) })
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return "/usr/lib/postgresql/15/bin"
}

// version is the major version in /usr/lib/postgresql/<v>/bin.
func version(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

func (c *pgCluster) data() string { return filepath.Join(c.dir, "data") }

// url is the connection URL of database db.
func (c *pgCluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

func (c *pgCluster) start(ctx context.Context) error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", c.port, c.dir)
	_, err := c.run(ctx, "pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "postgres.log"), "-o", opts, "-w", "-t", "60", "start")
	return err
}

// stop shuts the server down: fast mode disconnects every client at once,
// like a crash from the clients' point of view, but leaves a clean cluster.
func (c *pgCluster) stop(ctx context.Context) error {
	_, err := c.run(ctx, "pg_ctl", "-D", c.data(), "-m", "fast", "-w", "-t", "60", "stop")
	return err
}

// destroy stops the server, keeps its log in logDir and removes the cluster.
func (c *pgCluster) destroy(log io.Writer, logDir ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := os.Stat(filepath.Join(c.data(), "postmaster.pid")); err == nil {
		if _, err := c.run(ctx, "pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop"); err != nil {
			fmt.Fprintln(log, "faults:", err)
		}
	}
	if len(logDir) > 0 {
		if b, err := os.ReadFile(filepath.Join(c.dir, "postgres.log")); err == nil {
			_ = os.WriteFile(filepath.Join(logDir[0], "postgres.log"), b, 0o644)
		}
	}
	_ = os.RemoveAll(c.dir)
}

func (c *pgCluster) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C"}
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("pg cluster: %s: %w\n%s", name, err, out)
	}
	return string(out), nil
}

// redisServer is a dedicated redis-server the harness may stop, restart and
// flush. The append-only file makes a restart an outage, not a data loss;
// the flush fault is the data loss.
type redisServer struct {
	port   int
	dir    string
	logDir string
	proc   *harness.Proc
}

func startRedis(ctx context.Context, logDir string) (*redisServer, error) {
	port, err := harness.FreePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "apistarter-faults-redis-")
	if err != nil {
		return nil, err
	}
	r := &redisServer{port: port, dir: dir, logDir: logDir}
	if err := r.start(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return r, nil
}

func (r *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

func (r *redisServer) start(ctx context.Context) error {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	p, err := harness.StartProc("redis", bin, []string{"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--dir", r.dir, "--appendonly", "yes", "--save", ""}, nil, r.dir, r.logDir)
	if err != nil {
		return err
	}
	r.proc = p
	rc := redis.NewClient(&redis.Options{Addr: r.addr()})
	defer rc.Close()
	deadline := time.Now().Add(20 * time.Second)
	for rc.Ping(ctx).Err() != nil {
		if time.Now().After(deadline) || p.Exited() {
			_ = p.Kill()
			return fmt.Errorf("redis: not answering on %s:\n%s", r.addr(), p.Tail(10))
		}
		time.Sleep(20 * time.Millisecond) // polling for startup, with a deadline
	}
	return nil
}

// stop shuts Redis down gracefully (SIGTERM: the append-only file is
// synced first).
func (r *redisServer) stop() error { return r.proc.Stop(15 * time.Second) }

func (r *redisServer) flushAll(ctx context.Context) error {
	rc := redis.NewClient(&redis.Options{Addr: r.addr()})
	defer rc.Close()
	return rc.FlushAll(ctx).Err()
}

func (r *redisServer) destroy() {
	if r.proc != nil {
		_ = r.proc.Stop(10 * time.Second)
	}
	_ = os.RemoveAll(r.dir)
}
