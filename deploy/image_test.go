package deploy

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"apistarter/internal/testutil"
)

// maxImageBytes is the unpacked image size target: 40 MB.
const maxImageBytes = 40_000_000

// runFlagSets are tried in order until the image runs. The second one is for
// sandboxes like this machine's: no CAP_SYS_RESOURCE (podman's default rlimits
// cannot be set) and a cgroup v1/v2 hybrid that crun refuses.
func runFlagSets() [][]string {
	var nofile syscall.Rlimit
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &nofile)
	return [][]string{
		nil,
		{"--runtime", "runc", "--ulimit", fmt.Sprintf("nofile=%d:%d", nofile.Cur, nofile.Max), "--ulimit", "nproc=32768:32768"},
	}
}

func podman(ctx context.Context, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "podman", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// freePort finds a free TCP port in this project's fixed test range 18200-18299.
func freePort(t *testing.T) int {
	t.Helper()
	var b [1]byte
	_, _ = rand.Read(b[:])
	for i := range 100 {
		p := 18200 + (int(b[0])+i)%100
		if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p)); err == nil {
			l.Close()
			return p
		}
	}
	t.Fatal("no free port in 18200-18299")
	return 0
}

// TestImageServesReadyUnderPodman builds the image the way `make image` does and
// runs it against this machine's PostgreSQL and Redis: the static binary must start
// on an empty base as the non-root user and answer /health/ready/ 200.
func TestImageServesReadyUnderPodman(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"podman", "buildah"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("SKIPPED: %s is not installed, so the image cannot be built and run here (scripts/services.sh installs podman and buildah when run as root)", tool)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	tag := "test-" + hex.EncodeToString(rnd[:])
	image := "localhost/apistarter:" + tag

	// Can buildah work here at all (storage, privileges)? If not, skip; a failure
	// after this is the script's.
	if out, err := exec.CommandContext(ctx, "buildah", "from", "scratch").CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: buildah cannot create containers here: %v\n%s", err, out)
	} else {
		_ = exec.Command("buildah", "rm", strings.TrimSpace(string(out))).Run()
	}
	build := exec.CommandContext(ctx, filepath.Join(repoRoot, "scripts", "image.sh"))
	build.Env = append(os.Environ(), "IMAGE="+image, "VERSION="+tag, "REVISION=testrevision")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("scripts/image.sh: %v\n%s", err, out)
	}
	t.Cleanup(func() { _, _ = podman(context.Background(), "rmi", "-f", image) })

	// The built image carries what deploy/image.env says.
	spec := imageSpec(t)
	raw, err := podman(ctx, "image", "inspect", "--format", "{{json .Config}}", image)
	if err != nil {
		t.Fatalf("podman image inspect: %v: %s", err, raw)
	}
	var cfg struct {
		User         string
		Entrypoint   []string
		Cmd          []string
		WorkingDir   string
		Env          []string
		ExposedPorts map[string]struct{}
		Labels       map[string]string
	}
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatalf("podman image inspect: %v: %s", err, raw)
	}
	if cfg.User != spec["IMAGE_USER"] || strings.HasPrefix(cfg.User, "0") {
		t.Errorf("image user %q, want %q (numeric, non-root)", cfg.User, spec["IMAGE_USER"])
	}
	if !slices.Equal(cfg.Entrypoint, []string{spec["IMAGE_ENTRYPOINT"]}) || !slices.Equal(cfg.Cmd, []string{spec["IMAGE_CMD"]}) {
		t.Errorf("entrypoint %q cmd %q, want [%s] [%s]", cfg.Entrypoint, cfg.Cmd, spec["IMAGE_ENTRYPOINT"], spec["IMAGE_CMD"])
	}
	if cfg.WorkingDir != spec["IMAGE_WORKDIR"] || !slices.Contains(cfg.Env, spec["IMAGE_ENV"]) {
		t.Errorf("workdir %q env %q, want %s and %s", cfg.WorkingDir, cfg.Env, spec["IMAGE_WORKDIR"], spec["IMAGE_ENV"])
	}
	for p := range strings.FieldsSeq(spec["IMAGE_PORTS"]) {
		if _, ok := cfg.ExposedPorts[p+"/tcp"]; !ok {
			t.Errorf("image does not expose %s/tcp: %v", p, cfg.ExposedPorts)
		}
	}
	for _, l := range imageLabels(spec, tag, "testrevision", "") {
		k, v, _ := strings.Cut(l, "=")
		if got, ok := cfg.Labels[k]; !ok || (v != "" && got != v) {
			t.Errorf("label %s = %q, want %q", k, got, v)
		}
	}

	// The acceptance target (issue #12). The usual way to lose it is a template
	// executed with the standard text/template or html/template: their reflective
	// method calls make the linker keep every exported method (+12 MB, see the
	// image section of docs/deploy.md).
	if raw, err := podman(ctx, "image", "inspect", "--format", "{{.Size}}", image); err != nil {
		t.Errorf("podman image inspect size: %v: %s", err, raw)
	} else if size, err := strconv.ParseInt(raw, 10, 64); err != nil || size > maxImageBytes {
		t.Errorf("image is %s bytes unpacked, want ≤ %d (%v)", raw, maxImageBytes, err)
	}

	// Find podman flags this host can run containers with.
	var runFlags []string
	var failures []string
	for _, flags := range runFlagSets() {
		args := append(append([]string{"run", "--rm", "--network", "host"}, flags...), image, "version")
		out, err := podman(ctx, args...)
		if err == nil && out == tag {
			runFlags = flags
			failures = nil
			break
		}
		failures = append(failures, fmt.Sprintf("podman %s: %v: %s", strings.Join(args, " "), err, out))
	}
	if failures != nil {
		t.Skipf("SKIPPED: podman is installed but cannot run containers here:\n%s", strings.Join(failures, "\n"))
	}

	port := freePort(t)
	name := "apistarter-test-" + tag
	args := []string{"run", "-d", "--name", name, "--network", "host"}
	args = append(args, runFlags...)
	for _, e := range []string{
		"APP_ENV=test",
		"DATABASE_URL=" + testutil.PostgresURL(t),
		"REDIS_URL=" + testutil.RedisURL(t),
		fmt.Sprintf("HTTP_ADDR=127.0.0.1:%d", port),
		"LOG_LEVEL=warn",
	} {
		args = append(args, "--env", e)
	}
	args = append(args, image) // default command: serve
	if out, err := podman(ctx, args...); err != nil {
		t.Fatalf("podman run: %v: %s", err, out)
	}
	t.Cleanup(func() { _, _ = podman(context.Background(), "rm", "-f", "-t", "5", name) })

	url := fmt.Sprintf("http://127.0.0.1:%d/health/ready/", port)
	deadline := time.Now().Add(90 * time.Second)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if state, _ := podman(ctx, "inspect", "--format", "{{.State.Status}}", name); state == "exited" {
			logs, _ := podman(ctx, "logs", name)
			t.Fatalf("container exited before it was ready:\n%s", logs)
		}
		if time.Now().After(deadline) {
			logs, _ := podman(ctx, "logs", name)
			t.Fatalf("%s not 200 within 90 s (last error %v); container logs:\n%s", url, err, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The container health check compose uses: the binary probes itself.
	if out, err := podman(ctx, "exec", name, spec["IMAGE_ENTRYPOINT"], "healthcheck"); err != nil || out != "ok" {
		t.Errorf("apistarter healthcheck inside the container: %v: %s", err, out)
	}
}
