// Command apistarter is the single binary: API server, worker, scheduler,
// migrations and operator commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"apistarter/internal/app"
	"apistarter/internal/config"
	"apistarter/internal/db"
)

const usage = `apistarter — organization-scoped REST API starter

Usage: apistarter <command> [flags]

Commands:
  serve                     HTTP API, OpenAPI docs, health, queue dashboard
  worker                    background task worker and outbox relay
  scheduler                 periodic jobs (safe to run several)
  dev                       migrate, then serve + worker + scheduler in one process
  migrate [up|down|status]  database migrations (default: up)
  createsuperuser --email E [--password P]
  seed-demo [--email E] [--password P]
  jobs list | jobs run NAME periodic jobs: list them, or run one now
  healthcheck [URL]         exit 0 when serve answers /health/ready/ 200 (for container health checks)
  version                   print the version

serve, worker, scheduler and dev also serve Prometheus /metrics on
METRICS_ADDR (default 127.0.0.1:9090; empty disables it).

Configuration comes from environment variables (and .env); see README.md.
Run "apistarter <command> --help" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run returns the exit code: 0 ok, 1 runtime failure, 2 usage or configuration error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	inv, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	switch inv.cmd {
	case "version":
		fmt.Fprintln(stdout, app.Version)
		return 0
	case "healthcheck":
		return healthcheck(inv.args, stdout, stderr)
	}
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintf(stderr, "configuration error:\n%v\n", err)
		return 2
	}
	log := newLogger(cfg, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := dispatch(ctx, inv, cfg, log, stdout); err != nil {
		// Problems only the built app can see (PERIODIC_JOB_SCHEDULES
		// naming no job), shown as Load's are.
		var probs config.Problems
		if errors.As(err, &probs) {
			fmt.Fprintf(stderr, "configuration error:\n%v\n", probs)
			return 2
		}
		if errors.Is(err, config.ErrUsage) {
			fmt.Fprintln(stderr, err)
			return 2
		}
		log.Error("command failed", "command", inv.cmd, "error", err.Error())
		fmt.Fprintf(stderr, "%s: %v\n", inv.cmd, err)
		return 1
	}
	return 0
}

// dispatch runs a parsed invocation; parse has checked its flags and arguments.
func dispatch(ctx context.Context, inv *invocation, cfg *config.Config, log *slog.Logger, out io.Writer) error {
	if inv.cmd == "migrate" {
		return migrate(ctx, cfg, inv.args, out)
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	switch inv.cmd {
	case "serve", "dev":
		setMemoryLimit(cfg, log)
	}
	switch inv.cmd {
	case "serve":
		return a.RunWithMetrics(ctx, a.Serve)
	case "worker":
		return a.RunWithMetrics(ctx, a.RunWorker)
	case "scheduler":
		return a.RunWithMetrics(ctx, a.RunScheduler)
	case "dev":
		if err := migrate(ctx, cfg, []string{"up"}, out); err != nil {
			return err
		}
		return a.RunWithMetrics(ctx, a.Serve, a.RunWorker, a.RunScheduler)
	case "createsuperuser":
		password := inv.password
		if password == "" {
			password = os.Getenv("APISTARTER_PASSWORD")
		}
		return a.CreateSuperuser(ctx, inv.email, password, out)
	case "seed-demo":
		email := inv.email
		if email == "" {
			email = "demo@example.com"
		}
		return a.SeedDemo(ctx, email, inv.password, out)
	case "jobs":
		if inv.args[0] == "list" {
			return a.JobsList(out)
		}
		return a.JobsRun(ctx, inv.args[1], out)
	}
	return fmt.Errorf("%w: unknown command %q", config.ErrUsage, inv.cmd)
}

func migrate(ctx context.Context, cfg *config.Config, args []string, out io.Writer) error {
	action := "up"
	if len(args) > 0 {
		action = args[0]
	}
	// Migrations take goose's session lock and may need session settings:
	// never through a transaction pooler.
	pool, err := db.Open(ctx, cfg.DatabaseDirectURL, db.WithIdleInTxTimeout(cfg.DatabaseIdleInTxTimeout))
	if err != nil {
		return err
	}
	defer pool.Close()
	m, err := db.NewMigrator(pool)
	if err != nil {
		return err
	}
	defer m.Close()
	switch action {
	case "up":
		return m.Up(ctx, out)
	case "down":
		return m.Down(ctx, out)
	case "status":
		return m.Status(ctx, out)
	}
	return fmt.Errorf("%w: migrate [up|down|status]", config.ErrUsage)
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel)))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// memoryHeadroom is what the API needs besides image work: runtime, pools,
// in-flight requests and their buffered bodies.
const memoryHeadroom = 256 << 20

// setMemoryLimit makes the garbage collector keep the API within its image
// budget plus headroom (a soft limit: Go collects harder near it, never
// fails an allocation), so garbage of finished image work does not pile up
// over the budget. An explicit GOMEMLIMIT wins.
func setMemoryLimit(cfg *config.Config, log *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	limit := int64(cfg.ImageMemoryBudgetMiB)<<20 + memoryHeadroom
	debug.SetMemoryLimit(limit)
	log.Debug("memory limit set", "bytes", limit)
}
