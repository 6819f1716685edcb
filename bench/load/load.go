// Package load is the load benchmark (`bench load`, make bench): it seeds
// a fresh database, starts `apistarter serve` and `apistarter worker` as
// separate processes, drives them over HTTP with 16 keep-alive clients,
// measures the queue, the permission cache, exports and image uploads,
// and compares the figures with the machine's ceilings (pgbench -S,
// redis-benchmark). It prints one table and writes the same figures as
// JSON and Markdown under bench/out/.
//
//	make bench                       # N=10k contacts, 10 s per scenario
//	make bench BENCH_ARGS='-n 100000 -export-1m'
//	make bench BENCH_ARGS='-n 1000000 -only search'   # search on a large org
package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"apistarter/bench/harness"
)

// options are the command-line flags.
type options struct {
	harness.Options
	harness.Servers
	contacts    int
	tags        int
	members     int
	concurrency int
	duration    time.Duration
	warmup      time.Duration
	tasks       int
	exportSizes []int
	uploads     int
	uploadSize  [2]int
	pgbenchDB   string
	skip        map[string]bool
	only        string
	dropAfter   bool
}

// parts of a run, in order; -skip names them.
var parts = []string{"http", "queue", "perm", "upload", "exports", "ceilings"}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := harness.NewFlagSet("load", "bench/out", "quick ceilings (a smoke run, not a measurement)", &o.Options, stderr)
	o.Servers.Flags(fs, "apistarter_bench", 14)
	fs.IntVar(&o.contacts, "n", 10_000, "contacts in the benchmark org")
	fs.IntVar(&o.tags, "tags", 50, "tags in the benchmark org")
	fs.IntVar(&o.members, "members", 16, "members besides the owner (one login per load worker)")
	fs.IntVar(&o.concurrency, "c", 16, "concurrent keep-alive clients")
	fs.DurationVar(&o.duration, "d", 10*time.Second, "measured duration of each scenario")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured warm-up before each scenario")
	fs.IntVar(&o.tasks, "tasks", 5000, "tasks per queue measurement (no-op and email)")
	exports := fs.String("exports", "10000,100000", "export sizes in contacts, comma-separated (empty: none)")
	export1M := fs.Bool("export-1m", false, "also export an org of 1,000,000 contacts (takes minutes)")
	fs.IntVar(&o.uploads, "uploads", 3, "uploads of the test JPEG")
	size := fs.String("upload-size", "4000x3000", "dimensions of the test JPEG (12 megapixels: the SPEC target's size)")
	fs.StringVar(&o.pgbenchDB, "pgbench-db", "apistarter_pgbench", "pgbench database (dropped and recreated)")
	skip := fs.String("skip", "", "parts to skip, comma-separated: "+strings.Join(parts, ","))
	fs.BoolVar(&o.dropAfter, "drop", false, "drop the databases after the run")
	fs.StringVar(&o.only, "only", "", "run only the HTTP scenarios whose name contains this (e.g. search), and no other part")
	if err := o.Parse(fs, args, nil); err != nil {
		return nil, err
	}
	o.skip = map[string]bool{}
	for _, s := range strings.Split(*skip, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if !slices.Contains(parts, s) {
			return nil, fmt.Errorf("-skip: unknown part %q (parts: %s)", s, strings.Join(parts, ", "))
		}
		o.skip[s] = true
	}
	for _, s := range strings.Split(*exports, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-exports: %q is not a positive number", s)
		}
		o.exportSizes = append(o.exportSizes, n)
	}
	if _, err := fmt.Sscanf(*size, "%dx%d", &o.uploadSize[0], &o.uploadSize[1]); err != nil || o.uploadSize[0] < 1 || o.uploadSize[1] < 1 {
		return nil, fmt.Errorf("-upload-size: %q is not WIDTHxHEIGHT", *size)
	}
	if o.only != "" {
		for _, p := range parts {
			o.skip[p] = p != "http"
		}
	}
	if *export1M {
		o.exportSizes = append(o.exportSizes, 1_000_000)
	}
	if o.contacts < 100 || o.concurrency < 1 || o.members < 1 || o.tags < 2 {
		return nil, errors.New("need -n ≥ 100, -c ≥ 1, -members ≥ 1, -tags ≥ 2")
	}
	return o, nil
}

// Run is `bench load`; it returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return harness.FlagError("load", err, stderr)
	}
	rep, err := benchmark(ctx, o, stderr)
	if rep == nil {
		return harness.Finish("load", nil, err, o.Out, stdout, stderr)
	}
	return harness.Finish("load", rep.table(), err, o.Out, stdout, stderr)
}

// benchmark runs every part and returns what it measured, also when a part
// failed (the report then shows what there is).
func benchmark(ctx context.Context, o *options, log io.Writer) (*report, error) {
	rep := newReport(o)
	e, err := setUp(ctx, o, log)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	var errs []error
	part := func(name string, f func() error) {
		if o.skip[name] || ctx.Err() != nil {
			return
		}
		e.Logf("%s...", name)
		if err := f(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			e.Logf("%s failed: %v", name, err)
		}
	}
	part("http", func() error { return runScenarios(ctx, e, rep) })
	part("queue", func() error { return measureQueue(ctx, e, rep) })
	part("perm", func() error { return measurePermissions(ctx, e, rep) })
	part("upload", func() error { return measureUpload(ctx, e, rep) })
	part("exports", func() error { return measureExports(ctx, e, rep) })
	e.Stop(30*time.Second, e.serve, e.worker) // the ceilings are measured on idle services
	part("ceilings", func() error { return measureCeilings(ctx, e, rep) })
	rep.finish()
	return rep, errors.Join(errs...)
}
