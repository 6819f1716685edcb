package exports_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"

	"apistarter/internal/app"
	"apistarter/internal/config"
	"apistarter/internal/exports"

	"github.com/google/uuid"
)

// Environment of the child process that plays a worker to be killed.
const (
	childJobEnv    = "EXPORTS_TEST_CHILD_JOB"
	childMarkerEnv = "EXPORTS_TEST_CHILD_MARKER"
)

func TestMain(m *testing.M) {
	if id := os.Getenv(childJobEnv); id != "" {
		os.Exit(runChildRunner(id, os.Getenv(childMarkerEnv)))
	}
	os.Exit(m.Run())
}

// runChildRunner builds the app from the environment and runs one export
// whose runner, after its first file, creates the marker file and blocks
// until the parent kills the process.
func runChildRunner(jobID, marker string) int {
	ctx := context.Background()
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "child runner:", err); return 3 }
	cfg, err := config.FromLookup(os.LookupEnv)
	if err != nil {
		return fail(err)
	}
	a, err := app.New(ctx, cfg, slog.New(slog.NewJSONHandler(os.Stderr, nil)))
	if err != nil {
		return fail(err)
	}
	defer a.Close()
	if _, _, err := a.Handler(); err != nil {
		return fail(err)
	}
	deps := a.ExportsService().Deps
	deps.AfterFile = func(ctx context.Context) error {
		if err := os.WriteFile(marker, []byte("mid-run"), 0o600); err != nil {
			return err
		}
		<-ctx.Done() // the parent SIGKILLs us here
		return ctx.Err()
	}
	svc, err := exports.NewService(deps)
	if err != nil {
		return fail(err)
	}
	if err := svc.Run(ctx, uuid.MustParse(jobID)); err != nil {
		return fail(err)
	}
	return fail(fmt.Errorf("run returned without being killed"))
}
