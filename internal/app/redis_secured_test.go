package app_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"apistarter/internal/app"
	"apistarter/internal/config"
	"apistarter/internal/mail/mailtest"
	"apistarter/internal/testutil"
)

// startRedis runs a private redis-server (killed when the test ends) with
// extra arguments; it returns the port. port 0 in args is replaced.
func startRedis(t *testing.T, portFlag string, args ...string) int {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	all := []string{portFlag, strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--dir", t.TempDir()}
	if portFlag != "--port" {
		all = append(all, "--port", "0")
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, append(all, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	testutil.Eventually(t, 10*time.Second, "redis-server listening", func() bool {
		select {
		case <-exited:
			t.Fatalf("redis-server exited: %s", out.String())
		default:
		}
		c, err := net.DialTimeout("tcp", l.Addr().String(), 100*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return port
}

// newAppWith builds an app (not a server) with REDIS_URL set, for startup errors.
func newAppWith(t *testing.T, redisURL string) (*app.App, error) {
	t.Helper()
	env := map[string]string{
		"APP_ENV": "test", "DATABASE_URL": testutil.PostgresURL(t), "REDIS_URL": redisURL,
		"JWT_SIGNING_KEYS": "test-signing-key-0123456789abcdef", "SECRET_KEY": "test-secret-key-0123456789abcdef",
		"STORAGE_DIR": t.TempDir(),
	}
	cfg, err := config.FromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, testutil.Logger(t))
	if err == nil {
		t.Cleanup(a.Close)
	}
	return a, err
}

// checkAppThroughRedis runs the API, the cache client and the worker (an
// email end to end) against REDIS_URL.
func checkAppThroughRedis(t *testing.T, redisURL string) {
	t.Helper()
	smtp := mailtest.Start(t)
	s := testutil.NewServer(t, append(withSMTP(smtp), testutil.WithEnv("REDIS_URL", redisURL))...)
	s.Run(t, []testutil.Scenario{{Name: "ready", Method: "GET", URL: "/health/ready/", ExpectedStatus: 200}})
	ctx := context.Background()
	if err := s.App.Redis.Set(ctx, "probe", "v", time.Minute).Err(); err != nil {
		t.Fatalf("cache set: %v", err)
	}
	if v, err := s.App.Redis.Get(ctx, "probe").Result(); err != nil || v != "v" {
		t.Fatalf("cache get: %q %v", v, err)
	}
	startWorker(t, s)
	id := enqueueEmail(t, s, "through secured redis", true)
	smtp.WaitFor(t, 1, 15*time.Second)
	testutil.Eventually(t, 10*time.Second, "outbox row completed", func() bool { return readOutbox(t, s, id).Completed })
}

func TestRedisWithPassword(t *testing.T) {
	t.Parallel()
	port := startRedis(t, "--port", "--requirepass", "s3cret")
	checkAppThroughRedis(t, fmt.Sprintf("redis://:s3cret@127.0.0.1:%d/0", port))

	for url, want := range map[string]string{
		fmt.Sprintf("redis://:wrong@127.0.0.1:%d/0", port): "password",
		fmt.Sprintf("redis://127.0.0.1:%d/0", port):        "authentication required",
	} {
		_, err := newAppWith(t, url)
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), want) {
			t.Errorf("app.New with %s: error %v, want one mentioning %q", strings.Replace(url, "wrong", "***", 1), err, want)
		}
	}
}

// TLS: the server certificate is signed by a CA the test generates. Go reads
// extra roots from SSL_CERT_FILE once per process, so the checks run in a
// child process started with it (as an operator would configure a private CA).
func TestRedisOverTLS(t *testing.T) {
	if url := os.Getenv("APISTARTER_TEST_REDIS_TLS_URL"); url != "" {
		checkAppThroughRedis(t, url)
		return
	}
	t.Parallel()
	dir := t.TempDir()
	caFile, certFile, keyFile := writeTestPKI(t, dir)
	port := startRedis(t, "--tls-port", "--tls-cert-file", certFile, "--tls-key-file", keyFile,
		"--tls-ca-cert-file", caFile, "--tls-auth-clients", "no", "--requirepass", "s3cret")
	url := fmt.Sprintf("rediss://:s3cret@127.0.0.1:%d/0", port)

	// Without trusting the CA the connection is refused: TLS is verified.
	if _, err := newAppWith(t, url); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted certificate accepted or unclear error: %v", err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestRedisOverTLS$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+caFile, "APISTARTER_TEST_REDIS_TLS_URL="+url)
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestRedisOverTLS")) {
		t.Fatalf("child test over TLS failed: %v\n%s", err, out)
	}
}

// writeTestPKI writes a CA and a server certificate for 127.0.0.1 signed by it.
func writeTestPKI(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "apistarter test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("server.pem", "CERTIFICATE", srvDER), write("server.key", "EC PRIVATE KEY", keyDER)
}
