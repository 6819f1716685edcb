package storage

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

const (
	testAccessKey = "test-access-key"
	testSecretKey = "test-secret-key-0123456789"
	testRegion    = "us-east-1"
	testPartSize  = 5 << 20 // the S3 minimum, so tests upload several parts
)

// fakeS3 is gofakes3's in-memory server on real HTTP, with two shims for
// what gofakes3 v1.2.0 lacks:
//   - it ignores presigned query authentication, so presignCheck does what S3
//     does with a presigned GET: verify the SigV4 query signature and its
//     expiry against a clock the test controls;
//   - it decodes aws-chunked bodies (minio-go's streaming signature over plain
//     HTTP) for PutObject but stores them raw for UploadPart, so dechunkPart
//     decodes those first.
//
// Header-signed client calls otherwise pass through unchanged.
type fakeS3 struct {
	srv   *httptest.Server
	clock *offsetClock
	parts atomic.Int64 // multipart part uploads seen
}

func newFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	f := &fakeS3{clock: &offsetClock{}}
	backend := gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog())).Server()
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Query().Has("partNumber") {
			f.parts.Add(1)
			if err := dechunkPart(r); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		if r.Method == http.MethodGet && r.Header.Get("Authorization") == "" {
			if err := f.presignCheck(r); err != nil {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprintf(w, "<Error><Code>AccessDenied</Code><Message>%s</Message></Error>", err)
				return
			}
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeS3) endpoint() string { return f.srv.Listener.Addr().String() }

// presignCheck verifies an AWS SigV4 presigned GET (host the only signed header).
func (f *fakeS3) presignCheck(r *http.Request) error {
	q := r.URL.Query()
	if q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" || q.Get("X-Amz-SignedHeaders") != "host" {
		return errors.New("not a presigned request")
	}
	amzDate := q.Get("X-Amz-Date")
	signedAt, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil {
		return errors.New("bad X-Amz-Date")
	}
	expires, err := strconv.Atoi(q.Get("X-Amz-Expires"))
	if err != nil || expires < 1 || expires > 604800 {
		return errors.New("bad X-Amz-Expires")
	}
	if f.clock.Now().After(signedAt.Add(time.Duration(expires) * time.Second)) {
		return errors.New("Request has expired")
	}
	cred := strings.Split(q.Get("X-Amz-Credential"), "/")
	if len(cred) != 5 || cred[0] != testAccessKey || cred[1] != amzDate[:8] || cred[2] != testRegion || cred[3] != "s3" || cred[4] != "aws4_request" {
		return errors.New("bad X-Amz-Credential")
	}
	sig := q.Get("X-Amz-Signature")
	q.Del("X-Amz-Signature")
	canonical := strings.Join([]string{
		http.MethodGet,
		s3utils.EncodePath(r.URL.Path),
		strings.ReplaceAll(q.Encode(), "+", "%20"),
		"host:" + r.Host + "\n",
		"host",
		"UNSIGNED-PAYLOAD",
	}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	stringToSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + strings.Join(cred[1:], "/") + "\n" + hex.EncodeToString(sum[:])
	key := []byte("AWS4" + testSecretKey)
	for _, part := range cred[1:] {
		key = hmacSHA256(key, part)
	}
	if want := hex.EncodeToString(hmacSHA256(key, stringToSign)); !hmac.Equal([]byte(want), []byte(sig)) {
		return errors.New("SignatureDoesNotMatch")
	}
	return nil
}

// dechunkPart replaces an aws-chunked body with the payload it frames:
// "<hex size>;chunk-signature=<sig>\r\n<data>\r\n"…, ending with a 0-size chunk.
func dechunkPart(r *http.Request) error {
	if r.Header.Get("X-Amz-Content-Sha256") != "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" {
		return nil
	}
	br := bufio.NewReader(r.Body)
	var out bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return fmt.Errorf("chunk header: %w", err)
		}
		sizeHex, _, ok := strings.Cut(strings.TrimSuffix(line, "\r\n"), ";chunk-signature=")
		n, err := strconv.ParseUint(sizeHex, 16, 32)
		if !ok || err != nil {
			return fmt.Errorf("bad chunk header %q", line)
		}
		if _, err := io.CopyN(&out, br, int64(n)); err != nil {
			return fmt.Errorf("chunk data: %w", err)
		}
		var crlf [2]byte
		if _, err := io.ReadFull(br, crlf[:]); err != nil || string(crlf[:]) != "\r\n" {
			return errors.New("chunk not terminated by CRLF")
		}
		if n == 0 {
			break
		}
	}
	if want := r.Header.Get("X-Amz-Decoded-Content-Length"); want != strconv.Itoa(out.Len()) {
		return fmt.Errorf("decoded %d bytes, header says %s", out.Len(), want)
	}
	r.Body = io.NopCloser(&out)
	r.ContentLength = int64(out.Len())
	r.Header.Set("Content-Length", strconv.Itoa(out.Len()))
	r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	return nil
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func (f *fakeS3) config(publicBucket string) Config {
	return Config{
		Backend:        "s3",
		S3Endpoint:     f.endpoint(),
		S3Region:       testRegion,
		S3Bucket:       "private-bucket",
		S3PublicBucket: publicBucket,
		S3AccessKey:    testAccessKey,
		S3SecretKey:    testSecretKey,
	}
}

