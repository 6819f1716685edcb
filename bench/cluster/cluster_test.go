package cluster

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"apistarter/bench/harness"
)

// TestClusterRollingDeploysLoseNothing runs the short cluster sequence
// (rolling API restart behind HAProxy, rolling worker and scheduler
// restart, Redis primary SIGKILL with Sentinel failover, expand migration
// and rollout) against the real binary and requires the harness to report
// 0 failed requests and 0 lost or duplicated emails and exports.
func TestClusterRollingDeploysLoseNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a whole cluster")
	}
	for _, bin := range []string{"haproxy", "pgbouncer", "redis-sentinel", "redis-server"} {
		if _, ok := harness.LookBin(bin); !ok {
			t.Skipf("skipped: %s is not installed (apt-get install haproxy pgbouncer redis-sentinel)", bin)
		}
	}
	t.Parallel()
	_, code, stdout, stderr := harness.RunCommand(t, Run, 5*time.Minute, "-short")
	t.Logf("exit %d\n%s", code, stdout)
	if code != 0 {
		t.Fatalf("cluster run failed (exit %d)\nstderr:\n%s", code, stderr)
	}
	for _, want := range []string{"api-rolling", "worker-rolling", "redis-failover", "expand-rollout", "first task processed after failover"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q", want)
		}
	}
}

func TestFlags(t *testing.T) {
	o, err := parseFlags([]string{"-short"}, &bytes.Buffer{})
	if err != nil || o.exportsPer != 1 || o.concurrency != 4 {
		t.Fatalf("%+v %v", o, err)
	}
	if _, err := parseFlags([]string{"-steady", "forever"}, &bytes.Buffer{}); err == nil {
		t.Fatal("bad duration accepted")
	}
}
