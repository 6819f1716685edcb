package deploy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// composeDir copies deploy/ into a temp dir with the env files the compose files
// name made from their .example templates (docker-compose refuses missing
// env_files), so the check never needs real secrets.
func composeDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		b, err := os.ReadFile(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(e.Name(), ".example")
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestComposeFilesAreValid(t *testing.T) {
	if _, err := exec.LookPath("docker-compose"); err != nil {
		t.Skip("SKIPPED: docker-compose is not installed (Debian package docker-compose); the compose files were not validated")
	}
	dir := composeDir(t)
	for _, f := range []string{"compose.yaml", "compose.production.yaml"} {
		cmd := exec.Command("docker-compose", "-f", f, "config", "-q")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("docker-compose -f %s config -q: %v\n%s", f, err, out)
		}
	}
}

type composeService struct {
	Image     string                    `yaml:"image"`
	Command   []string                  `yaml:"command"`
	EnvFile   []string                  `yaml:"env_file"`
	Env       map[string]string         `yaml:"environment"`
	Restart   string                    `yaml:"restart"`
	DependsOn map[string]map[string]any `yaml:"depends_on"`
	Deploy    struct {
		Replicas int `yaml:"replicas"`
	} `yaml:"deploy"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	Secrets []any `yaml:"secrets"`
}

func loadCompose(t *testing.T, name string) map[string]composeService {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f.Services
}

// The production file's shape: what SPEC-level promises rest on, independent of
// which compose implementation reads it.
func TestComposeProductionTopology(t *testing.T) {
	svcs := loadCompose(t, "compose.production.yaml")
	for name, want := range map[string]struct {
		cmd      string
		replicas int
	}{"api": {"serve", 2}, "worker": {"worker", 2}, "scheduler": {"scheduler", 2}} {
		s, ok := svcs[name]
		if !ok {
			t.Errorf("no %s service", name)
			continue
		}
		if len(s.Command) != 1 || s.Command[0] != want.cmd || s.Deploy.Replicas != want.replicas {
			t.Errorf("%s: command %v ×%d, want [%s] ×%d", name, s.Command, s.Deploy.Replicas, want.cmd, want.replicas)
		}
		if c := s.DependsOn["migrate"]["condition"]; c != "service_completed_successfully" {
			t.Errorf("%s starts before migrations completed (depends_on migrate: %v)", name, c)
		}
		if s.Restart != "unless-stopped" && s.Restart != "always" {
			t.Errorf("%s: restart %q", name, s.Restart)
		}
	}
	if m := svcs["migrate"]; len(m.Command) != 2 || m.Command[0] != "migrate" || m.Command[1] != "up" || m.Restart != "no" {
		t.Errorf("migrate: command %v restart %q, want one-shot [migrate up]", m.Command, m.Restart)
	}
	if hc := svcs["api"].Healthcheck; hc == nil || !strings.Contains(strings.Join(hc.Test, " "), "healthcheck") {
		t.Errorf("api has no health check on /health/ready/: %+v", hc)
	}
	for _, name := range []string{"haproxy", "pgbouncer"} {
		if svcs[name].Image == "" || svcs[name].Healthcheck == nil {
			t.Errorf("%s: missing, or without health check", name)
		}
	}
	if c := svcs["haproxy"].DependsOn["api"]["condition"]; c != "service_healthy" {
		t.Errorf("haproxy depends_on api: %v, want service_healthy", c)
	}
	// No secrets in the file: only env_file and secrets references.
	secretish := regexp.MustCompile(`(?i)password|secret|_key|token|://[^/@]*:[^/@]*@`)
	for name, s := range svcs {
		for k, v := range s.Env {
			if secretish.MatchString(k) || secretish.MatchString(v) {
				t.Errorf("%s: environment %s looks like a secret; use env_file or secrets", name, k)
			}
		}
	}
	if len(svcs["api"].EnvFile) == 0 || len(svcs["haproxy"].Secrets) == 0 {
		t.Error("api has no env_file or haproxy no TLS secret")
	}

	dev := loadCompose(t, "compose.yaml")
	for _, name := range []string{"postgres", "redis", "minio", "mailpit", "apistarter"} {
		if _, ok := dev[name]; !ok {
			t.Errorf("compose.yaml has no %s service", name)
		}
	}
	if c := dev["apistarter"].Command; len(c) != 1 || c[0] != "dev" {
		t.Errorf("compose.yaml apistarter command %v, want [dev]", c)
	}
}

// haproxy -c checks deploy/haproxy.cfg with a throwaway certificate in place of
// the TLS secret.
func TestHAProxyConfigIsValid(t *testing.T) {
	if _, err := exec.LookPath("haproxy"); err != nil {
		t.Skip("SKIPPED: haproxy is not installed (Debian package haproxy); deploy/haproxy.cfg was not checked")
	}
	dir := t.TempDir()
	pemPath := filepath.Join(dir, "tls.pem")
	if err := os.WriteFile(pemPath, selfSignedPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile("haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), "option httpchk GET /health/ready/") {
		t.Error("haproxy.cfg does not check /health/ready/")
	}
	cfgPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(strings.ReplaceAll(string(cfg), "/run/secrets/tls.pem", pemPath)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("haproxy", "-c", "-f", cfgPath).CombinedOutput(); err != nil {
		t.Errorf("haproxy -c: %v\n%s", err, out)
	}
}

func selfSignedPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})...)
}
