package cluster

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"apistarter/bench/harness"
)

// ledger is what the load asked for and got, by step.
type ledger struct {
	mu       sync.Mutex
	requests map[string]int
	failed   map[string]map[string]int // step → status → count
	exports  []export
}

// export is an export the API accepted during step.
type export struct {
	*harness.Export
	org  exportOrg
	step string
}

func (l *ledger) record(step string, status int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.requests == nil {
		l.requests, l.failed = map[string]int{}, map[string]map[string]int{}
	}
	l.requests[step]++
	if !ok {
		if l.failed[step] == nil {
			l.failed[step] = map[string]int{}
		}
		l.failed[step][harness.StatusKey(status)]++
	}
}

type step struct {
	name string
	run  func(ctx context.Context) (string, error)
}

// runAll keeps the load up through every step, with steady phases before,
// between and after, and returns what happened.
func (r *rig) runAll(ctx context.Context) *result {
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	r.steps.set("steady")
	wg := r.load.Run(loadCtx)
	steady := func() { _ = harness.Sleep(ctx, r.o.steady) } // the load runs meanwhile
	steady()
	var killAt time.Time
	steps := []step{
		{"api-rolling", func(ctx context.Context) (string, error) {
			return "drain, SIGTERM, start, ready for s1 then s2", r.rollServe(ctx)
		}},
		{"worker-rolling", func(ctx context.Context) (string, error) {
			return fmt.Sprintf("SIGTERM and start, %s apart: 2 workers, 2 schedulers", r.o.period), r.rollBackground(ctx)
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
			if _, err := r.Pool.Exec(ctx, `ALTER TABLE contacts ADD COLUMN cluster_note text`); err != nil {
				return "", err
			}
			steady()
			if err := r.rollServe(ctx); err != nil {
				return "", err
			}
			// Contract, once no version reads it.
			_, err := r.Pool.Exec(ctx, `ALTER TABLE contacts DROP COLUMN cluster_note`)
			return "ADD COLUMN under the old version, rolling rollout, DROP COLUMN", err
		}},
	}
	res := &result{StartedAt: time.Now().UTC(), FailoverS: -1}
	res.Steps = append(res.Steps, stepRow{Step: "steady"})
	for _, s := range steps {
		if ctx.Err() != nil {
			break
		}
		r.Logf("%s", s.name)
		r.steps.set(s.name)
		row := stepRow{Step: s.name}
		if err := r.requestExports(ctx, s.name); err != nil {
			res.problem("%s: %v", s.name, err)
		}
		note, err := s.run(ctx)
		if err != nil {
			res.problem("%s: %v", s.name, err)
			note = "ERROR: " + err.Error()
		}
		row.Note = note
		res.Steps = append(res.Steps, row)
		steady()
	}
	r.steps.set("after")
	res.Steps = append(res.Steps, stepRow{Step: "after"})
	steady()
	stopLoad()
	wg.Wait()
	res.killAt = killAt
	r.account(ctx, res)
	return res
}

// requestExports starts the step's exports, each in its own org.
func (r *rig) requestExports(ctx context.Context, step string) error {
	for range r.o.exportsPer {
		if r.nextExp >= len(r.expOrgs) {
			return nil
		}
		org := r.expOrgs[r.nextExp]
		r.nextExp++
		e, err := r.client.RequestExport(ctx, org.slug, org.token)
		r.ledger.record(step, 0, err == nil)
		if err != nil {
			return fmt.Errorf("export in %s: %w", org.slug, err)
		}
		r.ledger.mu.Lock()
		r.ledger.exports = append(r.ledger.exports, export{Export: e, org: org, step: step})
		r.ledger.mu.Unlock()
	}
	return nil
}

// rollServe restarts every serve process, one at a time: drain in HAProxy
// until it holds no session, SIGTERM (the process answers readiness 503
// and finishes in-flight requests), start, wait ready, re-enable, wait UP.
func (r *rig) rollServe(ctx context.Context) error {
	for _, s := range r.serves {
		if err := r.lb.setState(s.name, "drain"); err != nil {
			return err
		}
		if err := r.lb.waitFor(ctx, s.name, 15*time.Second, "no sessions", func(_ string, n int) bool { return n == 0 }); err != nil {
			return err
		}
		if err := r.lb.setState(s.name, "maint"); err != nil {
			return err
		}
		if err := s.proc.Stop(30 * time.Second); err != nil {
			return err
		}
		if err := r.start(ctx, s); err != nil {
			return err
		}
		if err := r.lb.setState(s.name, "ready"); err != nil {
			return err
		}
		if err := r.lb.waitFor(ctx, s.name, 20*time.Second, "UP", func(st string, _ int) bool { return st == "UP" }); err != nil {
			return err
		}
	}
	return nil
}

// rollBackground restarts every worker, then every scheduler, one at a
// time with SIGTERM (running tasks finish or go back to the queue), and
// lets each new process work one period of the periodic jobs before the
// next restart, so that the step spans full periods (checkPeriodic).
func (r *rig) rollBackground(ctx context.Context) error {
	r.rollFrom = time.Now()
	defer func() { r.rollTo = time.Now() }()
	for _, s := range slices.Concat(r.workers, r.scheds) {
		if err := s.proc.Stop(60 * time.Second); err != nil {
			return err
		}
		if err := r.start(ctx, s); err != nil {
			return err
		}
		if err := harness.Sleep(ctx, r.o.period); err != nil {
			return err
		}
	}
	return nil
}
