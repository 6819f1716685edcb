package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"apistarter/bench/harness"
)

// faultRun is one injected fault and what it affected.
type faultRun struct {
	Name     string
	Outage   bool // the API's readiness should report it
	Inject   time.Time
	Restored time.Time
	Note     string
	// Mail is the email whose delivery measures this fault's recovery
	// (a burst sent into it, or what was requested during it).
	Mail   []string
	Export *exportReq
}

// exportReq is an export the API accepted (202); it must become ready.
type exportReq struct {
	ID          string
	Org         string
	Fault       string
	RequestedAt time.Time
	Status      string
	CompletedAt *time.Time
}

// fault is an entry of the catalogue: inject breaks something and repairs
// it, returning when the broken part is back.
type fault struct {
	name   string
	label  string
	outage bool
	inject func(ctx context.Context, r *rig, f *faultRun) error
}

func catalogue(o *options) []fault {
	out := o.outage
	return []fault{
		{"redis-restart", fmt.Sprintf("Redis stopped for %s, restarted", out), true, func(ctx context.Context, r *rig, f *faultRun) error {
			f.Inject = time.Now()
			if err := r.redis.stop(); err != nil {
				return err
			}
			sleep(ctx, out)
			if err := r.redis.start(ctx); err != nil {
				return err
			}
			f.Restored = time.Now()
			return nil
		}},
		{"redis-flush", "Redis FLUSHALL with a queued backlog", false, func(ctx context.Context, r *rig, f *faultRun) error {
			// A slow SMTP server keeps a backlog of email queued in Redis,
			// and an export is queued with it: the flush loses their tasks.
			r.sink.SetDelay(50 * time.Millisecond)
			defer r.sink.SetDelay(0)
			f.Mail = r.burst(ctx, r.opts.burst)
			f.Export = r.requestExport(ctx, r.fix.Org.Slug, "redis-flush")
			f.Inject = time.Now()
			if err := r.redis.flushAll(ctx); err != nil {
				return err
			}
			f.Restored = time.Now()
			return nil
		}},
		{"pg-restart", fmt.Sprintf("PostgreSQL stopped for %s, restarted", out), true, func(ctx context.Context, r *rig, f *faultRun) error {
			f.Inject = time.Now()
			if err := r.pg.Stop(ctx); err != nil {
				return err
			}
			sleep(ctx, out)
			if err := r.pg.Start(ctx); err != nil {
				return err
			}
			f.Restored = time.Now()
			return nil
		}},
		{"worker-kill-export", "worker SIGKILLed during an export", false, func(ctx context.Context, r *rig, f *faultRun) error {
			f.Export = r.requestExport(ctx, r.big.Slug, "worker-kill-export")
			if f.Export == nil {
				return fmt.Errorf("export not accepted")
			}
			if !r.waitExport(ctx, f.Export, "processing", 60*time.Second) {
				return fmt.Errorf("export %s never started processing", f.Export.ID)
			}
			sleep(ctx, 500*time.Millisecond) // well inside the archive
			if err := r.killWorker(f); err != nil {
				return err
			}
			if r.refreshExport(ctx, f.Export); f.Export.Status == "ready" {
				f.Note = "the export finished before the kill (raise -export-n)"
			}
			return nil
		}},
		{"worker-kill-email", "worker SIGKILLed while sending email", false, func(ctx context.Context, r *rig, f *faultRun) error {
			// A slow SMTP server (100 ms a message) keeps the worker busy
			// with a backlog; the kill lands once a tenth of it arrived.
			r.sink.SetDelay(100 * time.Millisecond)
			defer r.sink.SetDelay(0)
			before := r.sink.Stats().Accepted
			sent := make(chan []string, 1)
			go func() { sent <- r.burst(ctx, r.opts.burst) }()
			deadline := time.Now().Add(30 * time.Second)
			for r.sink.Stats().Accepted < before+r.opts.burst/10 && time.Now().Before(deadline) {
				sleep(ctx, 10*time.Millisecond) // polling the sink, with a deadline
			}
			err := r.killWorker(f)
			f.Mail = <-sent
			return err
		}},
		{"smtp-451", fmt.Sprintf("SMTP answers 451 for %s", 2*out), false, func(ctx context.Context, r *rig, f *faultRun) error {
			f.Inject = time.Now()
			r.sink.FailFor(2 * out)
			sleep(ctx, 2*out)
			f.Restored = time.Now()
			// What was requested while the sink refused is this fault's mail.
			for _, in := range r.mail.all() {
				if !in.at.Before(f.Inject) {
					f.Mail = append(f.Mail, in.rcpt)
				}
			}
			return nil
		}},
	}
}

// killWorker SIGKILLs the worker and starts a new one.
func (r *rig) killWorker(f *faultRun) error {
	f.Inject = time.Now()
	if err := r.worker.Kill(); err != nil {
		return err
	}
	if err := r.startWorker(); err != nil {
		return err
	}
	f.Restored = time.Now()
	return nil
}

// burst sends n invitations from 8 clients at once and returns the
// addresses the API accepted.
func (r *rig) burst(ctx context.Context, n int) []string {
	var mu sync.Mutex
	var out []string
	var wg sync.WaitGroup
	next := make(chan struct{}, n)
	for range n {
		next <- struct{}{}
	}
	close(next)
	for range 8 {
		wg.Go(func() {
			for range next {
				if rcpt, ok := r.invite(ctx); ok {
					mu.Lock()
					out = append(out, rcpt)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return out
}

func (r *rig) requestExport(ctx context.Context, org, fault string) *exportReq {
	var job struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	err := r.client.JSON(ctx, harness.Request{Method: http.MethodPost, Path: "/api/v1/orgs/" + org + "/exports/", Token: r.tokens[0]}, http.StatusAccepted, &job)
	if err != nil {
		fmt.Fprintln(r.log, "faults: export request:", err)
		return nil
	}
	e := &exportReq{ID: job.ID, Org: org, Fault: fault, RequestedAt: time.Now(), Status: job.Status}
	r.exports = append(r.exports, e)
	return e
}

// refreshExport reads the job's state (leaving it unchanged on error).
func (r *rig) refreshExport(ctx context.Context, e *exportReq) {
	var job struct {
		Status      string     `json:"status"`
		CompletedAt *time.Time `json:"completed_at"`
	}
	err := r.client.JSON(ctx, harness.Request{Method: http.MethodGet, Path: "/api/v1/orgs/" + e.Org + "/exports/" + e.ID + "/", Token: r.tokens[0]}, http.StatusOK, &job)
	if err == nil {
		e.Status, e.CompletedAt = job.Status, job.CompletedAt
	}
}

// waitExport polls until the export reaches status (or ready/failed).
func (r *rig) waitExport(ctx context.Context, e *exportReq, status string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		r.refreshExport(ctx, e)
		if e.Status == status || e.Status == "ready" || e.Status == "failed" {
			return e.Status == status
		}
		sleep(ctx, 50*time.Millisecond) // polling the job, with a deadline
	}
	return false
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
