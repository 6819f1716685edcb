package load

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"apistarter/bench/harness"
)

// target is a SPEC §6 goal of an HTTP scenario.
type target struct {
	minRPS float64
	maxP99 float64 // ms; 0: none
}

func (t *target) String() string {
	var parts []string
	if t.minRPS > 0 {
		parts = append(parts, "≥ "+thousands(t.minRPS)+" req/s")
	}
	if t.maxP99 > 0 {
		parts = append(parts, fmt.Sprintf("p99 ≤ %g ms", t.maxP99))
	}
	return strings.Join(parts, ", ")
}

func (t *target) met(r harness.Result) bool {
	// No completed request proves nothing (a latency-only target would
	// otherwise pass with p99 0).
	return r.Requests > 0 && r.RPS >= t.minRPS && (t.maxP99 == 0 || r.P99ms <= t.maxP99) && r.Errors == 0
}

type httpResult struct {
	harness.Result
	Target     string  `json:"target,omitempty"`
	Pass       *bool   `json:"pass,omitempty"`
	VsPgbench  float64 `json:"ratio_to_pgbench_select"`
	VsRedisGet float64 `json:"ratio_to_redis_get"`
}

type machine struct {
	CPUs       int     `json:"cpus"`
	GoVersion  string  `json:"go_version"`
	OS         string  `json:"os"`
	LoadStart  float64 `json:"load_average_1m_at_start"`
	LoadFinish float64 `json:"load_average_1m_at_finish"`
}

// report is everything one run measured; it is printed as one table and
// saved as JSON.
type report struct {
	StartedAt   time.Time      `json:"started_at"`
	FinishedAt  time.Time      `json:"finished_at"`
	Machine     machine        `json:"machine"`
	Settings    map[string]any `json:"settings"`
	HTTP        []httpResult   `json:"http"`
	Queue       []queueResult  `json:"queue"`
	Permissions *permResult    `json:"permissions,omitempty"`
	Upload      *uploadResult  `json:"upload,omitempty"`
	Exports     []exportResult `json:"exports"`
	Ceilings    *ceilings      `json:"ceilings,omitempty"`
}

func newReport(o *options) *report {
	return &report{
		StartedAt: time.Now().UTC(),
		Machine:   machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, LoadStart: loadAverage()},
		Settings: map[string]any{
			"contacts": o.contacts, "tags": o.tags, "members": o.members, "concurrency": o.concurrency,
			"duration_s": o.duration.Seconds(), "warmup_s": o.warmup.Seconds(), "tasks": o.tasks,
			"export_sizes": o.exportSizes, "short": o.Short,
		},
	}
}

func (r *report) addHTTP(res harness.Result, t *target) {
	h := httpResult{Result: res}
	if t != nil {
		ok := t.met(res)
		h.Target, h.Pass = t.String(), &ok
	}
	r.HTTP = append(r.HTTP, h)
}

