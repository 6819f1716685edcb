package storage

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// suiteEnv is one backend under test, reached over real HTTP.
type suiteEnv struct {
	store Storage
	// advance moves the clock that judges link expiry: the API's for local,
	// the S3 server's for s3.
	advance func(time.Duration)
	// sigParam names the query parameter that carries a link's signature.
	sigParam string
}

// runSuite is what every backend must do: each behaviour runs as a
// parallel subtest on a fresh, isolated store from newEnv.
func runSuite(t *testing.T, newEnv func(t *testing.T) suiteEnv) {
	for _, c := range []struct {
		name string
		run  func(t *testing.T, env suiteEnv)
	}{
		{"RoundTripStreamsBodyOfUnknownSize", suiteRoundTripStreamsBodyOfUnknownSize},
		{"PutKnownSizeOverwrites", suitePutKnownSizeOverwrites},
		{"ShortBodyLeavesNoObject", suiteShortBodyLeavesNoObject},
		{"GetMissingIsErrNotFound", suiteGetMissingIsErrNotFound},
		{"ExistsAndDelete", suiteExistsAndDelete},
		{"ListByPrefixGivesSizesAndModTimes", suiteListByPrefixGivesSizesAndModTimes},
		{"SignedURLServesBytesAndHeaders", suiteSignedURLServesBytesAndHeaders},
		{"SignedURLExpires", suiteSignedURLExpires},
		{"SignedURLLifetimeIsCappedAtSevenDays", suiteSignedURLLifetimeIsCappedAtSevenDays},
		{"TamperedSignedURLIsRefused", suiteTamperedSignedURLIsRefused},
		{"BadKeysAreRefusedEverywhere", suiteBadKeysAreRefusedEverywhere},
		{"ConcurrentPutsNeverExposePartialObjects", suiteConcurrentPutsNeverExposePartialObjects},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, newEnv(t))
		})
	}
}

func suiteRoundTripStreamsBodyOfUnknownSize(t *testing.T, env suiteEnv) {
	data := randomBytes(12<<20 + 123) // several S3 parts, not a multiple of any
	// Hide Len/Seek/WriterTo so the size really is unknown to the backend.
	body := struct{ io.Reader }{bytes.NewReader(data)}
	if err := env.store.Put(t.Context(), "big/blob.bin", body, -1, "application/octet-stream"); err != nil {
		t.Fatalf("put: %v", err)
	}
	if got := readObject(t, env.store, "big/blob.bin"); !bytes.Equal(got, data) {
		t.Fatalf("get returned %d bytes, want the %d put", len(got), len(data))
	}
	objs := listAll(t, env.store, "big/")
	if len(objs) != 1 || objs[0].Size != int64(len(data)) {
		t.Fatalf("list = %+v, want one object of %d bytes", objs, len(data))
	}
}

func suitePutKnownSizeOverwrites(t *testing.T, env suiteEnv) {
	put(t, env.store, "a/b.txt", "one")
	put(t, env.store, "a/b.txt", "second")
	if got := string(readObject(t, env.store, "a/b.txt")); got != "second" {
		t.Fatalf("get = %q, want %q", got, "second")
	}
}

func suiteShortBodyLeavesNoObject(t *testing.T, env suiteEnv) {
	err := env.store.Put(t.Context(), "short.txt", strings.NewReader("abc"), 10, "text/plain")
	if err == nil {
		t.Fatal("put of 3 bytes declared as 10 succeeded")
	}
	if ok, err := env.store.Exists(t.Context(), "short.txt"); err != nil || ok {
		t.Fatalf("exists after failed put = %v, %v; want false, nil", ok, err)
	}
}

func suiteGetMissingIsErrNotFound(t *testing.T, env suiteEnv) {
	rc, err := env.store.Get(t.Context(), "nope/missing.txt")
	if !errors.Is(err, ErrNotFound) {
		if rc != nil {
			rc.Close()
		}
		t.Fatalf("get missing: err = %v, want ErrNotFound", err)
	}
}