// newS3Env returns buckets on a fresh fake server, created and with small parts.
func newS3Env(t *testing.T, publicBucket string) (*Buckets, *fakeS3) {
	t.Helper()
	f := newFakeS3(t)
	b, err := New(f.config(publicBucket))
	if err != nil {
		t.Fatalf("new s3: %v", err)
	}
	if err := b.EnsureBuckets(t.Context()); err != nil {
		t.Fatalf("ensure buckets: %v", err)
	}
	b.Private.(*s3Store).partSize = testPartSize
	b.Public.(*s3Store).partSize = testPartSize
	return b, f
}

func TestS3Suite(t *testing.T) {
	t.Parallel()
	namespaces := map[string]func(t *testing.T) (Storage, *fakeS3){
		"Private": func(t *testing.T) (Storage, *fakeS3) {
			b, f := newS3Env(t, "")
			return b.Private, f
		},
		"PublicSharedBucket": func(t *testing.T) (Storage, *fakeS3) {
			b, f := newS3Env(t, "")
			return b.Public, f
		},
		"PublicOwnBucket": func(t *testing.T) (Storage, *fakeS3) {
			b, f := newS3Env(t, "public-bucket")
			return b.Public, f
		},
	}
	for name, newStore := range namespaces {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runSuite(t, func(t *testing.T) suiteEnv {
				s, f := newStore(t)
				return suiteEnv{store: s, advance: f.clock.Advance, sigParam: "X-Amz-Signature"}
			})
		})
	}
}

func TestS3UnknownSizeUploadsInParts(t *testing.T) {
	t.Parallel()
	b, f := newS3Env(t, "")
	data := randomBytes(3*testPartSize - 1)
	if err := b.Private.Put(t.Context(), "parts.bin", struct{ io.Reader }{bytes.NewReader(data)}, -1, ""); err != nil {
		t.Fatal(err)
	}
	if n := f.parts.Load(); n != 3 {
		t.Fatalf("uploaded %d parts, want 3", n)
	}
	if got := readObject(t, b.Private, "parts.bin"); !bytes.Equal(got, data) {
		i := 0
		for i < min(len(got), len(data)) && got[i] == data[i] {
			i++
		}
		t.Fatalf("multipart object differs from what was put: got %d bytes, want %d, first difference at %d", len(got), len(data), i)
	}
}

func TestS3SharedBucketKeepsNamespacesApart(t *testing.T) {
	t.Parallel()
	b, f := newS3Env(t, "")
	put(t, b.Public, "avatars/a.webp", "pub")
	put(t, b.Private, "images/i.webp", "priv")

	// The layout in the bucket is documented: public objects under public/.
	raw, err := minio.New(f.endpoint(), &minio.Options{Creds: credentials.NewStaticV4(testAccessKey, testSecretKey, ""), Region: testRegion})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.StatObject(t.Context(), "private-bucket", "public/avatars/a.webp", minio.StatObjectOptions{}); err != nil {
		t.Fatalf("public object not under public/: %v", err)
	}

	if objs := listAll(t, b.Private, ""); len(objs) != 1 || objs[0].Key != "images/i.webp" {
		t.Errorf("private list = %+v, want only images/i.webp", objs)
	}
	if objs := listAll(t, b.Public, ""); len(objs) != 1 || objs[0].Key != "avatars/a.webp" {
		t.Errorf("public list = %+v, want only avatars/a.webp", objs)
	}
	if err := b.Private.Put(t.Context(), "public/avatars/a.webp", strings.NewReader("x"), 1, ""); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("private put under public/: %v, want ErrInvalidKey", err)
	}
	if _, err := b.Private.Get(t.Context(), "public/avatars/a.webp"); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("private get under public/: %v, want ErrInvalidKey", err)
	}
}

