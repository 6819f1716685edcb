package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisNode is one redis-server or redis-sentinel process, on loopback. It
// can be stopped and started again on the same port with the same data.
type RedisNode struct {
	Port int
	Proc *Proc
	bin  string
	name string
	dir  string
	// logDir holds the process's log.
	logDir string
	args   []string
}

// Addr is host:port.
func (n *RedisNode) Addr() string { return "127.0.0.1:" + strconv.Itoa(n.Port) }

// StartRedis starts redis-server on a free port with its data in dir and
// the append-only file on, so a restart is an outage, not a data loss;
// args are added to the command line.
func StartRedis(ctx context.Context, name, dir, logDir string, args ...string) (*RedisNode, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	n := &RedisNode{Port: port, bin: "redis-server", name: name, dir: dir, logDir: logDir,
		args: append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "yes"}, args...)}
	return n, n.Start(ctx)
}

// Start starts the process and waits until it answers PING.
func (n *RedisNode) Start(ctx context.Context) error {
	bin, err := exec.LookPath(n.bin)
	if err != nil {
		return fmt.Errorf("harness: %s: %w", n.name, err)
	}
	if n.Proc, err = StartProc(n.name, bin, n.args, nil, n.dir, n.logDir); err != nil {
		return err
	}
	rc := redis.NewClient(&redis.Options{Addr: n.Addr()})
	defer rc.Close()
	err = Poll(ctx, 20*time.Second, n.name+" answering on "+n.Addr(), func() bool {
		return !n.Proc.Exited() && rc.Ping(ctx).Err() == nil
	})
	if err != nil {
		_ = n.Proc.Kill()
		return fmt.Errorf("%w:\n%s", err, n.Proc.Tail(10))
	}
	return nil
}

// Stop shuts the process down gracefully (SIGTERM: a server syncs its
// append-only file first).
func (n *RedisNode) Stop() error {
	if n == nil || n.Proc == nil {
		return nil
	}
	return n.Proc.Stop(15 * time.Second)
}

// FlushAll empties every database of the server.
func (n *RedisNode) FlushAll(ctx context.Context) error {
	rc := redis.NewClient(&redis.Options{Addr: n.Addr()})
	defer rc.Close()
	return rc.FlushAll(ctx).Err()
}
