package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"apistarter/bench/harness"
)

// balancer is HAProxy in front of the serve processes, with its runtime API
// on a unix socket for drain and ready.
type balancer struct {
	port   int
	sock   string
	proc   *harness.Proc
	config string
}

// startHAProxy balances over the given backend ports. Each server is
// checked on /health/ready/; the same processes are listed again as
// backup servers without checks, used only when every checked server is
// down: readiness also fails while a shared dependency (Redis during a
// failover) is away, and the API still answers then (fail open).
func startHAProxy(ctx context.Context, dir, logDir string, backends []int) (*balancer, error) {
	bin, ok := harness.LookBin("haproxy")
	if !ok {
		return nil, errors.New("haproxy is not installed")
	}
	port, err := harness.FreePort()
	if err != nil {
		return nil, err
	}
	b := &balancer{port: port, sock: filepath.Join(dir, "haproxy.sock"), config: filepath.Join(dir, "haproxy.cfg")}
	var servers strings.Builder
	for i, p := range backends {
		fmt.Fprintf(&servers, "    server s%d 127.0.0.1:%d check\n", i+1, p)
	}
	for i, p := range backends {
		fmt.Fprintf(&servers, "    server b%d 127.0.0.1:%d backup\n", i+1, p)
	}
	cfg := fmt.Sprintf(`global
    stats socket %s mode 600 level admin
    maxconn 2000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 10s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response
frontend api
    bind 127.0.0.1:%d
    default_backend apistarter
backend apistarter
    balance roundrobin
    option httpchk GET /health/ready/
    http-check expect status 200
    default-server inter 300ms fall 2 rise 2
%s`, b.sock, port, servers.String())
	if err := os.WriteFile(b.config, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	if out, err := exec.CommandContext(ctx, bin, "-c", "-f", b.config).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("haproxy: config check: %v\n%s", err, out)
	}
	if b.proc, err = harness.StartProc("haproxy", bin, []string{"-db", "-f", b.config}, nil, dir, logDir); err != nil {
		return nil, err
	}
	err = harness.Poll(ctx, 10*time.Second, "haproxy's runtime API", func() bool {
		_, err := b.cmd("show info")
		return err == nil || b.proc.Exited()
	})
	if err != nil || b.proc.Exited() {
		_ = b.proc.Kill()
		return nil, fmt.Errorf("haproxy did not start: %v\n%s", err, b.proc.Tail(10))
	}
	return b, nil
}

func (b *balancer) url() string { return "http://127.0.0.1:" + strconv.Itoa(b.port) }

// cmd runs one runtime API command.
func (b *balancer) cmd(line string) (string, error) {
	c, err := net.DialTimeout("unix", b.sock, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	out, err := io.ReadAll(c)
	return string(out), err
}

// setState sets a server's admin state: ready, drain or maint.
func (b *balancer) setState(server, state string) error {
	out, err := b.cmd("set server apistarter/" + server + " state " + state)
	if err == nil && strings.TrimSpace(out) != "" {
		err = fmt.Errorf("haproxy: %s", strings.TrimSpace(out))
	}
	return err
}

// stat returns a server's status (UP, DOWN, DRAIN, MAINT...) and its
// current sessions.
func (b *balancer) stat(server string) (status string, sessions int, err error) {
	out, err := b.cmd("show stat")
	if err != nil {
		return "", 0, err
	}
	var header []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, ",")
		if strings.HasPrefix(line, "# ") {
			header = strings.Split(strings.TrimPrefix(line, "# "), ",")
			continue
		}
		if len(f) < 2 || f[0] != "apistarter" || f[1] != server {
			continue
		}
		for i, h := range header {
			if i >= len(f) {
				break
			}
			switch h {
			case "status":
				status = f[i]
			case "scur":
				sessions, _ = strconv.Atoi(f[i])
			}
		}
		return status, sessions, nil
	}
	return "", 0, fmt.Errorf("haproxy: server %s not in stats", server)
}

// waitFor polls a server's stats until cond holds or timeout passes.
func (b *balancer) waitFor(ctx context.Context, server string, timeout time.Duration, what string, cond func(status string, sessions int) bool) error {
	var st string
	var n int
	var err error
	if harness.Poll(ctx, timeout, what, func() bool {
		st, n, err = b.stat(server)
		return err == nil && cond(st, n)
	}) != nil {
		return fmt.Errorf("haproxy: %s: %s not reached within %s (status %q, sessions %d, err %v)", server, what, timeout, st, n, err)
	}
	return nil
}

func (b *balancer) stop() {
	if b != nil && b.proc != nil {
		_ = b.proc.Stop(10 * time.Second)
	}
}
