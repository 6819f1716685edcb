package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"apistarter/bench/harness"

	"github.com/redis/go-redis/v9"
)

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
