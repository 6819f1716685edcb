package harness

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
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
