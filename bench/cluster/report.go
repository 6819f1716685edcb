package cluster

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"apistarter/bench/harness"
)

// stepRow is what one step did to the load.
type stepRow struct {
	Step        string         `json:"step"`
	Note        string         `json:"note"`
	Requests    int            `json:"requests"`
	Failed      map[string]int `json:"failed"`
	Emails      int            `json:"emails"`
	EmailsLost  int            `json:"emails_lost"`
	EmailsDup   int            `json:"emails_duplicated"`
	Exports     int            `json:"exports"`
	ExportsLost int            `json:"exports_lost"`
	ExportsDup  int            `json:"exports_duplicated"`
}

type result struct {
	StartedAt time.Time `json:"started_at"`
	Steps     []stepRow `json:"steps"`
	// SIGKILL of the Redis primary → first task processed after it; -1:
	// none.
	FailoverS float64 `json:"failover_s"`
	// Periodic is runs per job per full period of worker-rolling.
	Periodic *periodicResult `json:"periodic"`
	Problems []string        `json:"problems"`
	killAt   time.Time
}

func (res *result) problem(format string, args ...any) {
	res.Problems = append(res.Problems, fmt.Sprintf(format, args...))
}

// account waits for every accepted email and export, which must arrive
// once, and fills in the rows.
func (r *rig) account(ctx context.Context, res *result) {
	invites := r.load.Invites()
	r.ledger.mu.Lock()
	exports := r.ledger.exports
	r.ledger.mu.Unlock()
	r.Logf("waiting for %d emails and %d exports", len(invites), len(exports))
	deadline := time.Now().Add(r.o.deliverWait)
	r.Sink.WaitDelivered(harness.Rcpts(invites), r.o.deliverWait)
	var exportRcpts []string
	for _, e := range exports {
		r.client.WaitExport(ctx, e.Export, time.Until(deadline), func(e *harness.Export) bool { return e.Status == "ready" })
		exportRcpts = append(exportRcpts, e.org.owner.Email)
	}
	r.Sink.WaitDelivered(exportRcpts, 30*time.Second)

	if !res.killAt.IsZero() {
		var first time.Time
		for _, in := range invites {
			if in.At.After(res.killAt) {
				if t, n := r.Sink.FirstDelivery(in.Rcpt); n > 0 && (first.IsZero() || t.Before(first)) {
					first = t
				}
			}
		}
		if !first.IsZero() {
			res.FailoverS = first.Sub(res.killAt).Seconds()
		} else {
			res.problem("redis-failover: no task processed after the kill")
		}
	}
	for i := range res.Steps {
		row := &res.Steps[i]
		r.ledger.mu.Lock()
		row.Requests, row.Failed = r.ledger.requests[row.Step], r.ledger.failed[row.Step]
		r.ledger.mu.Unlock()
		for _, in := range invites {
			if r.steps.at(in.At) == row.Step {
				row.Emails++
				d, dup := r.Sink.Delivered([]string{in.Rcpt})
				row.EmailsLost += 1 - d
				row.EmailsDup += dup
			}
		}
		for _, e := range exports {
			if e.step == row.Step {
				row.Exports++
				d, dup := r.Sink.Delivered([]string{e.org.owner.Email})
				if d == 0 || e.Status != "ready" {
					row.ExportsLost++
				}
				row.ExportsDup += dup
			}
		}
		if len(row.Failed) > 0 {
			res.problem("%s: %s failed requests at the balancer", row.Step, harness.Counts(row.Failed))
		}
		if row.EmailsLost+row.EmailsDup+row.ExportsLost+row.ExportsDup > 0 {
			res.problem("%s: emails %d lost %d duplicated, exports %d lost %d duplicated",
				row.Step, row.EmailsLost, row.EmailsDup, row.ExportsLost, row.ExportsDup)
		}
	}
	if !r.rollFrom.IsZero() && !r.rollTo.IsZero() {
		r.checkPeriodic(res)
	} else {
		res.problem("periodic jobs: worker-rolling did not run")
	}
}

// table is the result as a table above its verdict.
func (res *result) table() *harness.Report {
	rep := &harness.Report{Name: "cluster", Started: res.StartedAt, Data: res, Pass: len(res.Problems) == 0,
		Title: []string{"apistarter cluster — " + res.StartedAt.Format("2006-01-02 15:04 UTC") +
			"; HAProxy → 2 serve, 2 worker, 2 scheduler; PgBouncer; Redis with Sentinel"},
		Rows: [][]string{{"step", "requests", "failed", "emails", "lost", "dup", "exports", "lost", "dup", "what happened"}}}
	for _, s := range res.Steps {
		rep.Rows = append(rep.Rows, []string{s.Step, strconv.Itoa(s.Requests), harness.Counts(s.Failed), strconv.Itoa(s.Emails),
			strconv.Itoa(s.EmailsLost), strconv.Itoa(s.EmailsDup), strconv.Itoa(s.Exports), strconv.Itoa(s.ExportsLost), strconv.Itoa(s.ExportsDup), s.Note})
	}
	rep.Rows = append(rep.Rows, []string{"periodic jobs: runs per period", "", "", "", "", "", "", "", "", res.Periodic.note()})
	if res.FailoverS >= 0 {
		rep.Footer = append(rep.Footer, fmt.Sprintf("Redis primary SIGKILL → first task processed after failover: %.1f s", res.FailoverS))
	}
	if rep.Pass {
		rep.Footer = append(rep.Footer, "OK: 0 failed requests at the balancer, 0 lost or duplicated emails and exports, each periodic job run once per period")
		return rep
	}
	rep.Footer = append(rep.Footer, "PROBLEMS:")
	for _, p := range res.Problems {
		rep.Footer = append(rep.Footer, "  - "+p)
	}
	return rep
}
