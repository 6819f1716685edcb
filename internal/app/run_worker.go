package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"apistarter/internal/config"
	"apistarter/internal/jobs"
	"apistarter/internal/tracing"

	"go.opentelemetry.io/otel/trace"
)

// NewWorker returns the worker (with the outbox relay) configured for this
// app; RunWorker runs it. Tests adjust its fields before Run.
func (a *App) NewWorker() *jobs.Worker {
	return &jobs.Worker{
		Redis:           a.redisConn,
		DB:              a.DB,
		LockDB:          a.DirectDB,
		Registry:        a.Jobs,
		Log:             a.Log.With("component", "worker"),
		Metrics:         a.jobMetrics,
		Tracer:          a.tracer(),
		Relay:           a.NewRelay(),
		ShutdownTimeout: ShutdownTimeout,
		Concurrency:     a.Cfg.WorkerConcurrency,
		Lease:           a.Cfg.TaskLease,
	}
}

// tracer is the tracer of the project's own spans, nil when tracing is off.
func (a *App) tracer() trace.Tracer {
	if a.tracerProvider == nil {
		return nil
	}
	return a.tracerProvider.Tracer(tracing.InstrumentationName)
}

// NewRelay returns the outbox relay configured for this app.
func (a *App) NewRelay() *jobs.Relay {
	return &jobs.Relay{
		DB:      a.DB,
		Listen:  a.DirectDB,
		Redis:   a.redisConn,
		Log:     a.Log.With("component", "relay"),
		Metrics: a.jobMetrics,
		Timeout: a.Cfg.RelayTimeout,
	}
}

// NewScheduler returns the periodic-job scheduler configured for this app.
func (a *App) NewScheduler() *jobs.Scheduler {
	return &jobs.Scheduler{
		Redis:    a.redisConn,
		Registry: a.Jobs,
		Log:      a.Log.With("component", "scheduler"),
		Metrics:  a.jobMetrics,
	}
}

// RunWorker processes background tasks and relays the outbox until ctx
// ends, then lets running tasks finish (bounded by ShutdownTimeout).
func (a *App) RunWorker(ctx context.Context) error {
	return a.NewWorker().Run(ctx)
}

// RunScheduler enqueues periodic jobs until ctx ends.
func (a *App) RunScheduler(ctx context.Context) error {
	return a.NewScheduler().Run(ctx)
}

// JobsList prints the periodic jobs and their schedules.
func (a *App) JobsList(out io.Writer) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSCHEDULE (UTC)\tQUEUE\tDESCRIPTION")
	for _, p := range a.Jobs.Periodic() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, p.Schedule, p.Queue, p.Description)
	}
	return tw.Flush()
}

// JobsRun runs one periodic job now, synchronously, under the same advisory
// lock as the worker, and prints what it did.
func (a *App) JobsRun(ctx context.Context, name string, out io.Writer) error {
	p, ok := a.Jobs.Job(name)
	if !ok {
		return fmt.Errorf("%w: unknown job %q (see: apistarter jobs list)", config.ErrUsage, name)
	}
	start := time.Now()
	res, err := jobs.RunLocked(ctx, a.DirectDB, p)
	if errors.Is(err, jobs.ErrJobBusy) {
		return fmt.Errorf("jobs: %s is running in a worker right now; try again later", name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %s (%s)\n", name, res, time.Since(start).Round(time.Millisecond))
	return nil
}
