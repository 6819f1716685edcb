package deploy

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot is the module root: tests run in deploy/.
const repoRoot = ".."

// imageSpec reads deploy/image.env (KEY=VALUE lines, optionally double-quoted).
func imageSpec(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("image.env")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	spec := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("image.env: not KEY=VALUE: %q", line)
		}
		spec[k] = strings.Trim(v, `"`)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return spec
}

type instruction struct{ cmd, args string }

// dockerfileStages splits the Dockerfile into stages of instructions, with line
// continuations joined and comments dropped.
func dockerfileStages(t *testing.T) [][]instruction {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var stages [][]instruction
	var cur string
	flush := func() {
		cur = strings.TrimSpace(cur)
		if cur == "" {
			return
		}
		cmd, args, _ := strings.Cut(cur, " ")
		in := instruction{strings.ToUpper(cmd), strings.Join(strings.Fields(args), " ")}
		if in.cmd == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			t.Fatalf("Dockerfile: %s before FROM", in.cmd)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
		cur = ""
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if s, ok := strings.CutSuffix(trimmed, `\`); ok {
			cur += s + " "
			continue
		}
		cur += trimmed
		flush()
	}
	flush()
	return stages
}

func find(stage []instruction, cmd string) []string {
	var out []string
	for _, in := range stage {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

// The Dockerfile is not built here (its base image cannot be pulled), so this test
// is what keeps it describing the same image as make image.
func TestDockerfileMatchesImageSpec(t *testing.T) {
	spec := imageSpec(t)
	stages := dockerfileStages(t)
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a builder and a final stage", len(stages))
	}
	final := stages[len(stages)-1]
	if got := final[0].args; got != "scratch" {
		t.Errorf("final stage FROM %q, want scratch (as buildah from scratch)", got)
	}

	var build string
	for _, st := range stages[:len(stages)-1] {
		for _, run := range find(st, "RUN") {
			if strings.Contains(run, "go build") {
				build = run
			}
		}
	}
	wantBuild := []string{
		"CGO_ENABLED=0",
		"go build " + spec["GO_BUILD_FLAGS"] + " ",
		`-ldflags "` + spec["GO_LDFLAGS"] + " -X " + spec["GO_VERSION_VAR"] + `=${VERSION}"`,
		"./cmd/apistarter",
	}
	for _, w := range wantBuild {
		if !strings.Contains(build, w) {
			t.Errorf("builder go build lacks %q:\n%s", w, build)
		}
	}

	one := func(cmd string) string {
		v := find(final, cmd)
		if len(v) != 1 {
			t.Errorf("final stage has %d %s, want 1", len(v), cmd)
			return ""
		}
		return v[0]
	}
	checks := []struct{ cmd, want string }{
		{"USER", spec["IMAGE_USER"]},
		{"WORKDIR", spec["IMAGE_WORKDIR"]},
		{"ENV", spec["IMAGE_ENV"]},
		{"ENTRYPOINT", `["` + spec["IMAGE_ENTRYPOINT"] + `"]`},
		{"CMD", `["` + spec["IMAGE_CMD"] + `"]`},
	}
	for _, c := range checks {
		if got := one(c.cmd); got != c.want {
			t.Errorf("final stage %s %q, want %q (deploy/image.env)", c.cmd, got, c.want)
		}
	}
	var ports []string
	for p := range strings.FieldsSeq(spec["IMAGE_PORTS"]) {
		ports = append(ports, p+"/tcp")
	}
	if got, want := strings.Join(find(final, "EXPOSE"), " "), strings.Join(ports, " "); got != want {
		t.Errorf("EXPOSE %q, want %q", got, want)
	}
	if copies := strings.Join(find(final, "COPY"), "\n"); !strings.Contains(copies, " "+spec["IMAGE_ENTRYPOINT"]) {
		t.Errorf("final stage does not copy the binary to %s:\n%s", spec["IMAGE_ENTRYPOINT"], copies)
	}

	labels := strings.Join(find(final, "LABEL"), " ")
	for _, l := range imageLabels(spec, "${VERSION}", "${REVISION}", "${CREATED}") {
		k, v, _ := strings.Cut(l, "=")
		if !strings.Contains(labels, k+`="`+v+`"`) {
			t.Errorf("final stage lacks LABEL %s=%q:\n%s", k, v, labels)
		}
	}
}

// imageLabels are the OCI labels both builds set.
func imageLabels(spec map[string]string, version, revision, created string) []string {
	return []string{
		"org.opencontainers.image.title=" + spec["IMAGE_TITLE"],
		"org.opencontainers.image.description=" + spec["IMAGE_DESCRIPTION"],
		"org.opencontainers.image.version=" + version,
		"org.opencontainers.image.revision=" + revision,
		"org.opencontainers.image.created=" + created,
	}
}

// scripts/image.sh must take every value from deploy/image.env rather than its own
// copy; TestImageServesReadyUnderPodman checks the built image's config itself.
func TestImageScriptReadsTheSpec(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "scripts", "image.sh"))
	if err != nil {
		t.Fatal(err)
	}
	script := string(b)
	for _, w := range []string{
		". deploy/image.env",
		"CGO_ENABLED=0",
		"build $GO_BUILD_FLAGS",
		`-ldflags "$GO_LDFLAGS -X $GO_VERSION_VAR=$VERSION"`,
		"buildah from scratch",
		`--user "$IMAGE_USER"`,
	} {
		if !strings.Contains(script, w) {
			t.Errorf("scripts/image.sh lacks %q", w)
		}
	}
}
