package harness

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
)

// PgCluster is a throwaway PostgreSQL cluster in a temporary directory, on
// a free port with trust authentication: restarting it harms no one.
type PgCluster struct {
	bin  string // directory of initdb and pg_ctl
	dir  string
	Port int
	cred *syscall.Credential // run as this user when we are root (initdb refuses root)
}

func StartPgCluster(ctx context.Context, pgBin string) (*PgCluster, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "apistarter-pg-")
	if err != nil {
		return nil, err
	}
	c := &PgCluster{bin: pgBin, dir: dir, Port: port}
	if os.Geteuid() == 0 {
		uid, gid, err := postgresUser()
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	if _, err := c.run(ctx, "initdb", "-D", c.data(), "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"); err != nil {
		c.Destroy(io.Discard)
		return nil, err
	}
	if err := c.Start(ctx); err != nil {
		c.Destroy(io.Discard)
		return nil, err
	}
	return c, nil
}

// postgresUser is the ids of the postgres user, whom the PostgreSQL tools
// run as when we are root (initdb and pgbouncer refuse root).
func postgresUser() (uid, gid int, err error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return 0, 0, fmt.Errorf("harness: running as root needs a postgres user: %w", err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid, nil
}

// FindPgBin locates the server binaries (initdb, pg_ctl): pg_config's
// bindir, else the newest /usr/lib/postgresql/*/bin, else the PATH.
func FindPgBin() string {
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

func (c *PgCluster) data() string { return filepath.Join(c.dir, "data") }

// url is the connection URL of database db.
func (c *PgCluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, db)
}

func (c *PgCluster) Start(ctx context.Context) error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", c.Port, c.dir)
	_, err := c.run(ctx, "pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "postgres.log"), "-o", opts, "-w", "-t", "60", "start")
	return err
}

// Stop shuts the server down: fast mode disconnects every client at once,
// like a crash from the clients' point of view, but leaves a clean cluster.
func (c *PgCluster) Stop(ctx context.Context) error {
	_, err := c.run(ctx, "pg_ctl", "-D", c.data(), "-m", "fast", "-w", "-t", "60", "stop")
	return err
}

// destroy stops the server, keeps its log in logDir and removes the cluster.
func (c *PgCluster) Destroy(log io.Writer, logDir ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := os.Stat(filepath.Join(c.data(), "postmaster.pid")); err == nil {
		if _, err := c.run(ctx, "pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop"); err != nil {
			fmt.Fprintln(log, "harness:", err)
		}
	}
	if len(logDir) > 0 {
		if b, err := os.ReadFile(filepath.Join(c.dir, "postgres.log")); err == nil {
			_ = os.WriteFile(filepath.Join(logDir[0], "postgres.log"), b, 0o644)
		}
	}
	_ = os.RemoveAll(c.dir)
}

func (c *PgCluster) run(ctx context.Context, name string, args ...string) (string, error) {
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
