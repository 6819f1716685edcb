// Command cluster runs apistarter as a small production cluster on loopback
// and deploys through it under a steady mixed load with emails and exports:
// a throwaway PostgreSQL cluster behind PgBouncer (transaction mode), a
// Redis primary with one replica and three Sentinels, HAProxy in front of
// two `serve` processes, two `worker` and two `scheduler` processes, all
// from the built binary. One at a time it does: a rolling restart of the
// API behind HAProxy, a rolling restart of the workers and schedulers, a
// SIGKILL of the Redis primary, and an expand migration applied under the
// old version followed by a rollout. It prints a table and exits 1 on any
// failed request at the balancer, or any lost or duplicated email or export.
//
//	make cluster
//	make cluster CLUSTER_ARGS='-steady 10s -concurrency 8'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
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
	steady      time.Duration // load before and after each step
	concurrency int
	rate        float64 // requests/s per load worker
	mailRate    float64 // invitations/s
	contacts    int
	exportsPer  int // exports requested per step
	deliverWait time.Duration
	bin         string
	outDir      string
	pgBin       string
}

var errNoHAProxy = errors.New("haproxy is not installed")

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("cluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	short := fs.Bool("short", false, "small load and short phases (the make test version)")
	fs.DurationVar(&o.steady, "steady", 8*time.Second, "steady load before and after each step")
	fs.IntVar(&o.concurrency, "concurrency", 8, "load workers")
	fs.Float64Var(&o.rate, "rate", 10, "requests per second per load worker")
	fs.Float64Var(&o.mailRate, "mail-rate", 5, "invitations (emails) per second")
	fs.IntVar(&o.contacts, "contacts", 2000, "contacts in the load org")
	fs.IntVar(&o.exportsPer, "exports", 2, "exports requested during each step")
	fs.DurationVar(&o.deliverWait, "deliver-wait", 3*time.Minute, "how long to wait for every email and export at the end (covers the relay's re-relay timeout)")
	fs.StringVar(&o.bin, "bin", "bin/apistarter", "the apistarter binary")
	fs.StringVar(&o.outDir, "out", "var", "directory for logs")
	fs.StringVar(&o.pgBin, "pg-bin", "", "directory of initdb and pg_ctl (default: found)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if *short {
		o.steady, o.concurrency, o.rate, o.mailRate, o.contacts, o.exportsPer = 3*time.Second, 4, 8, 4, 300, 1
	}
	if o.pgBin == "" {
		o.pgBin = harness.FindPgBin()
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return 2
	}
	r, err := setUp(ctx, o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "cluster:", err)
		return 1
	}
	defer r.tearDown()
	res := r.runAll(ctx)
	res.print(stdout)
	if len(res.problems) > 0 {
		return 1
	}
	return 0
}
