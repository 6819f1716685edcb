package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// ErrNoPgBouncer reports that pgbouncer is not installed.
var ErrNoPgBouncer = errors.New("pgbouncer is not installed")

// PgBouncer is a pgbouncer in pool_mode=transaction on loopback, in front of
// one PostgreSQL server; any database name is forwarded to the same name.
type PgBouncer struct {
	Port int
	Proc *Proc
	dir  string
}

// PgBouncerOptions sizes the pooler.
type PgBouncerOptions struct {
	PoolSize       int // server connections per database and user (default 20)
	MaxClientConns int // default 1000
}

// StartPgBouncer starts pgbouncer in front of the server of directURL,
// trusting the user that URL names (PostgreSQL authenticates it). Its files
// live in a fresh directory under the system temp directory, which the
// postgres user can reach when we run as root.
func StartPgBouncer(ctx context.Context, directURL, logDir string, o PgBouncerOptions) (*PgBouncer, error) {
	bin, ok := LookBin("pgbouncer")
	if !ok {
		return nil, ErrNoPgBouncer
	}
	u, err := url.Parse(directURL)
	if err != nil {
		return nil, fmt.Errorf("pgbouncer: %w", err)
	}
	if o.PoolSize == 0 {
		o.PoolSize = 20
	}
	if o.MaxClientConns == 0 {
		o.MaxClientConns = 1000
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "apistarter-pgbouncer-")
	if err != nil {
		return nil, err
	}
	host, pgPort := u.Hostname(), u.Port()
	if pgPort == "" {
		pgPort = "5432"
	}
	user := u.User.Username()
	pass, _ := u.User.Password()
	auth := filepath.Join(dir, "pgbouncer-users.txt")
	if err := os.WriteFile(auth, []byte(fmt.Sprintf("%q %q\n", user, pass)), 0o600); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "pgbouncer.ini")
	body := fmt.Sprintf(`[databases]
* = host=%s port=%s
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
default_pool_size = %d
max_client_conn = %d
max_db_connections = %d
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = %s
pidfile = %s
admin_users = %s
`, host, pgPort, port, auth, o.PoolSize, o.MaxClientConns, o.PoolSize, filepath.Join(dir, "pgbouncer.log"),
		filepath.Join(dir, "pgbouncer.pid"), user)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		return nil, err
	}
	args := []string{conf}
	if os.Geteuid() == 0 {
		// pgbouncer refuses to run as root.
		args = append([]string{"-u", "postgres"}, args...)
		uid, gid, err := postgresUser()
		if err != nil {
			return nil, err
		}
		if err := chownDir(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	p, err := StartProc("pgbouncer", bin, args, nil, dir, logDir)
	if err != nil {
		return nil, err
	}
	b := &PgBouncer{Port: port, Proc: p, dir: dir}
	if err := Poll(ctx, 20*time.Second, "pgbouncer listening", func() bool {
		if p.Exited() {
			return true
		}
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 200*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil
	}); err != nil || p.Exited() {
		_ = p.Kill()
		log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("pgbouncer did not start: %v\n%s\n%s", err, p.Tail(10), log)
	}
	return b, nil
}

// URL is directURL with host and port replaced by the pooler's.
func (b *PgBouncer) URL(directURL string) string {
	u, err := url.Parse(directURL)
	if err != nil {
		return ""
	}
	u.Host = "127.0.0.1:" + strconv.Itoa(b.Port)
	return u.String()
}

// Stop stops pgbouncer and removes its files.
func (b *PgBouncer) Stop() {
	if b != nil && b.Proc != nil {
		_ = b.Proc.Stop(10 * time.Second)
		_ = os.RemoveAll(b.dir)
	}
}

// chownDir gives dir and its files (not recursively: it is fresh) to uid.
func chownDir(dir string, uid, gid int) error {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if err := os.Chown(filepath.Join(dir, e.Name()), uid, gid); err != nil {
			return err
		}
	}
	return os.Chown(dir, uid, gid)
}
