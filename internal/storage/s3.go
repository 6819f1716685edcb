package storage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

const (
	// defaultPartSize bounds memory per streamed upload of unknown size
	// (minio-go buffers one part) and allows objects up to 160 GiB.
	defaultPartSize = 16 << 20
	// sharedPublicPrefix holds the public namespace when it shares the
	// private bucket.
	sharedPublicPrefix = "public/"
)

// s3Store keeps one namespace in a bucket, optionally under a prefix.
type s3Store struct {
	client    *minio.Client
	core      minio.Core
	bucket    string
	region    string
	prefix    string // prepended to every key
	hidden    string // key prefix refused here because another namespace owns it
	partSize  uint64
	mediaBase string // no trailing slash
}

func newS3Buckets(cfg Config) (*Buckets, error) {
	if cfg.S3Endpoint == "" || cfg.S3Bucket == "" {
		return nil, errors.New("storage: s3: S3Endpoint and S3Bucket are required")
	}
	endpoint, secure := cfg.S3Endpoint, cfg.S3UseSSL
	if u, err := url.Parse(endpoint); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		endpoint, secure = u.Host, u.Scheme == "https"
	}
	region := cmp.Or(cfg.S3Region, "us-east-1")
	client, err := minio.New(endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.S3AccessKey, cfg.S3SecretKey, ""),
		Secure:       secure,
		Region:       region, // known region: presigning needs no network call
		BucketLookup: minio.BucketLookupAuto,
		Transport:    cfg.S3Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("storage: s3: %w", err)
	}

	scheme := "http"
	if secure {
		scheme = "https"
	}
	priv := &s3Store{client: client, core: minio.Core{Client: client}, bucket: cfg.S3Bucket, region: region, partSize: defaultPartSize}
	pub := *priv
	if cfg.S3PublicBucket != "" {
		pub.bucket = cfg.S3PublicBucket
	} else {
		pub.prefix = sharedPublicPrefix
		priv.hidden = sharedPublicPrefix
	}
	pub.mediaBase = strings.TrimRight(cfg.MediaBaseURL, "/")
	if pub.mediaBase == "" {
		pub.mediaBase = strings.TrimSuffix(scheme+"://"+endpoint+"/"+pub.bucket+"/"+pub.prefix, "/")
	}
	return &Buckets{
		Private:   priv,
		Public:    &pub,
		files:     http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeDetail(w, r, http.StatusNotFound, "Not Found") }),
		media:     pub.PublicHandler(),
		publicURL: pub.PublicURL,
		ensure:    func(ctx context.Context) error { return ensureBuckets(ctx, priv, &pub) },
	}, nil
}

// ensureBuckets creates each distinct bucket that is missing.
func ensureBuckets(ctx context.Context, stores ...*s3Store) error {
	done := map[string]bool{}
	for _, s := range stores {
		if done[s.bucket] {
			continue
		}
		done[s.bucket] = true
		ok, err := s.client.BucketExists(ctx, s.bucket)
		if err != nil {
			return fmt.Errorf("storage: ensure bucket: %w", err)
		}
		if ok {
			continue
		}
		if err := s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: s.region}); err != nil {
			// Someone else may have created it meanwhile.
			if ok, _ := s.client.BucketExists(ctx, s.bucket); !ok {
				return fmt.Errorf("storage: ensure bucket: %w", err)
			}
		}
	}
	return nil
}

// object maps a key to its object name.
func (s *s3Store) object(key string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	if s.hidden != "" && strings.HasPrefix(key, s.hidden) {
		return "", fmt.Errorf("%w: prefix %q belongs to the public namespace", ErrInvalidKey, s.hidden)
	}
	return s.prefix + key, nil
}

func isNoSuchKey(err error) bool {
	return minio.ToErrorResponse(err).Code == minio.NoSuchKey
}

