package storage

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testSigningKey = []byte("test-signing-key-0123456789abcdef")

// localEnv is a local Buckets mounted on a real HTTP server, as the API does.
type localEnv struct {
	buckets *Buckets
	priv    *localStore
	pub     *localStore
	dir     string
	clock   *offsetClock
	srv     *httptest.Server
}

func newLocalEnv(t *testing.T) localEnv {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	clock := &offsetClock{}
	dir := t.TempDir()
	b, err := newLocalBuckets(Config{
		Backend:       "local",
		Dir:           dir,
		PublicBaseURL: srv.URL,
		SigningKey:    testSigningKey,
	}, clock.Now)
	if err != nil {
		t.Fatalf("new local: %v", err)
	}
	mux.Handle("GET "+FilesPath, b.FilesHandler())
	mux.Handle("GET "+MediaPath, b.MediaHandler())
	return localEnv{buckets: b, priv: b.Private.(*localStore), pub: b.Public.(*localStore), dir: dir, clock: clock, srv: srv}
}

func TestLocalSuite(t *testing.T) {
	t.Parallel()
	runSuite(t, func(t *testing.T) suiteEnv {
		env := newLocalEnv(t)
		return suiteEnv{store: env.buckets.Private, advance: env.clock.Advance, sigParam: "sig"}
	})
}

func TestLocalLinkErrorsAreJSON(t *testing.T) {
	t.Parallel()
	env := newLocalEnv(t)
	put(t, env.priv, "gone.txt", "bye")
	link := sign(t, env.priv, "gone.txt", time.Minute, SignOptions{})
	if err := env.priv.Delete(t.Context(), "gone.txt"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, url string
		status    int
		body      string
	}{
		{"missing object", link, http.StatusNotFound, `{"detail":"Not Found"}`},
		{"no signature", env.srv.URL + "/files/gone.txt", http.StatusForbidden, `{"detail":"Invalid or expired link"}`},
		{"garbage signature", env.srv.URL + "/files/gone.txt?exp=99999999999&sig=zz", http.StatusForbidden, `{"detail":"Invalid or expired link"}`},
	}
	for _, c := range cases {
		resp, body := fetch(t, c.url)
		if resp.StatusCode != c.status || strings.TrimSpace(string(body)) != c.body {
			t.Errorf("%s: %d %s, want %d %s", c.name, resp.StatusCode, body, c.status, c.body)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q, want application/json", c.name, ct)
		}
	}

	rec := httptest.NewRecorder()
	env.buckets.FilesHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/files/gone.txt", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", rec.Code)
	}
}

func TestLocalLinkFromAnotherKeyIsRefused(t *testing.T) {
	t.Parallel()
	env := newLocalEnv(t)
	put(t, env.priv, "a.txt", "a")
	other, err := newLocal(t.TempDir(), "private", Config{PublicBaseURL: env.srv.URL, SigningKey: []byte("another-signing-key-0123456789")}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	mustStatus(t, sign(t, other, "a.txt", time.Minute, SignOptions{}), http.StatusForbidden)
	mustStatus(t, sign(t, env.priv, "a.txt", time.Minute, SignOptions{}), http.StatusOK)
}

func TestLocalSignedLinkSupportsRange(t *testing.T) {
	t.Parallel()
	env := newLocalEnv(t)
	put(t, env.priv, "r/data.bin", "0123456789")
	req, _ := http.NewRequest(http.MethodGet, sign(t, env.priv, "r/data.bin", time.Minute, SignOptions{}), nil)
	req.Header.Set("Range", "bytes=2-5")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusPartialContent || string(body) != "2345" {
		t.Fatalf("range: %d %q, want 206 %q", resp.StatusCode, body, "2345")
	}
}

// Traversal attempts go straight to the handlers, bypassing ServeMux path
// cleaning, so only this package's checks stand in the way.
func TestLocalHandlersRefuseTraversal(t *testing.T) {
	t.Parallel()
	env := newLocalEnv(t)
	put(t, env.priv, "secret.txt", "top-secret")
	if err := os.WriteFile(filepath.Join(env.dir, "outside.txt"), []byte("top-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	paths := []string{
		"/media/../private/secret.txt", "/media/..%2fprivate%2fsecret.txt", "/media/%2e%2e/private/secret.txt",
		"/media/../outside.txt", "/media//etc/passwd", "/media/..%5coutside.txt", "/media/", "/media/private",
	}
	for _, p := range paths {
		rec := httptest.NewRecorder()
		env.buckets.MediaHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "secret") {
			t.Errorf("GET %s: %d %q, want 404", p, rec.Code, rec.Body)
		}
	}
	for _, p := range []string{"/files/../outside.txt", "/files/..%2foutside.txt", "/files/%2e%2e/public"} {
		rec := httptest.NewRecorder()
		env.buckets.FilesHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p+"?exp=99999999999&sig=00", nil))
		if rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "secret") {
			t.Errorf("GET %s: %d %q, want 403", p, rec.Code, rec.Body)
		}
	}
}

