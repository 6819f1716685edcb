// Command faults runs the real binary under a steady mixed load and breaks
// what it depends on, one fault at a time: Redis restarted and flushed,
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
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"apistarter/bench/harness"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
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
	bin            string
	outDir         string
	pgBin          string
	short          bool
}

func (o *options) has(name string) bool { return slices.Contains(o.faults, name) }

var allFaults = []string{"redis-restart", "redis-flush", "pg-restart", "worker-kill-export", "worker-kill-email", "smtp-451"}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("faults", flag.ContinueOnError)
	fs.SetOutput(stderr)
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
	fs.DurationVar(&o.drain, "drain", 4*time.Minute, "wait at the end for accepted emails and exports (the outbox re-relays lost tasks after 2 min)")
	list := fs.String("faults", strings.Join(allFaults, ","), "faults to inject, in order")
	fs.StringVar(&o.bin, "bin", "bin/apistarter", "apistarter binary (make build)")
	fs.StringVar(&o.outDir, "out", "bench/out", "directory for the JSON results and logs")
	fs.StringVar(&o.pgBin, "pgbin", "", "directory of initdb and pg_ctl (default: found with pg_config or under /usr/lib/postgresql)")
	fs.BoolVar(&o.short, "short", false, "a quick smoke run (the test's): shorter waits and lighter load")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.short {
		// Smoke-run defaults for what was not given: no fault that needs
		// the minute-long lease or relay timeouts to recover.
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		short := map[string]string{"n": "200", "c": "4", "rate": "20", "mail-rate": "10", "burst": "50", "outage": "2500ms",
			"settle": "1500ms", "grace": "3s", "recover-limit": "15s", "drain": "45s", "faults": "redis-restart,pg-restart,smtp-451"}
		for name, v := range short {
			if !set[name] {
				_ = fs.Set(name, v)
			}
		}
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
	if o.pgBin == "" {
		o.pgBin = harness.FindPgBin()
	}
	if o.contacts < 100 || o.concurrency < 1 || o.burst < 1 {
		return nil, errors.New("need -n ≥ 100, -c ≥ 1, -burst ≥ 1")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "faults:", err)
		return 2
	}
	res, err := inject(ctx, o, stderr)
	if res != nil {
		res.print(stdout)
		if path, werr := res.save(o.outDir); werr != nil {
			err = errors.Join(err, werr)
		} else {
			fmt.Fprintf(stdout, "\nresults: %s\n", path)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "faults:", err)
		return 1
	}
	if !res.Pass {
		return 1
	}
	return 0
}

// inject sets up the system, runs the load, injects the faults in order,
// drains, and analyses the timeline.
func inject(ctx context.Context, o *options, log io.Writer) (*result, error) {
	r, err := setUp(ctx, o, log)
	if err != nil {
		return nil, err
	}
	defer r.tearDown()
	byName := map[string]fault{}
	for _, f := range catalogue(o) {
		byName[f.name] = f
	}

	loadCtx, stopLoad := context.WithCancel(ctx)
	wg := r.steadyLoad(loadCtx)
	loadStart := time.Now()
	sleep(ctx, o.settle)
	var runs []*faultRun
	var errs []error
	for _, name := range o.faults {
		if ctx.Err() != nil {
			break
		}
		f := byName[name]
		fr := &faultRun{Name: f.label, Outage: f.outage}
		fmt.Fprintf(log, "faults: %s...\n", f.label)
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
		sleep(ctx, o.settle)
	}
	stopLoad()
	wg.Wait()
	loadEnd := time.Now()

	fmt.Fprintf(log, "faults: draining (up to %s)...\n", o.drain)
	r.drain(ctx, o.drain)
	return r.analyse(runs, loadStart, loadEnd), errors.Join(errs...)
}

// drain waits until every accepted email arrived and every accepted export
// finished, or the timeout passes.
func (r *rig) drain(ctx context.Context, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	rcpts := r.mail.rcpts(r.mail.all())
	for time.Now().Before(deadline) && ctx.Err() == nil {
		done := true
		for _, e := range r.exports {
			if e.Status != "ready" && e.Status != "failed" {
				r.refreshExport(ctx, e)
				done = done && (e.Status == "ready" || e.Status == "failed")
			}
		}
		if n, _ := r.sink.Delivered(rcpts); n == len(rcpts) && done {
			return
		}
		sleep(ctx, 500*time.Millisecond) // polling for completion, with a deadline
	}
}
