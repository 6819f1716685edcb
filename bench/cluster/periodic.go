package cluster

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The periodic jobs run every -period during the whole run
// (PERIODIC_JOB_SCHEDULES), and the workers and schedulers log at info.
// Their logs say, for each run, the job and its period (the task id is
// periodic:<job>:<period start, Unix seconds>), and each run is logged by
// the process that ran it, so a restart loses none. The check: during the
// rolling restart of workers and schedulers, each job ran exactly once in
// each full period; the first and last periods, cut by the step's start and
// end, are not judged.

// What the worker and the scheduler log (internal/jobs), one JSON object a
// line.
const (
	logTaskDone   = "task done"   // worker: a task's handler returned nil
	logTaskFailed = "task failed" // worker: it returned an error
	logEnqueued   = "periodic job enqueued"
	periodicType  = "periodic:"
)

// periodKey is one job's period.
type periodKey struct {
	job   string
	start int64 // Unix seconds
}

// periodCount is what happened to one job's period.
type periodCount struct {
	Runs     int `json:"runs"`   // done and failed
	Failed   int `json:"failed"` // of which failed
	Enqueued int `json:"enqueued"`
}

// periodicResult is the check over the rolling step's full periods.
type periodicResult struct {
	PeriodS float64 `json:"period_s"`
	// From and To bound the full periods judged.
	From time.Time             `json:"from"`
	To   time.Time             `json:"to"`
	Jobs map[string][]jobRound `json:"jobs"`
}

// jobRound is one job in one period.
type jobRound struct {
	Start time.Time `json:"start"`
	periodCount
}

// scheduleAll gives every periodic job the run's period.
func scheduleAll(jobs []string, period time.Duration) string {
	pairs := make([]string, len(jobs))
	for i, j := range jobs {
		pairs[i] = fmt.Sprintf("%s=@every %s", j, period)
	}
	return strings.Join(pairs, ";")
}

// fullPeriods are the starts of the periods of length p that lie wholly
// within [from, to], aligned as the scheduler aligns "@every p" (multiples
// of p since the zero time).
func fullPeriods(from, to time.Time, p time.Duration) []time.Time {
	var out []time.Time
	s := from.Truncate(p)
	if s.Before(from) {
		s = s.Add(p)
	}
	for ; !s.Add(p).After(to); s = s.Add(p) {
		out = append(out, s)
	}
	return out
}

// readPeriodic counts the periodic runs and enqueues in the logs.
func readPeriodic(paths []string) (map[periodKey]*periodCount, error) {
	counts := map[periodKey]*periodCount{}
	for _, path := range paths {
		if err := readLog(path, counts); err != nil {
			return nil, err
		}
	}
	return counts, nil
}

func readLog(path string, counts map[periodKey]*periodCount) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("periodic: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20) // a panic's stack is one long line
	for sc.Scan() {
		line := sc.Bytes()
		if !strings.Contains(string(line), periodicType) {
			continue
		}
		var e struct {
			Msg      string `json:"msg"`
			TaskType string `json:"task_type"`
			TaskID   string `json:"task_id"`
		}
		if json.Unmarshal(line, &e) != nil {
			continue // not a log line of ours
		}
		key, ok := parseTaskID(e.TaskID)
		if !ok {
			continue
		}
		c := counts[key]
		if c == nil {
			c = &periodCount{}
			counts[key] = c
		}
		switch {
		case e.Msg == logEnqueued:
			c.Enqueued++
		case e.Msg == logTaskDone && strings.HasPrefix(e.TaskType, periodicType):
			c.Runs++
		case e.Msg == logTaskFailed && strings.HasPrefix(e.TaskType, periodicType):
			c.Runs++
			c.Failed++
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("periodic: %s: %w", path, err)
	}
	return nil
}

// parseTaskID reads periodic:<job>:<unix>.
func parseTaskID(id string) (periodKey, bool) {
	rest, ok := strings.CutPrefix(id, periodicType)
	i := strings.LastIndexByte(rest, ':')
	if !ok || i <= 0 {
		return periodKey{}, false
	}
	start, err := strconv.ParseInt(rest[i+1:], 10, 64)
	if err != nil {
		return periodKey{}, false
	}
	return periodKey{job: rest[:i], start: start}, true
}

// checkPeriodic judges the rolling step's full periods; it fails when there
// is none (nothing would have been observed).
func (r *rig) checkPeriodic(res *result) {
	p := r.o.period
	starts := fullPeriods(r.rollFrom, r.rollTo, p)
	pr := &periodicResult{PeriodS: p.Seconds(), Jobs: map[string][]jobRound{}}
	res.Periodic = pr
	if len(starts) == 0 {
		res.problem("periodic jobs: no full %s period within worker-rolling (%s to %s)", p, r.rollFrom.Format(time.TimeOnly), r.rollTo.Format(time.TimeOnly))
		return
	}
	pr.From, pr.To = starts[0], starts[len(starts)-1].Add(p)
	counts, err := readPeriodic(r.backgroundLogs())
	if err != nil {
		res.problem("periodic jobs: %v", err)
		return
	}
	for _, job := range r.jobs {
		for _, s := range starts {
			c := counts[periodKey{job, s.Unix()}]
			if c == nil {
				c = &periodCount{}
			}
			pr.Jobs[job] = append(pr.Jobs[job], jobRound{Start: s.UTC(), periodCount: *c})
			if c.Runs != 1 {
				res.problem("periodic jobs: %s ran %d times (%d failed) in the period from %s (enqueued %d)",
					job, c.Runs, c.Failed, s.UTC().Format(time.TimeOnly), c.Enqueued)
			}
		}
	}
}

// backgroundLogs are the logs of every worker and scheduler process.
func (r *rig) backgroundLogs() []string {
	var out []string
	for _, s := range slices.Concat(r.workers, r.scheds) {
		out = append(out, s.logs...)
	}
	return out
}

// note is the table's line: runs per period, per job.
func (pr *periodicResult) note() string {
	if pr == nil || len(pr.Jobs) == 0 {
		return ""
	}
	var n int
	var parts []string
	bad := false
	for _, job := range slices.Sorted(maps.Keys(pr.Jobs)) {
		runs := make([]string, len(pr.Jobs[job]))
		for i, jr := range pr.Jobs[job] {
			runs[i] = strconv.Itoa(jr.Runs)
			bad = bad || jr.Runs != 1
		}
		n = len(runs)
		parts = append(parts, job+" "+strings.Join(runs, " "))
	}
	head := fmt.Sprintf("worker-rolling %s–%s, %d full periods of %s (first and last partial periods not judged)",
		pr.From.Format(time.TimeOnly), pr.To.Format(time.TimeOnly), n, time.Duration(pr.PeriodS*float64(time.Second)))
	if !bad {
		return fmt.Sprintf("%s: each of %d jobs ran once in each", head, len(parts))
	}
	return head + ": " + strings.Join(parts, "; ")
}
