package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"apistarter/bench/harness"
)

// stepRow is one line of the table.
type stepRow struct {
	name, note                       string
	requests, failed                 int
	failures                         map[int]int
	emails, emailsLost, emailsDup    int
	exports, exportsLost, exportsDup int
}

type result struct {
	rows        []stepRow
	failoverSec float64 // SIGKILL of the Redis primary → first task processed after it
	problems    []string
}

type step struct {
	name string
	run  func(ctx context.Context) (string, error)
}

func (r *rig) runAll(ctx context.Context) *result {
	res := &result{failoverSec: -1}
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	r.setStep("steady")
	wg := r.load(loadCtx)
	steady := func() {
		select {
		case <-ctx.Done():
		case <-time.After(r.o.steady): // the load runs meanwhile
		}
	}
	steady()
	var killAt time.Time
	steps := []step{
		{"api-rolling", func(ctx context.Context) (string, error) {
			return "drain, SIGTERM, start, ready for s1 then s2", r.rollServe(ctx)
		}},
		{"worker-rolling", func(ctx context.Context) (string, error) {
			return "SIGTERM and start: 2 workers, 2 schedulers", r.rollBackground(ctx)
		}},
		{"redis-failover", func(ctx context.Context) (string, error) {
			killAt = time.Now()
			old, err := r.redis.KillPrimary(ctx)
			if err != nil {
				return "", err
			}
			now, err := r.redis.WaitPromoted(ctx, old, 60*time.Second)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("SIGKILL %s, Sentinel promoted %s after %.1f s", old, now, time.Since(killAt).Seconds()), nil
		}},
		{"expand-rollout", func(ctx context.Context) (string, error) {
			// Expand: a nullable column the running version does not know.
			if _, err := r.direct.Exec(ctx, `ALTER TABLE contacts ADD COLUMN cluster_note text`); err != nil {
				return "", err
			}
			steady()
			if err := r.rollServe(ctx); err != nil {
				return "", err
			}
			// Contract, once no version reads it.
			_, err := r.direct.Exec(ctx, `ALTER TABLE contacts DROP COLUMN cluster_note`)
			return "ADD COLUMN under the old version, rolling rollout, DROP COLUMN", err
		}},
	}
	notes := map[string]string{}
	for _, s := range steps {
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(r.log, "cluster: %s\n", s.name)
		r.setStep(s.name)
		if err := r.requestExports(ctx, s.name); err != nil {
			res.problems = append(res.problems, s.name+": "+err.Error())
		}
		note, err := s.run(ctx)
		if err != nil {
			res.problems = append(res.problems, s.name+": "+err.Error())
			note = "ERROR: " + err.Error()
		}
		notes[s.name] = note
		steady()
	}
	r.setStep("after")
	steady()
	stopLoad()
	wg.Wait()

	// Every accepted email and export must arrive, once.
	r.ledger.mu.Lock()
	invites := slices.Clone(r.ledger.invites)
	exports := slices.Clone(r.ledger.exports)
	r.ledger.mu.Unlock()
	rcpts := make([]string, len(invites))
	for i, in := range invites {
		rcpts[i] = in.rcpt
	}
	fmt.Fprintf(r.log, "cluster: waiting for %d emails and %d exports\n", len(invites), len(exports))
	r.sink.WaitDelivered(rcpts, r.o.deliverWait)
	exportReady := r.waitExports(ctx, exports, r.o.deliverWait)
	var exportRcpts []string
	for _, e := range exports {
		exportRcpts = append(exportRcpts, e.org.email)
	}
	r.sink.WaitDelivered(exportRcpts, 30*time.Second)

	if !killAt.IsZero() {
		var first time.Time
		for _, in := range invites {
			if in.at.After(killAt) {
				if t, n := r.sink.FirstDelivery(in.rcpt); n > 0 && (first.IsZero() || t.Before(first)) {
					first = t
				}
			}
		}
		if !first.IsZero() {
			res.failoverSec = first.Sub(killAt).Seconds()
		}
	}

	for _, name := range append([]string{"steady"}, append(stepNames(steps), "after")...) {
		row := stepRow{name: name, note: notes[name]}
		r.ledger.mu.Lock()
		row.requests, row.failed, row.failures = r.ledger.requests[name], r.ledger.failed[name], r.ledger.failures[name]
		r.ledger.mu.Unlock()
		for _, in := range invites {
			if in.step == name {
				row.emails++
				d, dup := r.sink.Delivered([]string{in.rcpt})
				row.emailsLost += 1 - d
				row.emailsDup += dup
			}
		}
		for _, e := range exports {
			if e.step == name {
				row.exports++
				d, dup := r.sink.Delivered([]string{e.org.email})
				if d == 0 || !exportReady[e.id] {
					row.exportsLost++
				}
				row.exportsDup += dup
			}
		}
		if row.failed > 0 {
			res.problems = append(res.problems, fmt.Sprintf("%s: %d failed requests at the balancer %v", name, row.failed, row.failures))
		}
		if row.emailsLost+row.emailsDup+row.exportsLost+row.exportsDup > 0 {
			res.problems = append(res.problems, fmt.Sprintf("%s: emails %d lost %d duplicated, exports %d lost %d duplicated",
				name, row.emailsLost, row.emailsDup, row.exportsLost, row.exportsDup))
		}
		res.rows = append(res.rows, row)
	}
	if !killAt.IsZero() && res.failoverSec < 0 {
		res.problems = append(res.problems, "redis-failover: no task processed after the kill")
	}
	return res
}

func stepNames(steps []step) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.name
	}
	return out
}

// waitExports polls each export until it is ready or timeout passes.
func (r *rig) waitExports(ctx context.Context, exports []export, timeout time.Duration) map[string]bool {
	ready := map[string]bool{}
	deadline := time.Now().Add(timeout)
	for len(ready) < len(exports) && time.Now().Before(deadline) && ctx.Err() == nil {
		for _, e := range exports {
			if ready[e.id] {
				continue
			}
			var job struct {
				Status string `json:"status"`
			}
			err := r.client.JSON(ctx, harness.Request{Method: http.MethodGet, Path: "/api/v1/orgs/" + e.org.slug + "/exports/" + e.id + "/", Token: e.org.token}, http.StatusOK, &job)
			if err == nil && job.Status == "ready" {
				ready[e.id] = true
			}
		}
		time.Sleep(200 * time.Millisecond) // polling export status, with a deadline
	}
	return ready
}

func (res *result) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tREQUESTS\tFAILED\tEMAILS\tLOST\tDUP\tEXPORTS\tLOST\tDUP\tWHAT HAPPENED")
	for _, r := range res.rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", r.name, r.requests, r.failed, r.emails, r.emailsLost, r.emailsDup,
			r.exports, r.exportsLost, r.exportsDup, r.note)
	}
	_ = tw.Flush()
	if res.failoverSec >= 0 {
		fmt.Fprintf(w, "Redis primary SIGKILL → first task processed after failover: %.1f s\n", res.failoverSec)
	}
	if len(res.problems) == 0 {
		fmt.Fprintln(w, "OK: 0 failed requests at the balancer, 0 lost or duplicated emails and exports")
		return
	}
	fmt.Fprintln(w, "PROBLEMS:\n  "+strings.Join(res.problems, "\n  "))
}