func TestS3SignedURLCapsLifetime(t *testing.T) {
	t.Parallel()
	b, _ := newS3Env(t, "")
	put(t, b.Private, "a.txt", "a")
	for ttl, want := range map[time.Duration]string{
		30 * 24 * time.Hour: "604800",
		time.Nanosecond:     "1",
		90 * time.Second:    "90",
	} {
		u, err := url.Parse(sign(t, b.Private, "a.txt", ttl, SignOptions{}))
		if err != nil {
			t.Fatal(err)
		}
		if got := u.Query().Get("X-Amz-Expires"); got != want {
			t.Errorf("ttl %v: X-Amz-Expires = %s, want %s", ttl, got, want)
		}
	}
}

func TestS3MediaHandlerProxiesPublicObjects(t *testing.T) {
	t.Parallel()
	b, _ := newS3Env(t, "")
	put(t, b.Public, "avatars/a.webp", "webp-bytes")
	put(t, b.Private, "avatars/secret.webp", "private")
	api := httptest.NewServer(b.MediaHandler())
	t.Cleanup(api.Close)

	resp, body := fetch(t, api.URL+"/media/avatars/a.webp")
	if resp.StatusCode != http.StatusOK || string(body) != "webp-bytes" {
		t.Fatalf("GET: %d %q", resp.StatusCode, body)
	}
	if cc, ct := resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"); cc != "public, max-age=3600" || ct != "image/webp" {
		t.Errorf("Cache-Control %q, Content-Type %q", cc, ct)
	}
	for _, p := range []string{"/media/avatars/secret.webp", "/media/missing.webp", "/media/../public/avatars/a.webp", "/media/"} {
		if resp, body := fetch(t, api.URL+p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d %q, want 404", p, resp.StatusCode, body)
		}
	}

	files := httptest.NewServer(b.FilesHandler())
	t.Cleanup(files.Close)
	mustStatus(t, files.URL+"/files/avatars/a.webp", http.StatusNotFound)
}

func TestS3PublicURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"shared bucket", Config{S3Endpoint: "s3.test:9000", S3Bucket: "b"}, "http://s3.test:9000/b/public/a/x.webp"},
		{"own bucket tls", Config{S3Endpoint: "s3.test", S3Bucket: "b", S3PublicBucket: "pub", S3UseSSL: true}, "https://s3.test/pub/a/x.webp"},
		{"scheme in endpoint", Config{S3Endpoint: "https://s3.test:9000", S3Bucket: "b", S3PublicBucket: "pub"}, "https://s3.test:9000/pub/a/x.webp"},
		{"media base", Config{S3Endpoint: "s3.test", S3Bucket: "b", MediaBaseURL: "https://cdn.test/"}, "https://cdn.test/a/x.webp"},
	}
	for _, c := range cases {
		c.cfg.Backend = "s3"
		b, err := New(c.cfg)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := b.PublicURL("a/x.webp"); got != c.want {
			t.Errorf("%s: PublicURL = %q, want %q", c.name, got, c.want)
		}
	}
	if _, err := New(Config{Backend: "s3", S3Bucket: "b"}); err == nil {
		t.Error("New without endpoint succeeded")
	}
	if _, err := New(Config{Backend: "s3", S3Endpoint: "s3.test"}); err == nil {
		t.Error("New without bucket succeeded")
	}
}

func TestS3EnsureBucketsIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newFakeS3(t)
	b, err := New(f.config("public-bucket"))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := b.EnsureBuckets(t.Context()); err != nil {
			t.Fatalf("ensure: %v", err)
		}
	}
	put(t, b.Private, "a.txt", "a")
	put(t, b.Public, "b.txt", "b")
}
