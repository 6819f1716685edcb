package harness

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BuildBinary compiles cmd/apistarter into a temporary directory for a
// test of the harness (the build cache makes it quick after the first).
func BuildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "apistarter")
	cmd := exec.Command("go", "build", "-o", bin, "apistarter/cmd/apistarter")
	cmd.Env = os.Environ()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("harness: go build: %v\n%s", err, out)
	}
	return bin
}

// Subcommand is a subcommand's entry point; it returns the exit code.
type Subcommand func(ctx context.Context, args []string, stdout, stderr io.Writer) int

// RunCommand builds the binary and runs run with -bin, -out (a temporary
// directory) and args within timeout, for a test of a subcommand.
func RunCommand(t testing.TB, run Subcommand, timeout time.Duration, args ...string) (out string, code int, stdout, stderr string) {
	t.Helper()
	out = t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var so, se bytes.Buffer
	code = run(ctx, append([]string{"-bin", BuildBinary(t), "-out", out}, args...), &so, &se)
	return out, code, so.String(), se.String()
}