// finish stamps the end and relates every rate to the ceilings.
func (r *report) finish() {
	r.FinishedAt = time.Now().UTC()
	r.Machine.LoadFinish = loadAverage()
	if r.Ceilings == nil {
		return
	}
	for i := range r.HTTP {
		r.HTTP[i].VsPgbench = ratio(r.HTTP[i].RPS, r.Ceilings.PgbenchTPS)
		r.HTTP[i].VsRedisGet = ratio(r.HTTP[i].RPS, r.Ceilings.RedisGet)
	}
	for i := range r.Queue {
		r.Queue[i].VsPgbench = ratio(r.Queue[i].PerSecond, r.Ceilings.PgbenchTPS)
		r.Queue[i].VsRedisGet = ratio(r.Queue[i].PerSecond, r.Ceilings.RedisGet)
	}
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// table is the report as a table under its header.
func (r *report) table() *harness.Report {
	if r == nil {
		return nil
	}
	h := fmt.Sprintf("apistarter benchmark — %s, %d CPUs, %s; load average %.1f at start, %.1f at finish",
		r.StartedAt.Format("2006-01-02 15:04 UTC"), r.Machine.CPUs, r.Machine.GoVersion, r.Machine.LoadStart, r.Machine.LoadFinish)
	if r.Machine.LoadStart > float64(r.Machine.CPUs) || r.Machine.LoadFinish > float64(r.Machine.CPUs) {
		h += " (busy machine: figures are noisy)"
	}
	return &harness.Report{Name: "bench", Latest: "latest", Started: r.StartedAt, Data: r, Pass: true, Rows: r.rows(),
		Title: []string{h, fmt.Sprintf("%v contacts, %v clients, %vs per scenario after %vs warm-up",
			r.Settings["contacts"], r.Settings["concurrency"], r.Settings["duration_s"], r.Settings["warmup_s"])}}
}

// rows is the table: a header row, then one row per measurement.
func (r *report) rows() [][]string {
	out := [][]string{{"scenario", "rate", "p50", "p90", "p99", "errors", "target", "", "÷pgbench -S", "÷redis GET", "notes"}}
	row := func(cells ...string) { out = append(out, cells) }
	for _, h := range r.HTTP {
		row(h.Name, thousands(h.RPS)+" req/s", msec(h.P50ms), msec(h.P90ms), msec(h.P99ms), harness.Counts(h.ByStatus),
			h.Target, harness.Mark(h.Pass), times(h.VsPgbench), times(h.VsRedisGet), "")
	}
	for _, q := range r.Queue {
		row(q.Name, thousands(q.PerSecond)+" tasks/s", "", "", "", strconv.Itoa(q.Lost)+" lost",
			q.Target, harness.Mark(q.Pass), times(q.VsPgbench), times(q.VsRedisGet), q.Note)
	}
	if p := r.Permissions; p != nil {
		for _, m := range p.Steps {
			row(m.Name, thousands(m.OpsPerSec)+" ops/s", usec(m.NsPerOp), "", "", "", "", "", "", "", m.Note)
		}
		for _, c := range p.Comparisons {
			row(c.Name, fmt.Sprintf("%.1f× cheaper", c.Speedup), "", "", "", "", "≥ 10× cheaper", harness.Mark(&c.Pass), "", "", c.Note)
		}
	}
	if u := r.Upload; u != nil {
		row(u.Name, "", seconds(u.MedianS), "", seconds(u.MaxS)+" max", strconv.Itoa(u.Errors), "≤ 2 s", harness.Mark(&u.Pass), "", "", u.Note)
	}
	for _, e := range r.Exports {
		row(e.Name, thousands(e.ContactsPerS)+" contacts/s", seconds(e.Seconds), "", "", okErr(e.Status), e.Target, harness.Mark(e.Pass), "", "", e.Note)
	}
	if c := r.Ceilings; c != nil {
		row("ceiling: pgbench -S"+c.PgbenchArgs, thousands(c.PgbenchTPS)+" TPS", "", "", "", "", "", "", "1.00×", "", c.Note)
		row("ceiling: pgbench one-row INSERT commits"+c.PgbenchArgs, thousands(c.CommitTPS)+" TPS", "", "", "", "", "", "", "", "",
			"bounds the task rows above: each is committed in its own transaction")
		row("ceiling: redis-benchmark GET", thousands(c.RedisGet)+" ops/s", "", "", "", "", "", "", "", "1.00×", c.RedisArgs)
		row("ceiling: redis-benchmark SET", thousands(c.RedisSet)+" ops/s", "", "", "", "", "", "", "", "", "")
	}
	return out
}

func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	return f
}

// thousands renders 12345.6 as "12,346" (one decimal below 10).
func thousands(v float64) string {
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	s := strconv.FormatInt(int64(v+0.5), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func msec(v float64) string {
	switch {
	case v == 0:
		return ""
	case v < 10:
		return fmt.Sprintf("%.2f ms", v)
	default:
		return fmt.Sprintf("%.0f ms", v)
	}
}

func usec(ns float64) string {
	if ns < 1000 {
		return fmt.Sprintf("%.2f µs", ns/1000)
	}
	return fmt.Sprintf("%.0f µs", ns/1000)
}

func seconds(s float64) string {
	if s == 0 {
		return ""
	}
	return fmt.Sprintf("%.2f s", s)
}

func times(v float64) string {
	switch {
	case v == 0:
		return ""
	case v < 0.001:
		return "<0.001×"
	case v < 0.1:
		return fmt.Sprintf("%.3f×", v)
	default:
		return fmt.Sprintf("%.2f×", v)
	}
}

func okErr(status string) string {
	if status == "ready" {
		return "0"
	}
	return status
}
