// Package faults is the fault injector (`bench faults`, make faults): it
// runs the real binary under a steady mixed load and breaks what it
// depends on, one fault at a time: Redis restarted and flushed,
// PostgreSQL restarted, a worker SIGKILLed during an export and during
// email sending, the SMTP server answering 451. PostgreSQL and Redis are
// dedicated instances the harness starts (never the machine's shared
// ones). It prints what failed during and after each fault, how long
// recovery took, whether /health/ready/ reported the outage, and whether
// every email and export the API accepted was delivered; it exits 1 when
// something was lost, a 500 appeared outside a fault window, an outage went
// unreported or the system did not recover by itself.
//
//	make faults
//	make faults FAULT_ARGS='-faults pg-restart,smtp-451 -outage 5s'
package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"apistarter/bench/harness"
)

type options struct {
	harness.Options
	contacts       int
	exportContacts int
	concurrency    int
	rate           float64
	mailRate       float64
	burst          int
	outage         time.Duration
	settle         time.Duration
	grace          time.Duration
	recoverLimit   time.Duration
	drain          time.Duration
	faults         []string
}

func (o *options) has(name string) bool { return slices.Contains(o.faults, name) }

var allFaults = []string{"redis-restart", "redis-flush", "pg-restart", "worker-kill-export", "worker-kill-email", "smtp-451"}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := harness.NewFlagSet("faults", "bench/out", "a quick smoke run (the test's): shorter waits and lighter load", &o.Options, stderr)
	o.PgBinFlag(fs)
	fs.IntVar(&o.contacts, "n", 2000, "contacts in the org under load")
	fs.IntVar(&o.exportContacts, "export-n", 100_000, "contacts of the org exported while its worker is killed")
	fs.IntVar(&o.concurrency, "c", 8, "load clients")
	fs.Float64Var(&o.rate, "rate", 25, "requests per second of each load client")
	fs.Float64Var(&o.mailRate, "mail-rate", 10, "invitations (emails) per second")
	fs.IntVar(&o.burst, "burst", 200, "emails sent at once into the worker-kill and flush faults")
	fs.DurationVar(&o.outage, "outage", 3*time.Second, "how long a stopped service stays down")
	fs.DurationVar(&o.settle, "settle", 8*time.Second, "steady load between faults")
	fs.DurationVar(&o.grace, "grace", 5*time.Second, "how long after a repair failures still count as the fault's")
	fs.DurationVar(&o.recoverLimit, "recover-limit", 30*time.Second, "a failure later than this after a repair means no recovery")
	fs.DurationVar(&o.drain, "drain", 4*time.Minute, "wait at the end for accepted emails and exports")
	list := fs.String("faults", strings.Join(allFaults, ","), "faults to inject, in order")
	// The smoke run leaves out the export kill (a large org to seed) and
	// the flush (a second slow backlog); the worker kill recovers through
	// the task lease in seconds.
	err := o.Parse(fs, args, map[string]string{"n": "200", "c": "4", "rate": "20", "mail-rate": "10", "burst": "50", "outage": "2500ms",
		"settle": "1500ms", "grace": "3s", "recover-limit": "15s", "drain": "45s", "faults": "redis-restart,pg-restart,worker-kill-email,smtp-451"})
	if err != nil {
		return nil, err
	}
	for _, f := range strings.Split(*list, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if !slices.Contains(allFaults, f) {
			return nil, fmt.Errorf("-faults: unknown fault %q (known: %s)", f, strings.Join(allFaults, ", "))
		}
		o.faults = append(o.faults, f)
	}
	if o.contacts < 100 || o.concurrency < 1 || o.burst < 1 {
		return nil, errors.New("need -n ≥ 100, -c ≥ 1, -burst ≥ 1")
	}
	return o, nil
}

// Run is `bench faults`; it returns the exit code, 1 when the verdict is
// FAIL.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return harness.FlagError("faults", err, stderr)
	}
	res, err := inject(ctx, o, stderr)
	return harness.Finish("faults", res.table(), err, o.Out, stdout, stderr)
}

// inject sets up the system, runs the load, injects the faults in order,
// drains, and analyses the timeline.
func inject(ctx context.Context, o *options, log io.Writer) (*result, error) {
	r, err := setUp(ctx, o, log)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	byName := map[string]fault{}
	for _, f := range catalogue(o) {
		byName[f.name] = f
	}

	loadCtx, stopLoad := context.WithCancel(ctx)
	wg := r.steadyLoad(loadCtx)
	loadStart := time.Now()
	_ = harness.Sleep(ctx, o.settle)
	var runs []*faultRun
	var errs []error
	for _, name := range o.faults {
		if ctx.Err() != nil {
			break
		}
		f := byName[name]
		fr := &faultRun{Name: f.label, Outage: f.outage}
		r.Logf("%s...", f.label)
		if err := f.inject(ctx, r, fr); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			fr.Note = "injection failed: " + err.Error()
		}
		if fr.Inject.IsZero() {
			fr.Inject = time.Now()
		}
		if fr.Restored.IsZero() {
			fr.Restored = time.Now()
		}
		runs = append(runs, fr)
		_ = harness.Sleep(ctx, o.settle)
	}
	stopLoad()
	wg.Wait()
	loadEnd := time.Now()

	r.Logf("draining (up to %s)...", o.drain)
	r.drain(ctx, o.drain)
	return r.analyse(runs, loadStart, loadEnd), errors.Join(errs...)
}

// drain waits until every accepted email arrived and every accepted export
// finished, or the timeout passes.
func (r *rig) drain(ctx context.Context, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	r.Sink.WaitDelivered(harness.Rcpts(r.load.Invites()), timeout)
	for _, e := range r.exports {
		r.client.WaitExport(ctx, e, time.Until(deadline), (*harness.Export).Finished)
	}
}
