// Command bench measures and breaks the real apistarter binary on this
// machine; each subcommand starts what it needs, prints one table and
// writes it as JSON and Markdown under its -out directory:
//
//	go run ./bench load    [flags]   # throughput and latency against SPEC targets (make bench)
//	go run ./bench faults  [flags]   # Redis, PostgreSQL, worker and SMTP faults under load (make faults)
//	go run ./bench abuse   [flags]   # one user floods image work, another must stay served (make abuse)
//	go run ./bench cluster [flags]   # rolling deploys and failover of a loopback cluster (make cluster)
//
// `go run ./bench <subcommand> -h` lists a subcommand's flags.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"apistarter/bench/abuse"
	"apistarter/bench/cluster"
	"apistarter/bench/faults"
	"apistarter/bench/load"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// subcommand is one of bench's runs; it returns the exit code.
type subcommand struct {
	name, what string
	run        func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func subcommands() []subcommand {
	return []subcommand{
		{"load", "throughput and latency against the SPEC targets (make bench)", load.Run},
		{"faults", "Redis, PostgreSQL, worker and SMTP faults under load (make faults)", faults.Run},
		{"abuse", "one user floods image work, another must stay served (make abuse)", abuse.Run},
		{"cluster", "rolling deploys and failover of a loopback cluster (make cluster)", cluster.Run},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		for _, c := range subcommands() {
			if c.name == args[0] {
				return c.run(ctx, args[1:], stdout, stderr)
			}
		}
		fmt.Fprintf(stderr, "bench: unknown subcommand %q\n", args[0])
	}
	fmt.Fprintln(stderr, "usage: go run ./bench <subcommand> [flags]")
	for _, c := range subcommands() {
		fmt.Fprintf(stderr, "  %-8s %s\n", c.name, c.what)
	}
	return 2
}
