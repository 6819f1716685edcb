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
)

// NewWorker returns the worker (with the outbox relay) configured for this
// app; RunWorker runs it. Tests adjust its fields before Run.
func (a *App) NewWorker() (*jobs.Worker, error) {
	relay, err := a.NewRelay()
	if err != nil {
		return nil, err
	}
	return &jobs.Worker{
		Redis:           a.bg.redis,
		DB:              a.DB,
		LockDB:          a.DirectDB,
		Registry:        a.Jobs,
		Log:             a.Log.With("component", "worker"),
		Metrics:         a.bg.metrics,
		Relay:           relay,
		ShutdownTimeout: ShutdownTimeout,
	}, nil
}

// NewRelay returns the outbox relay configured for this app.
func (a *App) NewRelay() (*jobs.Relay, error) {
	if err := a.initJobs(); err != nil {
		return nil, err
	}
	return &jobs.Relay{
		DB:      a.DB,
		Listen:  a.DirectDB,
		Redis:   a.bg.redis,
		Log:     a.Log.With("component", "relay"),
		Metrics: a.bg.metrics,
	}, nil
}

// NewScheduler returns the periodic-job scheduler configured for this app.
func (a *App) NewScheduler() (*jobs.Scheduler, error) {
	if err := a.initJobs(); err != nil {
		return nil, err
	}
	return &jobs.Scheduler{
		Redis:    a.bg.redis,
		Registry: a.Jobs,
		Log:      a.Log.With("component", "scheduler"),
		Metrics:  a.bg.metrics,
	}, nil
}

// RunWorker processes background tasks and relays the outbox until ctx
// ends, then lets running tasks finish (bounded by ShutdownTimeout).
func (a *App) RunWorker(ctx context.Context) error {
	w, err := a.NewWorker()
	if err != nil {
		return err
	}
	return w.Run(ctx)
}

// RunScheduler enqueues periodic jobs until ctx ends.
func (a *App) RunScheduler(ctx context.Context) error {
	s, err := a.NewScheduler()
	if err != nil {
		return err
	}
	return s.Run(ctx)
}

// JobsList prints the periodic jobs and their schedules.
func (a *App) JobsList(out io.Writer) error {
	if err := a.initJobs(); err != nil {
		return err
	}
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
	if err := a.initJobs(); err != nil {
		return err
	}
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
