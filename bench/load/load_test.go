package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"apistarter/bench/harness"
)

// TestBenchHarnessRuns runs the whole benchmark for a few seconds with 200
// contacts against the real binary: every part must run and produce the
// table and the JSON. Timings are never asserted.
func TestBenchHarnessRuns(t *testing.T) {
	t.Parallel()
	pid := os.Getpid()
	out, code, table, stderr := harness.RunCommand(t, Run, 3*time.Minute, "-short", "-drop",
		"-db", fmt.Sprintf("apistarter_bench_t%d", pid), "-pgbench-db", fmt.Sprintf("apistarter_pgbench_t%d", pid),
		"-n", "200", "-members", "3", "-c", "4", "-d", "1500ms", "-warmup", "200ms",
		"-tasks", "40", "-exports", "200,300", "-uploads", "1", "-upload-size", "800x600")
	if code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s\nstdout:\n%s", code, stderr, table)
	}
	for _, want := range []string{"contacts list (limit 20)", "contacts search, 1 char", "contacts search, 2 chars",
		"contacts search, 3+ chars", "contacts search, 2 terms", "contacts search, every row", "GET /users/me", "login (POST /token/pair)", "mixed read/write",
		"emails via outbox", "permission check: cache hit", "image upload", "export 300 contacts", "ceiling: pgbench -S", "ceiling: redis-benchmark GET"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}

	var rep report
	b, err := os.ReadFile(filepath.Join(out, "latest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.HTTP) != 13 {
		t.Errorf("%d HTTP scenarios in the JSON, want 13", len(rep.HTTP))
	}
	for _, h := range rep.HTTP {
		if h.Requests == 0 || h.Errors != 0 {
			t.Errorf("%s: %d requests, %d errors %v", h.Name, h.Requests, h.Errors, h.ByStatus)
		}
	}
	for _, q := range rep.Queue {
		if q.Lost != 0 {
			t.Errorf("%s: %d of %d tasks lost", q.Name, q.Lost, q.Tasks)
		}
	}
	for _, e := range rep.Exports {
		if e.Status != "ready" {
			t.Errorf("%s: %s", e.Name, e.Status)
		}
	}
	if rep.Upload == nil || rep.Upload.Errors != 0 || rep.Permissions == nil || rep.Ceilings == nil || rep.Ceilings.PgbenchTPS == 0 {
		t.Errorf("missing parts in the JSON: %s", b)
	}
	if _, err := os.Stat(filepath.Join(out, "latest.md")); err != nil {
		t.Error(err)
	}
}

func TestParseFlagsRejectsNonsense(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-n", "5"}, {"-exports", "ten"}, {"-upload-size", "big"}, {"extra"}} {
		if _, err := parseFlags(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	o, err := parseFlags([]string{"-export-1m", "-skip", "ceilings, perm"}, &bytes.Buffer{})
	if err != nil || len(o.exportSizes) != 3 || o.exportSizes[2] != 1_000_000 || !o.skip["perm"] || !o.skip["ceilings"] {
		t.Fatalf("%+v %v", o, err)
	}
	o, err = parseFlags([]string{"-only", "search"}, &bytes.Buffer{})
	if err != nil || o.only != "search" || o.skip["http"] || !o.skip["queue"] || !o.skip["ceilings"] || !o.skip["exports"] {
		t.Fatalf("-only: %+v %v", o, err)
	}
}
