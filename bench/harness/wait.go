package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Poll checks cond every 20 ms until it holds, ctx ends or timeout passes.
func Poll(ctx context.Context, timeout time.Duration, what string, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("harness: timed out after %s waiting for %s", timeout, what)
		case <-tick.C:
		}
	}
	return nil
}

// Sleep waits d, or less when ctx ends first (then it returns ctx's error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Pace calls f about perSecond times a second until ctx ends; a slow call
// delays the next one rather than causing a burst.
func Pace(ctx context.Context, perSecond float64, f func()) {
	if perSecond <= 0 {
		return
	}
	t := time.NewTicker(time.Duration(float64(time.Second) / perSecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}

// LookBin finds a program on the PATH or in the system directories a
// non-root PATH often lacks (haproxy and pgbouncer live in /usr/sbin).
func LookBin(name string) (string, bool) {
	if p, err := exec.LookPath(name); err == nil {
		return p, true
	}
	for _, d := range []string{"/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"} {
		if p := filepath.Join(d, name); fileExists(p) {
			return p, true
		}
	}
	return "", false
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
