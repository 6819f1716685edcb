package abuse

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"apistarter/bench/harness"
)

// TestShortFloodServesTheSecondUser runs the short flood against the real
// binary: the second user and readiness must be served throughout, and
// the table and JSON written. Latencies are never asserted.
func TestShortFloodServesTheSecondUser(t *testing.T) {
	t.Parallel()
	out, code, stdout, stderr := harness.RunCommand(t, Run, 2*time.Minute, "-short", "-db", fmt.Sprintf("apistarter_abuse_t%d", os.Getpid()))
	if code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s\nstdout:\n%s", code, stderr, stdout)
	}
	b, err := os.ReadFile(filepath.Join(out, "abuse-latest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.MeFailures != 0 || res.ReadyFailed != 0 || res.Statuses["bulk-upload"]["200"]+res.Statuses["bulk-upload"]["503"] != 2 {
		t.Errorf("flood not served as expected: %s", b)
	}
}
