package faults

import (
	"context"
	"fmt"
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
	Export *harness.Export
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
			if err := r.redis.Stop(); err != nil {
				return err
			}
			_ = harness.Sleep(ctx, out)
			if err := r.redis.Start(ctx); err != nil {
				return err
			}
			f.Restored = time.Now()
			return nil
		}},
		{"redis-flush", "Redis FLUSHALL with a queued backlog", false, func(ctx context.Context, r *rig, f *faultRun) error {
			// A slow SMTP server keeps a backlog of email queued in Redis,
			// and an export is queued with it: the flush loses their tasks.
			r.Sink.SetDelay(50 * time.Millisecond)
			defer r.Sink.SetDelay(0)
			f.Mail = r.load.Burst(ctx, r.o.burst)
			f.Export = r.requestExport(ctx, r.fix.Org.Slug)
			f.Inject = time.Now()
			if err := r.redis.FlushAll(ctx); err != nil {
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
			_ = harness.Sleep(ctx, out)
			if err := r.pg.Start(ctx); err != nil {
				return err
			}
			f.Restored = time.Now()
			return nil
		}},
		{"worker-kill-export", "worker SIGKILLed during an export", false, func(ctx context.Context, r *rig, f *faultRun) error {
			f.Export = r.requestExport(ctx, r.big.Slug)
			if f.Export == nil {
				return fmt.Errorf("export not accepted")
			}
			processing := func(e *harness.Export) bool { return e.Status == "processing" || e.Finished() }
			if !r.client.WaitExport(ctx, f.Export, 60*time.Second, processing) || f.Export.Status != "processing" {
				return fmt.Errorf("export %s never started processing", f.Export.ID)
			}
			_ = harness.Sleep(ctx, 500*time.Millisecond) // well inside the archive
			if err := r.killWorker(ctx, f); err != nil {
				return err
			}
			if _ = r.client.RefreshExport(ctx, f.Export); f.Export.Status == "ready" {
				f.Note = "the export finished before the kill (raise -export-n)"
			}
			return nil
		}},
		{"worker-kill-email", "worker SIGKILLed while sending email", false, func(ctx context.Context, r *rig, f *faultRun) error {
			// A slow SMTP server (100 ms a message) keeps the worker busy
			// with a backlog; the kill lands once a tenth of it arrived.
			r.Sink.SetDelay(100 * time.Millisecond)
			defer r.Sink.SetDelay(0)
			before := r.Sink.Stats().Accepted
			sent := make(chan []string, 1)
			go func() { sent <- r.load.Burst(ctx, r.o.burst) }()
			_ = harness.Poll(ctx, 30*time.Second, "a tenth of the burst delivered", func() bool {
				return r.Sink.Stats().Accepted >= before+r.o.burst/10
			})
			err := r.killWorker(ctx, f)
			f.Mail = <-sent
			return err
		}},
		{"smtp-451", fmt.Sprintf("SMTP answers 451 for %s", 2*out), false, func(ctx context.Context, r *rig, f *faultRun) error {
			f.Inject = time.Now()
			r.Sink.FailFor(2 * out)
			_ = harness.Sleep(ctx, 2*out)
			f.Restored = time.Now()
			// What was requested while the sink refused is this fault's mail.
			for _, in := range r.load.Invites() {
				if !in.At.Before(f.Inject) {
					f.Mail = append(f.Mail, in.Rcpt)
				}
			}
			return nil
		}},
	}
}

// killWorker SIGKILLs the worker and starts a new one.
func (r *rig) killWorker(ctx context.Context, f *faultRun) error {
	f.Inject = time.Now()
	if err := r.worker.Kill(); err != nil {
		return err
	}
	if err := r.startWorker(ctx); err != nil {
		return err
	}
	f.Restored = time.Now()
	return nil
}

// requestExport asks for an export of org; nil when the API refused.
func (r *rig) requestExport(ctx context.Context, org string) *harness.Export {
	e, err := r.client.RequestExport(ctx, org, r.tokens[0])
	if err != nil {
		r.Logf("export request: %v", err)
		return nil
	}
	r.exports = append(r.exports, e)
	return e
}
