package app

import (
	"context"
	"fmt"
	"io"
)

// RunWorker processes background tasks until ctx ends.
func (a *App) RunWorker(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// RunScheduler enqueues periodic jobs until ctx ends.
func (a *App) RunScheduler(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// JobsList prints the periodic jobs and their schedules.
func (a *App) JobsList(out io.Writer) error {
	fmt.Fprintln(out, "no periodic jobs registered yet")
	return nil
}

// JobsRun runs one periodic job now and prints what it did.
func (a *App) JobsRun(ctx context.Context, name string, out io.Writer) error {
	return fmt.Errorf("jobs: unknown job %q", name)
}