func TestLocalSymlinkCannotEscapeRoot(t *testing.T) {
	t.Parallel()
	env := newLocalEnv(t)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("top-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(env.priv.dir, "link")); err != nil {
		t.Fatal(err)
	}
	if rc, err := env.priv.Get(t.Context(), "link/secret.txt"); err == nil {
		b, _ := io.ReadAll(rc)
		rc.Close()
		t.Fatalf("get through symlink returned %q", b)
	}
	if err := env.priv.Put(t.Context(), "link/new.txt", strings.NewReader("x"), 1, ""); err == nil {
		t.Fatal("put through symlink succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "new.txt")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("file written outside the root: %v", err)
	}
	if objs := listAll(t, env.priv, ""); len(objs) != 0 {
		t.Fatalf("list followed the symlink: %+v", objs)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("client went away")
	}
	n := min(len(p), f.n)
	f.n -= n
	return n, nil
}

func TestLocalFailedPutLeavesNoFiles(t *testing.T) {
	t.Parallel()
	env := newLocalEnv(t)
	put(t, env.priv, "keep/a.txt", "old")

	if err := env.priv.Put(t.Context(), "keep/a.txt", &failingReader{n: 1 << 20}, -1, ""); err == nil {
		t.Fatal("put from a failing reader succeeded")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := env.priv.Put(ctx, "keep/b.txt", strings.NewReader("new"), 3, ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("put with cancelled context: %v, want context.Canceled", err)
	}
	if got := string(readObject(t, env.priv, "keep/a.txt")); got != "old" {
		t.Fatalf("failed put replaced the object with %q", got)
	}
	entries, err := os.ReadDir(filepath.Join(env.priv.dir, "keep"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "a.txt" {
		t.Fatalf("directory holds %v, want only a.txt", entries)
	}
}

func TestLocalListSkipsTempFiles(t *testing.T) {
	t.Parallel()
	env := newLocalEnv(t)
	put(t, env.priv, "d/a.txt", "a")
	if err := os.WriteFile(filepath.Join(env.priv.dir, "d", tmpPrefix+"XYZ"), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	if objs := listAll(t, env.priv, ""); len(objs) != 1 || objs[0].Key != "d/a.txt" {
		t.Fatalf("list = %+v, want only d/a.txt", objs)
	}
}

func TestLocalPublicNamespaceIsServedAtMedia(t *testing.T) {
	t.Parallel()
	env := newLocalEnv(t)
	avatar := []byte("RIFF....WEBPVP8 fake")
	if err := env.buckets.Public.Put(t.Context(), "avatars/users/ab.webp", bytes.NewReader(avatar), -1, "image/webp"); err != nil {
		t.Fatal(err)
	}
	put(t, env.priv, "avatars/users/private.webp", "not public")

	u := env.buckets.PublicURL("avatars/users/ab.webp")
	if want := env.srv.URL + "/media/avatars/users/ab.webp"; u != want {
		t.Fatalf("PublicURL = %q, want %q", u, want)
	}
	resp, body := fetch(t, u)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, avatar) {
		t.Fatalf("GET public: %d %q", resp.StatusCode, body)
	}
	for h, want := range map[string]string{
		"Cache-Control":          "public, max-age=3600",
		"Content-Type":           "image/webp",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}

	if link := sign(t, env.buckets.Public, "avatars/users/ab.webp", time.Minute, SignOptions{}); link != u {
		t.Errorf("public SignedURL = %q, want the public URL %q", link, u)
	}

	for _, p := range []string{"/media/avatars/users/private.webp", "/media/avatars/users/missing.webp", "/media/avatars", "/media/avatars/"} {
		resp, body := fetch(t, env.srv.URL+p)
		if resp.StatusCode != http.StatusNotFound || strings.TrimSpace(string(body)) != `{"detail":"Not Found"}` {
			t.Errorf("GET %s: %d %q, want 404 Not Found", p, resp.StatusCode, body)
		}
	}
}

func TestNewLocalValidatesConfig(t *testing.T) {
	t.Parallel()
	good := Config{Backend: "local", Dir: t.TempDir(), PublicBaseURL: "http://api.test/", SigningKey: testSigningKey}
	b, err := New(good)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if got, want := b.PublicURL("avatars/a.webp"), "http://api.test/media/avatars/a.webp"; got != want {
		t.Errorf("PublicURL = %q, want %q", got, want)
	}
	if err := b.EnsureBuckets(t.Context()); err != nil {
		t.Errorf("EnsureBuckets: %v", err)
	}
	withMedia := good
	withMedia.MediaBaseURL = "https://cdn.test/m/"
	if b, err := New(withMedia); err != nil || b.PublicURL("a.webp") != "https://cdn.test/m/a.webp" {
		t.Errorf("MediaBaseURL not used: %v", err)
	}
	for name, change := range map[string]func(*Config){
		"no dir":         func(c *Config) { c.Dir = "" },
		"short key":      func(c *Config) { c.SigningKey = []byte("short") },
		"no public base": func(c *Config) { c.PublicBaseURL = "" },
	} {
		c := good
		change(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}
