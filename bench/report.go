package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
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
			"export_sizes": o.exportSizes, "short": o.short,
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

// header is the first line of the table, above the columns.
func (r *report) header() string {
	h := fmt.Sprintf("apistarter benchmark — %s, %d CPUs, %s; load average %.1f at start, %.1f at finish",
		r.StartedAt.Format("2006-01-02 15:04 UTC"), r.Machine.CPUs, r.Machine.GoVersion, r.Machine.LoadStart, r.Machine.LoadFinish)
	if r.Machine.LoadStart > float64(r.Machine.CPUs) || r.Machine.LoadFinish > float64(r.Machine.CPUs) {
		h += " (busy machine: figures are noisy)"
	}
	return h + fmt.Sprintf("\n%v contacts, %v clients, %vs per scenario after %vs warm-up",
		r.Settings["contacts"], r.Settings["concurrency"], r.Settings["duration_s"], r.Settings["warmup_s"])
}

// rows is the table: a header row, then one row per measurement.
func (r *report) rows() [][]string {
	out := [][]string{{"scenario", "rate", "p50", "p90", "p99", "errors", "target", "", "÷pgbench -S", "÷redis GET", "notes"}}
	row := func(cells ...string) { out = append(out, cells) }
	for _, h := range r.HTTP {
		row(h.Name, thousands(h.RPS)+" req/s", msec(h.P50ms), msec(h.P90ms), msec(h.P99ms), errorsCell(h.Errors, h.ByStatus),
			h.Target, mark(h.Pass), times(h.VsPgbench), times(h.VsRedisGet), "")
	}
	for _, q := range r.Queue {
		row(q.Name, thousands(q.PerSecond)+" tasks/s", "", "", "", strconv.Itoa(q.Lost)+" lost",
			q.Target, mark(q.Pass), times(q.VsPgbench), times(q.VsRedisGet), q.Note)
	}
	if p := r.Permissions; p != nil {
		for _, m := range p.Steps {
			row(m.Name, thousands(m.OpsPerSec)+" ops/s", usec(m.NsPerOp), "", "", "", "", "", "", "", m.Note)
		}
		for _, c := range p.Comparisons {
			row(c.Name, fmt.Sprintf("%.1f× cheaper", c.Speedup), "", "", "", "", "≥ 10× cheaper", mark(&c.Pass), "", "", c.Note)
		}
	}
	if u := r.Upload; u != nil {
		row(u.Name, "", seconds(u.MedianS), "", seconds(u.MaxS)+" max", strconv.Itoa(u.Errors), "≤ 2 s", mark(&u.Pass), "", "", u.Note)
	}
	for _, e := range r.Exports {
		row(e.Name, thousands(e.ContactsPerS)+" contacts/s", seconds(e.Seconds), "", "", okErr(e.Status), e.Target, mark(e.Pass), "", "", e.Note)
	}
	if c := r.Ceilings; c != nil {
		row("ceiling: pgbench -S"+c.PgbenchArgs, thousands(c.PgbenchTPS)+" TPS", "", "", "", "", "", "", "1.00×", "", c.Note)
		row("ceiling: redis-benchmark GET", thousands(c.RedisGet)+" ops/s", "", "", "", "", "", "", "", "1.00×", c.RedisArgs)
		row("ceiling: redis-benchmark SET", thousands(c.RedisSet)+" ops/s", "", "", "", "", "", "", "", "", "")
	}
	return out
}

// print writes the one table.
func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "\n%s\n\n", r.header())
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, cells := range r.rows() {
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	_ = tw.Flush()
}

// markdown is the same table for the README.
func (r *report) markdown() string {
	var b strings.Builder
	for _, line := range strings.Split(r.header(), "\n") {
		b.WriteString(line + "  \n")
	}
	b.WriteString("\n")
	for i, cells := range r.rows() {
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
		if i == 0 {
			b.WriteString(strings.Repeat("|---", len(cells)) + "|\n")
		}
	}
	return b.String()
}

// save writes the JSON to dir/bench-<time>.json and dir/latest.json, and
// the table as Markdown to dir/latest.md.
func (r *report) save(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "bench-"+r.StartedAt.Format("20060102-150405")+".json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "latest.md"), []byte(r.markdown()), 0o644); err != nil {
		return "", err
	}
	return path, os.WriteFile(filepath.Join(dir, "latest.json"), b, 0o644)
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

func mark(pass *bool) string {
	switch {
	case pass == nil:
		return ""
	case *pass:
		return "✓"
	default:
		return "✗"
	}
}

func errorsCell(n int, by map[string]int) string {
	if n == 0 {
		return "0"
	}
	parts := make([]string, 0, len(by))
	for _, k := range slices.Sorted(maps.Keys(by)) {
		parts = append(parts, fmt.Sprintf("%s×%d", k, by[k]))
	}
	return strconv.Itoa(n) + " (" + strings.Join(parts, " ") + ")"
}

func okErr(status string) string {
	if status == "ready" {
		return "0"
	}
	return status
}
