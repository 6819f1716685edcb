// Command abuse runs the real binary while one user floods it with image
// work (concurrent bulk and avatar uploads of maximum-size images) and a
// second user polls GET /users/me and /health/ready/. It prints the second
// user's latency, readiness failures, the process's peak RSS against the
// image budget and the number of 503s, and exits 1 when readiness or the
// second user failed or the peak RSS went over the ceiling.
//
//	make abuse
//	make abuse ABUSE_ARGS='-bulk 10 -avatars 10'
//	go run ./bench/abuse -measure   # peak memory of decoding 40 MP files
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("abuse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	measure := fs.Bool("measure", false, "measure the peak memory of decoding 40 MP files instead")
	measureOnePath := fs.String("measure-one", "", "internal: measure one file in this process")
	measureMode := fs.String("measure-mode", "library", "internal: decode, library or avatar")
	o := &abuseOptions{}
	fs.StringVar(&o.bin, "bin", "bin/apistarter", "apistarter binary (make build)")
	fs.StringVar(&o.outDir, "out", "var/abuse", "directory of the process logs")
	fs.StringVar(&o.pgAdmin, "pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "maintenance database of the PostgreSQL server")
	fs.StringVar(&o.dbName, "db", "apistarter_abuse", "database of the run (dropped and recreated)")
	fs.StringVar(&o.redisAddr, "redis", "127.0.0.1:6379", "Redis server (a database of it is leased and flushed)")
	fs.IntVar(&o.redisDB, "redis-db", 13, "preferred Redis database")
	fs.IntVar(&o.bulk, "bulk", 30, "concurrent bulk uploads")
	fs.IntVar(&o.avatars, "avatars", 30, "concurrent avatar uploads")
	fs.IntVar(&o.filesEach, "files", 2, "files per bulk upload")
	fs.IntVar(&o.width, "width", 8000, "image width")
	fs.IntVar(&o.height, "height", 5000, "image height (8000×5000 is the 40 MP limit)")
	fs.IntVar(&o.budgetMiB, "budget-mib", 768, "IMAGE_MEMORY_BUDGET_MIB of the server")
	fs.IntVar(&o.ceilingMiB, "ceiling-mib", 1024, "the server's peak RSS must stay under this")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var err error
	switch {
	case *measureOnePath != "":
		err = measureOne(*measureOnePath, *measureMode, stdout)
	case *measure:
		err = measureAll(ctx, stdout)
	default:
		var ok bool
		ok, err = runAbuse(ctx, o, stdout, stderr)
		if err == nil && !ok {
			return 1
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "abuse:", err)
		return 1
	}
	return 0
}
