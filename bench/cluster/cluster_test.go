package cluster

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"apistarter/bench/harness"
)

// TestClusterRollingDeploysLoseNothing runs the short cluster sequence
// (rolling API restart behind HAProxy, rolling worker and scheduler
// restart, Redis primary SIGKILL with Sentinel failover, expand migration
// and rollout) against the real binary and requires the harness to report
// 0 failed requests, 0 lost or duplicated emails and exports, and each
// periodic job run once in each full period of the worker and scheduler
// restarts.
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
	for _, want := range []string{"api-rolling", "worker-rolling", "redis-failover", "expand-rollout", "first task processed after failover", "periodic jobs: runs per period"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q", want)
		}
	}
}

func TestFlags(t *testing.T) {
	o, err := parseFlags([]string{"-short"}, &bytes.Buffer{})
	if err != nil || o.exportsPer != 1 || o.concurrency != 4 || o.period != 5*time.Second {
		t.Fatalf("%+v %v", o, err)
	}
	if _, err := parseFlags([]string{"-period", "1500ms"}, &bytes.Buffer{}); err == nil {
		t.Fatal("a period that is not whole seconds accepted")
	}
	if _, err := parseFlags([]string{"-steady", "forever"}, &bytes.Buffer{}); err == nil {
		t.Fatal("bad duration accepted")
	}
}

func TestFullPeriodsLeaveOutThePartialEnds(t *testing.T) {
	at := func(s int) time.Time { return time.Date(2026, 12, 3, 20, 0, s, 0, time.UTC) }
	got := fullPeriods(at(3), at(31), 10*time.Second)
	if len(got) != 2 || !got[0].Equal(at(10)) || !got[1].Equal(at(20)) {
		t.Errorf("3s..31s by 10s: %v, want the periods from 10s and 20s", got)
	}
	if got := fullPeriods(at(10), at(30), 10*time.Second); len(got) != 2 {
		t.Errorf("10s..30s by 10s: %v, want both periods (bounds included)", got)
	}
	if got := fullPeriods(at(3), at(19), 10*time.Second); len(got) != 0 {
		t.Errorf("3s..19s by 10s: %v, want none", got)
	}
}

// A run is a worker's "task done" or "task failed" of a periodic task; the
// period is the task id's; a skip (lock held elsewhere) is no run.
func TestReadPeriodicCountsRunsPerJobAndPeriod(t *testing.T) {
	dir := t.TempDir()
	worker := filepath.Join(dir, "worker-1-1.log")
	sched := filepath.Join(dir, "scheduler-1-1.log")
	write := func(path string, lines ...string) {
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(worker,
		`{"msg":"task done","task_type":"periodic:outbox-prune","task_id":"periodic:outbox-prune:1764792010"}`,
		`{"msg":"task failed","task_type":"periodic:outbox-prune","task_id":"periodic:outbox-prune:1764792020"}`,
		`{"msg":"task done","task_type":"periodic:outbox-prune","task_id":"periodic:outbox-prune:1764792020"}`,
		`{"msg":"task skipped: job running elsewhere","task_type":"periodic:outbox-prune","task_id":"periodic:outbox-prune:1764792030"}`,
		`{"msg":"task done","task_type":"email:send","task_id":"0b6a5c1e-periodic:"}`,
		`panic: not json periodic:outbox-prune:1764792010`)
	write(sched, `{"msg":"periodic job enqueued","job":"outbox-prune","task_id":"periodic:outbox-prune:1764792010"}`)
	counts, err := readPeriodic([]string{worker, sched})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]periodCount{1764792010: {Runs: 1, Enqueued: 1}, 1764792020: {Runs: 2, Failed: 1}, 1764792030: {}}
	for start, w := range want {
		got := periodCount{}
		if c := counts[periodKey{"outbox-prune", start}]; c != nil {
			got = *c
		}
		if got != w {
			t.Errorf("period %d: %+v, want %+v", start, got, w)
		}
	}
}

// The verdict: in the full periods of the rolling step, 0 runs and 2 runs
// are problems; the partial periods at either end are not judged.
func TestCheckPeriodicFailsOnAMissedOrRepeatedPeriod(t *testing.T) {
	log := filepath.Join(t.TempDir(), "worker-1-1.log")
	base := time.Date(2025, 12, 3, 20, 0, 0, 0, time.UTC)
	var lines []string
	run := func(job string, period int, msg string) {
		id := fmt.Sprintf("periodic:%s:%d", job, base.Unix()+int64(period))
		lines = append(lines, fmt.Sprintf(`{"msg":%q,"task_type":"periodic:%s","task_id":%q}`, msg, job, id))
	}
	for _, p := range []int{10, 20, 30} {
		run("a", p, "task done")
	}
	run("b", 10, "task done")
	run("b", 20, "task failed") // cut off by a shutdown, then run again
	run("b", 20, "task done")
	// b's period 30: nothing. Neither job's partial periods (0, 40) ran.
	if err := os.WriteFile(log, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &rig{o: &options{period: 10 * time.Second}, jobs: []string{"a", "b"}, workers: []*slot{{logs: []string{log}}},
		rollFrom: base.Add(5 * time.Second), rollTo: base.Add(45 * time.Second)}
	res := &result{}
	r.checkPeriodic(res)
	want := []string{
		"periodic jobs: b ran 2 times (1 failed) in the period from 20:00:20 (enqueued 0)",
		"periodic jobs: b ran 0 times (0 failed) in the period from 20:00:30 (enqueued 0)",
	}
	if !slices.Equal(res.Problems, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(res.Problems, "\n"), strings.Join(want, "\n"))
	}
	if note := res.Periodic.note(); !strings.Contains(note, "3 full periods of 10s") || !strings.Contains(note, "a 1 1 1; b 1 2 0") {
		t.Errorf("note: %s", note)
	}
}
