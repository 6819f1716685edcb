package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestBadConfigExitsTwoWithOneLinePerProblem(t *testing.T) {
	t.Setenv("SMTP_PORT", "99999")
	t.Setenv("STORAGE_BACKEND", "floppy")
	var out, errb bytes.Buffer
	code := run([]string{"migrate", "status"}, &out, &errb)
	if code != 2 {
		t.Fatalf("exit code %d, want 2; stderr: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "SMTP_PORT:") && !strings.HasPrefix(lines[2], "SMTP_PORT:") {
		t.Fatalf("want a header and one line per problem, got:\n%s", errb.String())
	}
}

func TestUsageAndHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(nil, &out, &errb); code != 2 {
		t.Fatalf("no args: exit %d, want 2", code)
	}
	if code := run([]string{"nope"}, &out, &errb); code != 2 {
		t.Fatalf("unknown command: exit %d, want 2", code)
	}
	out.Reset()
	if code := run([]string{"--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "createsuperuser") {
		t.Fatalf("--help: exit %d, output %q", code, out.String())
	}
	errb.Reset()
	if code := run([]string{"serve", "--help"}, &out, &errb); code != 0 || !strings.Contains(errb.String(), "serve") {
		t.Fatalf("serve --help: exit %d, output %q", code, errb.String())
	}
}

func TestMain(m *testing.M) {
	// The command reads .env from the working directory; tests must not.
	os.Exit(m.Run())
}