func suiteExistsAndDelete(t *testing.T, env suiteEnv) {
	ctx := t.Context()
	mustExist(t, env.store, "d/x.txt", false)
	put(t, env.store, "d/x.txt", "x")
	mustExist(t, env.store, "d/x.txt", true)
	mustExist(t, env.store, "d", false) // a "directory" is not an object
	if err := env.store.Delete(ctx, "d/x.txt"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	mustExist(t, env.store, "d/x.txt", false)
	if err := env.store.Delete(ctx, "d/x.txt"); err != nil {
		t.Fatalf("delete missing: %v, want nil", err)
	}
	if _, err := env.store.Get(ctx, "d/x.txt"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get deleted: err = %v, want ErrNotFound", err)
	}
}

func suiteListByPrefixGivesSizesAndModTimes(t *testing.T, env suiteEnv) {
	before := time.Now().Add(-2 * time.Second) // S3 has second precision
	put(t, env.store, "list/a.txt", "1")
	put(t, env.store, "list/sub/b.txt", "22")
	put(t, env.store, "listing.txt", "333")
	put(t, env.store, "other/c.txt", "4444")
	after := time.Now().Add(2 * time.Second)

	cases := map[string]map[string]int64{
		"list/":     {"list/a.txt": 1, "list/sub/b.txt": 2},
		"list":      {"list/a.txt": 1, "list/sub/b.txt": 2, "listing.txt": 3},
		"list/sub/": {"list/sub/b.txt": 2},
		"":          {"list/a.txt": 1, "list/sub/b.txt": 2, "listing.txt": 3, "other/c.txt": 4},
		"absent/":   {},
	}
	for prefix, want := range cases {
		got := map[string]int64{}
		for _, o := range listAll(t, env.store, prefix) {
			got[o.Key] = o.Size
			if o.ModTime.Before(before) || o.ModTime.After(after) {
				t.Errorf("list %q: %s mod time %v outside [%v, %v]", prefix, o.Key, o.ModTime, before, after)
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("list %q = %v, want %v", prefix, got, want)
		}
	}

	stop := errors.New("stop")
	calls := 0
	err := env.store.List(t.Context(), "", func(Object) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("list with failing fn: err = %v after %d calls, want stop after 1", err, calls)
	}
}

func suiteSignedURLServesBytesAndHeaders(t *testing.T, env suiteEnv) {
	data := randomBytes(300_000)
	if err := env.store.Put(t.Context(), "exports/e1.zip", bytes.NewReader(data), int64(len(data)), "application/zip"); err != nil {
		t.Fatalf("put: %v", err)
	}
	link := sign(t, env.store, "exports/e1.zip", 5*time.Minute, SignOptions{
		ContentType:        "application/zip",
		ContentDisposition: `attachment; filename="export.zip"`,
	})
	resp, body := fetch(t, link)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("fetch: status %d, %d bytes; want 200 and the %d put", resp.StatusCode, len(body), len(data))
	}
	for h, want := range map[string]string{
		"Content-Type":        "application/zip",
		"Content-Disposition": `attachment; filename="export.zip"`,
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private, max-age=") {
		t.Errorf("Cache-Control = %q, want private, max-age=…", cc)
	}

	link = sign(t, env.store, "exports/e1.zip", time.Minute, SignOptions{CacheControl: "private, no-store"})
	if resp, _ := fetch(t, link); resp.Header.Get("Cache-Control") != "private, no-store" {
		t.Errorf("Cache-Control = %q, want the signed override", resp.Header.Get("Cache-Control"))
	}
}

func suiteSignedURLExpires(t *testing.T, env suiteEnv) {
	put(t, env.store, "exp/a.txt", "hello")
	link := sign(t, env.store, "exp/a.txt", time.Minute, SignOptions{})
	mustStatus(t, link, http.StatusOK)
	env.advance(61 * time.Second)
	mustStatus(t, link, http.StatusForbidden)
}

func suiteSignedURLLifetimeIsCappedAtSevenDays(t *testing.T, env suiteEnv) {
	put(t, env.store, "cap/a.txt", "hello")
	link := sign(t, env.store, "cap/a.txt", 30*24*time.Hour, SignOptions{})
	env.advance(MaxSignedURLTTL - time.Minute)
	mustStatus(t, link, http.StatusOK)
	env.advance(2 * time.Minute)
	mustStatus(t, link, http.StatusForbidden)

	for _, ttl := range []time.Duration{0, -time.Second} {
		if _, err := env.store.SignedURL(t.Context(), "cap/a.txt", ttl, SignOptions{}); err == nil {
			t.Errorf("sign with ttl %v succeeded", ttl)
		}
	}
}

func suiteTamperedSignedURLIsRefused(t *testing.T, env suiteEnv) {
	put(t, env.store, "t/a.txt", "secret-a")
	put(t, env.store, "t/b.txt", "secret-b")
	link := sign(t, env.store, "t/a.txt", time.Hour, SignOptions{ContentType: "text/plain"})
	mustStatus(t, link, http.StatusOK)

	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	tampered := map[string]func(u *url.URL){
		"signature": func(u *url.URL) {
			q := u.Query()
			sig := []byte(q.Get(env.sigParam))
			sig[len(sig)/2] = flipHex(sig[len(sig)/2])
			q.Set(env.sigParam, string(sig))
			u.RawQuery = q.Encode()
		},
		"key":          func(u *url.URL) { u.Path = strings.Replace(u.Path, "t/a.txt", "t/b.txt", 1) },
		"content type": func(u *url.URL) { setQuery(u, "text/html", "ct", "response-content-type") },
		"expiry": func(u *url.URL) {
			q := u.Query()
			for _, p := range []string{"exp", "X-Amz-Expires"} {
				if n, err := strconv.Atoi(q.Get(p)); err == nil {
					q.Set(p, strconv.Itoa(n+600))
				}
			}
			u.RawQuery = q.Encode()
		},
		"no signature": func(u *url.URL) {
			q := u.Query()
			q.Del(env.sigParam)
			u.RawQuery = q.Encode()
		},
	}
	for name, change := range tampered {
		v := *u
		change(&v)
		if v.String() == link {
			t.Fatalf("%s: tampering changed nothing", name)
		}
		if resp, body := fetch(t, v.String()); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s tampered: status %d (body %q), want 403", name, resp.StatusCode, body)
		}
	}
}

