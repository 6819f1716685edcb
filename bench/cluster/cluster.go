// Package cluster (`bench cluster`, make cluster) runs apistarter as a
// small production cluster on loopback and deploys through it under a
// steady mixed load with emails and exports: a throwaway PostgreSQL cluster behind PgBouncer (transaction mode), a
// Redis primary with one replica and three Sentinels, HAProxy in front of
// two `serve` processes, two `worker` and two `scheduler` processes, all
// from the built binary. One at a time it does: a rolling restart of the
// API behind HAProxy, a rolling restart of the workers and schedulers, a
// SIGKILL of the Redis primary, and an expand migration applied under the
// old version followed by a rollout. Every periodic job runs every -period
// meanwhile. It prints a table and exits 1 on any failed request at the
// balancer, any lost or duplicated email or export, or a periodic job that
// did not run exactly once in a full period of the worker and scheduler
// restarts.
//
//	make cluster
//	make cluster CLUSTER_ARGS='-steady 10s -concurrency 8'
package cluster

import (
	"context"
	"fmt"
	"io"
	"time"

	"apistarter/bench/harness"
)

type options struct {
	harness.Options
	steady      time.Duration // load before and after each step
	concurrency int
	rate        float64 // requests/s per load worker
	mailRate    float64 // invitations/s
	contacts    int
	exportsPer  int // exports requested per step
	deliverWait time.Duration
	period      time.Duration // of every periodic job during the run
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := harness.NewFlagSet("cluster", "var", "small load and short phases (the test's)", &o.Options, stderr)
	o.PgBinFlag(fs)
	fs.DurationVar(&o.steady, "steady", 8*time.Second, "steady load before and after each step")
	fs.IntVar(&o.concurrency, "concurrency", 8, "load workers")
	fs.Float64Var(&o.rate, "rate", 10, "requests per second per load worker")
	fs.Float64Var(&o.mailRate, "mail-rate", 5, "invitations (emails) per second")
	fs.IntVar(&o.contacts, "contacts", 2000, "contacts in the load org")
	fs.IntVar(&o.exportsPer, "exports", 2, "exports requested during each step")
	fs.DurationVar(&o.period, "period", 10*time.Second, "schedule of every periodic job during the run (@every); the worker and scheduler restarts are one period apart")
	fs.DurationVar(&o.deliverWait, "deliver-wait", 3*time.Minute, "how long to wait for every email and export at the end (covers the relay's re-relay timeout)")
	err := o.Parse(fs, args, map[string]string{"steady": "3s", "concurrency": "4", "rate": "8", "mail-rate": "4", "contacts": "300", "exports": "1", "period": "5s"})
	if err != nil {
		return nil, err
	}
	if o.period < time.Second || o.period%time.Second != 0 {
		return nil, fmt.Errorf("-period %s: want whole seconds, at least 1s (a cron @every)", o.period)
	}
	return o, nil
}

// Run is `bench cluster`; it returns the exit code, 1 on any problem.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return harness.FlagError("cluster", err, stderr)
	}
	r, err := setUp(ctx, o, stderr)
	if err != nil {
		return harness.Finish("cluster", nil, err, o.Out, stdout, stderr)
	}
	defer r.Close()
	return harness.Finish("cluster", r.runAll(ctx).table(), nil, o.Out, stdout, stderr)
}