// Put with size -1 becomes a multipart upload, buffering one part at a time.
func (s *s3Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	name, err := s.object(key)
	if err != nil {
		return fmt.Errorf("storage: put: %w", err)
	}
	_, err = s.client.PutObject(ctx, s.bucket, name, r, size, minio.PutObjectOptions{
		ContentType: contentType,
		PartSize:    s.partSize,
	})
	if err != nil {
		return fmt.Errorf("storage: put: %w", err)
	}
	return nil
}

// Get issues one GET, so a missing object is reported here rather than on
// the first Read.
func (s *s3Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	name, err := s.object(key)
	if err != nil {
		return nil, fmt.Errorf("storage: get: %w", err)
	}
	rc, _, _, err := s.core.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		if isNoSuchKey(err) {
			return nil, fmt.Errorf("storage: get: %w", ErrNotFound)
		}
		return nil, fmt.Errorf("storage: get: %w", err)
	}
	return rc, nil
}

func (s *s3Store) Delete(ctx context.Context, key string) error {
	name, err := s.object(key)
	if err != nil {
		return fmt.Errorf("storage: delete: %w", err)
	}
	if err := s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil && !isNoSuchKey(err) {
		return fmt.Errorf("storage: delete: %w", err)
	}
	return nil
}

func (s *s3Store) Exists(ctx context.Context, key string) (bool, error) {
	name, err := s.object(key)
	if err != nil {
		return false, fmt.Errorf("storage: exists: %w", err)
	}
	if _, err := s.client.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{}); err != nil {
		if isNoSuchKey(err) {
			return false, nil
		}
		return false, fmt.Errorf("storage: exists: %w", err)
	}
	return true, nil
}

func (s *s3Store) List(ctx context.Context, prefix string, fn func(Object) error) error {
	if err := validatePrefix(prefix); err != nil {
		return fmt.Errorf("storage: list: %w", err)
	}
	noOwner := false
	objects := s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{
		Prefix:     s.prefix + prefix,
		Recursive:  true,
		FetchOwner: &noOwner,
	})
	for obj := range objects {
		if obj.Err != nil {
			return fmt.Errorf("storage: list: %w", obj.Err)
		}
		key := strings.TrimPrefix(obj.Key, s.prefix)
		// Skip the other namespace and objects this package cannot address.
		if s.hidden != "" && strings.HasPrefix(key, s.hidden) || ValidateKey(key) != nil {
			continue
		}
		if err := fn(Object{Key: key, Size: obj.Size, ModTime: obj.LastModified}); err != nil {
			return err
		}
	}
	return nil
}

// SignedURL presigns a GET. An empty ContentType keeps the type stored at
// Put; an empty CacheControl becomes "private, max-age=<ttl>".
func (s *s3Store) SignedURL(ctx context.Context, key string, ttl time.Duration, opts SignOptions) (string, error) {
	name, err := s.object(key)
	if err != nil {
		return "", fmt.Errorf("storage: sign: %w", err)
	}
	if err := validateSignOptions(opts); err != nil {
		return "", err
	}
	ttl, err = signedTTL(ttl)
	if err != nil {
		return "", err
	}
	params := url.Values{}
	if opts.ContentType != "" {
		params.Set("response-content-type", opts.ContentType)
	}
	params.Set("response-cache-control", cmp.Or(opts.CacheControl, "private, max-age="+strconv.Itoa(int(ttl.Seconds()))))
	if opts.ContentDisposition != "" {
		params.Set("response-content-disposition", opts.ContentDisposition)
	}
	u, err := s.client.PresignedGetObject(ctx, s.bucket, name, ttl, params)
	if err != nil {
		return "", fmt.Errorf("storage: sign: %w", err)
	}
	return u.String(), nil
}

// PublicURL is MediaBaseURL + "/" + escaped key. MediaBaseURL addresses the
// namespace root, i.e. the "public/" prefix when the bucket is shared.
func (s *s3Store) PublicURL(key string) string {
	return s.mediaBase + "/" + escapeKey(key)
}
