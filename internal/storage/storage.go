// Package storage owns file storage: the private and public object namespaces,
// key validation, signed (expiring) download links, and the HTTP handlers that
// serve local files. Two backends implement one Storage interface: "local" (a
// directory; links signed by the API itself) and "s3" (any S3-compatible store
// through minio-go; presigned links).
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

var (
	// ErrNotFound is returned by Get when the object does not exist.
	ErrNotFound = errors.New("storage: object not found")
	// ErrInvalidKey is returned by every operation given a key ValidateKey refuses.
	ErrInvalidKey = errors.New("storage: invalid key")
)

// MaxKeyLen is the longest key accepted, in bytes; maxSegmentLen is the
// longest segment (a file name on most file systems).
const (
	MaxKeyLen     = 512
	maxSegmentLen = 255
)

// MaxSignedURLTTL caps signed link lifetimes (the S3 presign maximum); longer
// requests are shortened to it.
const MaxSignedURLTTL = 7 * 24 * time.Hour

// Paths at which the API mounts the handlers from Buckets.
const (
	FilesPath = "/files/" // signed private links (local backend)
	MediaPath = "/media/" // public namespace
)

// Storage is one namespace of objects addressed by keys (see ValidateKey).
type Storage interface {
	// Put streams r into key, replacing any existing object. size is the exact
	// length, or -1 when unknown. Readers never observe a partial object.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Get streams the object; ErrNotFound when it does not exist.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the object; a missing object is not an error.
	Delete(ctx context.Context, key string) error
	Exists(ctx context.Context, key string) (bool, error)
	// List calls fn for every object whose key starts with prefix, in no
	// particular order; an error from fn stops the listing and is returned.
	List(ctx context.Context, prefix string, fn func(Object) error) error
	// SignedURL returns a GET link valid for ttl (capped at MaxSignedURLTTL).
	SignedURL(ctx context.Context, key string, ttl time.Duration, opts SignOptions) (string, error)
}

// Object describes one stored object.
type Object struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// SignOptions are response headers a signed link makes the server send.
// Empty fields take defaults: Content-Type from the key's extension,
// Cache-Control "private, max-age=<seconds left>", no Content-Disposition.
type SignOptions struct {
	ContentType        string
	CacheControl       string
	ContentDisposition string
}

// ValidateKey reports whether key is a safe object key: 1..MaxKeyLen bytes of
// [A-Za-z0-9._/-], relative, "/"-separated non-empty segments of at most 255
// bytes, none "." or "..".
// The character set alone excludes backslashes, NUL, control characters and
// anything needing URL escaping.
func ValidateKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if len(key) > MaxKeyLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidKey, MaxKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if !keyByte(key[i]) {
			return fmt.Errorf("%w: character %q not allowed", ErrInvalidKey, key[i])
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch seg {
		case "":
			return fmt.Errorf("%w: empty segment or leading/trailing slash", ErrInvalidKey)
		case ".", "..":
			return fmt.Errorf("%w: relative segment %q", ErrInvalidKey, seg)
		}
		if len(seg) > maxSegmentLen {
			return fmt.Errorf("%w: segment longer than %d bytes", ErrInvalidKey, maxSegmentLen)
		}
	}
	return nil
}

func keyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '_' || c == '-' || c == '/'
}

// validatePrefix accepts "" or a key prefix that may end in "/".
func validatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	return ValidateKey(strings.TrimSuffix(prefix, "/"))
}

// validateSignOptions refuses values that cannot be response headers.
func validateSignOptions(o SignOptions) error {
	for _, v := range []string{o.ContentType, o.CacheControl, o.ContentDisposition} {
		for i := 0; i < len(v); i++ {
			if v[i] < 0x20 || v[i] == 0x7f {
				return errors.New("storage: sign: option contains a control character")
			}
		}
	}
	return nil
}

// signedTTL rounds ttl up to whole seconds and caps it.
func signedTTL(ttl time.Duration) (time.Duration, error) {
	if ttl <= 0 {
		return 0, errors.New("storage: sign: ttl must be positive")
	}
	ttl = min(ttl, MaxSignedURLTTL)
	return (ttl + time.Second - 1).Truncate(time.Second), nil
}

// escapeKey escapes each segment; valid keys need none, this is belt and braces.
func escapeKey(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// Config selects and configures the backend. It mirrors the STORAGE_* and S3_*
// environment variables.
type Config struct {
	Backend string // "local" | "s3"

	// Local backend: objects under Dir/private and Dir/public.
	Dir string
	// PublicBaseURL is the API's base URL; local signed links are
	// PublicBaseURL + "/files/<key>?exp=…&sig=…".
	PublicBaseURL string
	// MediaBaseURL is the public URL base of the public namespace
	// (PublicURL = MediaBaseURL + "/" + key). Empty: PublicBaseURL + "/media"
	// for local, the bucket's endpoint URL for s3.
	MediaBaseURL string
	// SigningKey signs local links (at least 16 bytes). SECRET_KEY can be
	// passed as is: a key for this purpose alone is derived from it.
	SigningKey []byte

	// S3 backend. S3Endpoint is host[:port]; an http:// or https:// prefix
	// overrides S3UseSSL. When S3PublicBucket is empty the public namespace is
	// the "public/" prefix of S3Bucket, and the private namespace refuses keys
	// under "public/" so the two never overlap.
	S3Endpoint     string
	S3Transport    http.RoundTripper // nil: minio's default (tracing wraps it)
	S3Region       string
	S3Bucket       string
	S3PublicBucket string
	S3AccessKey    string
	S3SecretKey    string
	S3UseSSL       bool
}

// Buckets is the configured pair of namespaces and what the API mounts to
// serve them.
type Buckets struct {
	Private Storage
	Public  Storage

	files     http.Handler
	media     http.Handler
	publicURL func(key string) string
	ensure    func(ctx context.Context) error
}

// New builds both namespaces of the configured backend. For local it creates
// the directories; for s3 it does no network I/O (see EnsureBuckets).
func New(cfg Config) (*Buckets, error) {
	switch cfg.Backend {
	case "local":
		return newLocalBuckets(cfg, time.Now)
	case "s3":
		return newS3Buckets(cfg)
	default:
		return nil, fmt.Errorf("storage: unknown backend %q (want local or s3)", cfg.Backend)
	}
}

// FilesHandler serves signed private links; mount it at FilesPath ("GET
// /files/") on the root mux, without StripPrefix. With s3 it answers 404, as
// links point at the store itself.
func (b *Buckets) FilesHandler() http.Handler { return b.files }

// MediaHandler serves the public namespace read-only; mount it at MediaPath
// ("GET /media/") without StripPrefix. With s3 it proxies the store, for
// setups whose MediaBaseURL points at the API.
func (b *Buckets) MediaHandler() http.Handler { return b.media }

// PublicURL is the URL of a public object: MediaBaseURL + "/" + escaped key.
func (b *Buckets) PublicURL(key string) string { return b.publicURL(key) }

// EnsureBuckets creates missing S3 buckets (development and tests); a no-op
// for local.
func (b *Buckets) EnsureBuckets(ctx context.Context) error { return b.ensure(ctx) }
