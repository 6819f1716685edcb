// Package harness is the machinery the bench subcommands (load, faults,
// abuse, cluster) share: flags and reports, child processes of the real
// binary, a fresh database with seeded data, a leased Redis database or
// dedicated PostgreSQL, Redis, PgBouncer and Sentinel servers, an SMTP sink
// that counts deliveries, and HTTP load generators.
package harness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Proc is one child process (apistarter serve or worker, redis-server...).
// Its output goes to a log file next to the other logs of the run.
type Proc struct {
	Name    string
	LogPath string
	cmd     *exec.Cmd
	logFile *os.File
	done    chan struct{}
	mu      sync.Mutex
	err     error
}

// StartProc runs bin with args and exactly env (nothing is inherited but
// PATH and HOME), in dir, appending its output to logDir/<name>.log.
func StartProc(name, bin string, args, env []string, dir, logDir string) (*Proc, error) {
	logPath := filepath.Join(logDir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("harness: %s: log: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir // no stray .env is read from the repository
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	cmd.Stdout, cmd.Stderr = f, f
	// Own process group: a Ctrl-C reaches the harness, which stops the
	// children in order. Pdeathsig: a killed harness leaves no orphans.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("harness: start %s: %w", name, err)
	}
	p := &Proc{Name: name, LogPath: logPath, cmd: cmd, logFile: f, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Done is closed when the process has ended.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Stop sends SIGTERM and waits up to timeout, then SIGKILLs.
func (p *Proc) Stop(timeout time.Duration) error {
	if p.Exited() {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(timeout):
		_ = p.Kill()
		return fmt.Errorf("harness: %s did not stop within %s; killed", p.Name, timeout)
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Proc) Kill() error {
	if p.Exited() {
		return nil
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("harness: kill %s: %w", p.Name, err)
	}
	<-p.done
	return nil
}

// ResetPeakRSS clears the kernel's high-water mark of the process's
// resident memory (Linux; a no-op elsewhere).
func (p *Proc) ResetPeakRSS() {
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.Pid()), []byte("5"), 0)
}

// PeakRSS is the process's resident-memory high-water mark in bytes (VmHWM),
// 0 where /proc is unavailable.
func (p *Proc) PeakRSS() uint64 {
	return uint64(ProcStatus(fmt.Sprintf("/proc/%d/status", p.Pid()), "VmHWM"))
}

// ProcStatus reads a "kB" field of a /proc/<pid>/status file in bytes (0
// if absent).
func ProcStatus(path, field string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// Tail returns the last n lines of the process's log, for error messages.
func (p *Proc) Tail(n int) string {
	b, err := os.ReadFile(p.LogPath)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// FreePort asks the kernel for a free TCP port on 127.0.0.1.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("harness: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// WaitHTTP polls url until it answers 200, the process dies, or timeout.
func WaitHTTP(ctx context.Context, url string, p *Proc, timeout time.Duration) error {
	err := Poll(ctx, timeout, url+" ready", func() bool {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return p.Exited() || err == nil && resp.StatusCode == http.StatusOK
	})
	if p.Exited() {
		return fmt.Errorf("harness: %s exited before %s was ready:\n%s", p.Name, url, p.Tail(20))
	}
	return err
}

// Run runs a command to completion, returning its combined output.
func Run(ctx context.Context, env []string, dir, bin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("harness: %s %s: %w\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out), nil
}
