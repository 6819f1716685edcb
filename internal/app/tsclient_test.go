package app_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"apistarter/internal/testutil"
)

// The TypeScript client, from this package.
const tsClientDir = "../../clients/typescript"

// tsTools returns node and the client's installed tsc and openapi-typescript,
// installing the pinned packages (npm ci) when npm can; else it skips.
func tsTools(t *testing.T) (node, tsc, generator string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed: TypeScript client not checked")
	}
	bin := filepath.Join(tsClientDir, "node_modules", ".bin")
	tsc, generator = filepath.Join(bin, "tsc"), filepath.Join(bin, "openapi-typescript")
	if _, err := os.Stat(tsc); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Skip("npm not installed and clients/typescript/node_modules absent: TypeScript client not checked")
		}
		cmd := exec.Command(npm, "ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = tsClientDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("npm ci in clients/typescript failed (offline?): TypeScript client not checked: %v\n%s", err, out)
		}
	}
	return node, tsc, generator
}

func runTool(t *testing.T, ctx context.Context, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// TestTypeScriptClient: the committed schema.d.ts matches docs/openapi.json,
// the client and its example compile with tsc --strict, and the example runs
// against a real server: register, verify from the mail file, log in, create
// and list contacts.
func TestTypeScriptClient(t *testing.T) {
	t.Parallel()
	node, tsc, generator := tsTools(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir, err := filepath.Abs(tsClientDir)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()

	schema := filepath.Join(out, "schema.d.ts")
	runTool(t, ctx, dir, nil, generator, "../../docs/openapi.json", "--output", schema)
	fresh, _ := os.ReadFile(schema)
	committed, _ := os.ReadFile(filepath.Join(dir, "src", "schema.d.ts"))
	if !bytes.Equal(fresh, committed) {
		t.Fatal("clients/typescript/src/schema.d.ts is stale: run `make client` and commit it")
	}

	// One strict compile both type-checks and emits (nothing on error).
	runTool(t, ctx, dir, nil, tsc, "--strict", "--noEmitOnError", "-p", "tsconfig.json", "--outDir", out)
	if err := os.WriteFile(filepath.Join(out, "package.json"), []byte(`{"type":"module"}`), 0o600); err != nil {
		t.Fatal(err)
	}

	s := testutil.NewServer(t)
	startWorker(t, s)
	mailDir := filepath.Join(filepath.Dir(s.Env["STORAGE_DIR"]), "mail")
	got := runTool(t, ctx, out, []string{
		"API_URL=" + s.URL + "/api/v1", "MAIL_DIR=" + mailDir, "EMAIL=ts.client@example.com",
	}, node, filepath.Join(out, "examples", "quickstart.js"))
	for _, want := range []string{
		"registered: ",
		"verified\n",
		"logged in: ts.client@example.com\n",
		"created contact: ada-lovelace (Ada Lovelace)\n",
		"contacts: 1: ada@example.com\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("example output lacks %q:\n%s", want, got)
		}
	}
}

// TestOpenAPIPassesRedoclyLint: the committed docs/openapi.json has no error
// under Redocly's recommended rules (redocly.yaml): every operation declares
// its security (bearer or anonymous), its path parameters, its 4xx answers,
// and an example of its JSON body.
func TestOpenAPIPassesRedoclyLint(t *testing.T) {
	t.Parallel()
	node, _, _ := tsTools(t)
	redocly := filepath.Join(tsClientDir, "node_modules", "@redocly", "cli", "bin", "cli.js")
	if _, err := os.Stat(redocly); err != nil {
		t.Skip("@redocly/cli not installed in clients/typescript (run make client-deps): OpenAPI lint not run")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := runTool(t, ctx, "../..", []string{"REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true"},
		node, filepath.Join("clients/typescript/node_modules/@redocly/cli/bin/cli.js"), "lint", "--format=summary", "docs/openapi.json")
	if !strings.Contains(out, "valid") {
		t.Fatalf("redocly lint output without a verdict:\n%s", out)
	}
}