func suiteBadKeysAreRefusedEverywhere(t *testing.T, env suiteEnv) {
	ctx := t.Context()
	for _, key := range badKeys {
		checks := map[string]error{
			"put":    env.store.Put(ctx, key, strings.NewReader("x"), 1, "text/plain"),
			"delete": env.store.Delete(ctx, key),
		}
		_, checks["get"] = env.store.Get(ctx, key)
		_, checks["exists"] = env.store.Exists(ctx, key)
		_, checks["sign"] = env.store.SignedURL(ctx, key, time.Minute, SignOptions{})
		for op, err := range checks {
			if !errors.Is(err, ErrInvalidKey) {
				t.Errorf("%s(%q): err = %v, want ErrInvalidKey", op, key, err)
			}
		}
	}
	for _, prefix := range []string{"../", "/abs", "a//b", `a\b`} {
		err := env.store.List(ctx, prefix, func(Object) error { return nil })
		if !errors.Is(err, ErrInvalidKey) {
			t.Errorf("list(%q): err = %v, want ErrInvalidKey", prefix, err)
		}
	}
}

func suiteConcurrentPutsNeverExposePartialObjects(t *testing.T, env suiteEnv) {
	bodies := [][]byte{bytes.Repeat([]byte("a"), 256<<10), bytes.Repeat([]byte("b"), 256<<10)}
	put(t, env.store, "race/obj", string(bodies[0]))

	var wg sync.WaitGroup
	var stopped atomic.Bool
	defer wg.Wait() // writers finish even when a read fails the test
	for i := range 4 {
		wg.Go(func() {
			for n := 0; n < 10; n++ {
				b := bodies[(i+n)%2]
				if err := env.store.Put(context.Background(), "race/obj", struct{ io.Reader }{bytes.NewReader(b)}, -1, ""); err != nil {
					t.Errorf("put: %v", err)
					return
				}
			}
		})
	}
	go func() { wg.Wait(); stopped.Store(true) }()
	for reads := 0; !stopped.Load() || reads < 5; reads++ {
		got := readObject(t, env.store, "race/obj")
		if !bytes.Equal(got, bodies[0]) && !bytes.Equal(got, bodies[1]) {
			t.Fatalf("read %d bytes that match neither whole body", len(got))
		}
	}
	wg.Wait()
}

// badKeys are refused by ValidateKey and therefore by every operation.
var badKeys = []string{
	"", "../etc/passwd", "a/../../b", "..", ".", "a/./b", "/abs", "a//b", "a/", `a\b`,
	"nul\x00byte", "ctl\nline", "sp ace", "pct%2e%2e", "ümlaut",
	strings.Repeat("k/", MaxKeyLen/2) + "k", strings.Repeat("k", maxSegmentLen+1),
}

func TestValidateKey(t *testing.T) {
	t.Parallel()
	for _, key := range badKeys {
		if err := ValidateKey(key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidateKey(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
	good := []string{
		"a", "private/images/42/0b9f.webp", "public/avatars/users/ab_lg.webp",
		"x.y-z_W/1", ".hidden/..dots/a..b", strings.Repeat("k/", MaxKeyLen/2-1) + "kk",
		strings.Repeat("k", maxSegmentLen),
	}
	for _, key := range good {
		if err := ValidateKey(key); err != nil {
			t.Errorf("ValidateKey(%q) = %v, want nil", key, err)
		}
	}
}

func TestNewRefusesUnknownBackend(t *testing.T) {
	t.Parallel()
	if _, err := New(Config{Backend: "ftp"}); err == nil {
		t.Fatal("New accepted backend ftp")
	}
}

// offsetClock is real time plus an offset tests advance.
type offsetClock struct{ offset atomic.Int64 }

func (c *offsetClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *offsetClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.NewChaCha8([32]byte{1, 2, 3}).Read(b)
	return b
}

func put(t *testing.T, s Storage, key, body string) {
	t.Helper()
	if err := s.Put(t.Context(), key, strings.NewReader(body), int64(len(body)), "text/plain"); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func readObject(t *testing.T, s Storage, key string) []byte {
	t.Helper()
	rc, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

func mustExist(t *testing.T, s Storage, key string, want bool) {
	t.Helper()
	got, err := s.Exists(t.Context(), key)
	if err != nil || got != want {
		t.Fatalf("exists %s = %v, %v; want %v, nil", key, got, err, want)
	}
}

func listAll(t *testing.T, s Storage, prefix string) []Object {
	t.Helper()
	var objs []Object
	if err := s.List(t.Context(), prefix, func(o Object) error { objs = append(objs, o); return nil }); err != nil {
		t.Fatalf("list %q: %v", prefix, err)
	}
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	return objs
}

func sign(t *testing.T, s Storage, key string, ttl time.Duration, opts SignOptions) string {
	t.Helper()
	link, err := s.SignedURL(t.Context(), key, ttl, opts)
	if err != nil {
		t.Fatalf("sign %s: %v", key, err)
	}
	return link
}

// fetch GETs link over real HTTP.
func fetch(t *testing.T, link string) (*http.Response, []byte) {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(link)
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("fetch body: %v", err)
	}
	return resp, body
}

func mustStatus(t *testing.T, link string, want int) {
	t.Helper()
	if resp, body := fetch(t, link); resp.StatusCode != want {
		t.Fatalf("fetch: status %d (body %q), want %d", resp.StatusCode, body, want)
	}
}

func flipHex(c byte) byte {
	if c == '0' {
		return '1'
	}
	return '0'
}

// setQuery sets v on whichever of names the URL carries.
func setQuery(u *url.URL, v string, names ...string) {
	q := u.Query()
	for _, n := range names {
		if q.Has(n) {
			q.Set(n, v)
		}
	}
	u.RawQuery = q.Encode()
}
