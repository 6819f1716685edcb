package storage

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	dirPerm  = 0o750
	filePerm = 0o640
	// tmpPrefix names in-flight uploads. "~" is not a key character, so a
	// temp file can never collide with an object and List never reports one.
	tmpPrefix = ".tmp~"
)

// localStore keeps one namespace in a directory. Every file system call goes
// through os.Root, so neither ".." nor a symlink can reach outside it, on top
// of ValidateKey and filepath.IsLocal.
type localStore struct {
	dir       string // absolute
	namespace string // "private" | "public"; bound into link signatures
	linkBase  string // PublicBaseURL + FilesPath
	mediaBase string // no trailing slash
	macKey    []byte
	now       func() time.Time
}

func newLocalBuckets(cfg Config, now func() time.Time) (*Buckets, error) {
	if cfg.Dir == "" {
		return nil, errors.New("storage: local: Dir is required")
	}
	priv, err := newLocal(filepath.Join(cfg.Dir, "private"), "private", cfg, now)
	if err != nil {
		return nil, err
	}
	pub, err := newLocal(filepath.Join(cfg.Dir, "public"), "public", cfg, now)
	if err != nil {
		return nil, err
	}
	return &Buckets{
		Private:   priv,
		Public:    pub,
		files:     priv.SignedHandler(),
		media:     pub.PublicHandler(),
		publicURL: pub.PublicURL,
		ensure:    func(context.Context) error { return nil },
	}, nil
}

// newLocal creates dir if needed. cfg supplies PublicBaseURL, MediaBaseURL
// and SigningKey.
func newLocal(dir, namespace string, cfg Config, now func() time.Time) (*localStore, error) {
	switch {
	case dir == "":
		return nil, errors.New("storage: local: dir is required")
	case len(cfg.SigningKey) < 16:
		return nil, errors.New("storage: local: SigningKey must be at least 16 bytes")
	case cfg.PublicBaseURL == "":
		return nil, errors.New("storage: local: PublicBaseURL is required for signed links")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("storage: local: %w", err)
	}
	if err := os.MkdirAll(abs, dirPerm); err != nil {
		return nil, fmt.Errorf("storage: local: %w", err)
	}
	base := strings.TrimRight(cfg.PublicBaseURL, "/")
	media := strings.TrimRight(cfg.MediaBaseURL, "/")
	if media == "" {
		media = base + strings.TrimSuffix(MediaPath, "/")
	}
	// A key of its own keeps these MACs apart from anything else signed
	// with the same secret.
	mac := hmac.New(sha256.New, cfg.SigningKey)
	mac.Write([]byte("apistarter/storage/signed-link/v1"))
	return &localStore{
		dir:       abs,
		namespace: namespace,
		linkBase:  base + FilesPath,
		mediaBase: media,
		macKey:    mac.Sum(nil),
		now:       now,
	}, nil
}

// name maps a key to its path inside the root, refusing anything non-local.
func (l *localStore) name(key string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	name := filepath.FromSlash(key)
	if !filepath.IsLocal(name) {
		return "", fmt.Errorf("%w: not local", ErrInvalidKey)
	}
	return name, nil
}

// Put does not record contentType: the handlers derive Content-Type from the
// key's extension, or from the signed link.
func (l *localStore) Put(ctx context.Context, key string, r io.Reader, size int64, _ string) error {
	name, err := l.name(key)
	if err != nil {
		return fmt.Errorf("storage: put: %w", err)
	}
	root, err := os.OpenRoot(l.dir)
	if err != nil {
		return fmt.Errorf("storage: put: %w", err)
	}
	defer root.Close()

	dir := filepath.Dir(name)
	if err := root.MkdirAll(dir, dirPerm); err != nil {
		return fmt.Errorf("storage: put: %w", err)
	}
	tmp := filepath.Join(dir, tmpPrefix+rand.Text())
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return fmt.Errorf("storage: put: %w", err)
	}
	if err := writeAll(ctx, f, r, size); err != nil {
		_ = f.Close()
		_ = root.Remove(tmp)
		return fmt.Errorf("storage: put: %w", err)
	}
	// Rename is atomic: readers see the old object or the whole new one.
	if err := root.Rename(tmp, name); err != nil {
		_ = root.Remove(tmp)
		return fmt.Errorf("storage: put: %w", err)
	}
	return nil
}

// writeAll copies exactly size bytes (or everything when size < 0), syncs and
// closes f.
func writeAll(ctx context.Context, f *os.File, r io.Reader, size int64) error {
	src := io.Reader(ctxReader{ctx: ctx, r: r})
	if size >= 0 {
		src = io.LimitReader(src, size)
	}
	n, err := io.Copy(f, src)
	if err != nil {
		return err
	}
	if size >= 0 && n != size {
		return fmt.Errorf("got %d of %d bytes: %w", n, size, io.ErrUnexpectedEOF)
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

// ctxReader stops a long copy once the caller gives up.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func (l *localStore) Get(_ context.Context, key string) (io.ReadCloser, error) {
	f, _, err := l.open(key)
	if err != nil {
		return nil, fmt.Errorf("storage: get: %w", err)
	}
	return f, nil
}

// open returns the regular file behind key; directories count as missing.
func (l *localStore) open(key string) (*os.File, os.FileInfo, error) {
	name, err := l.name(key)
	if err != nil {
		return nil, nil, err
	}
	root, err := os.OpenRoot(l.dir)
	if err != nil {
		return nil, nil, err
	}
	defer root.Close() // the opened file does not depend on it
	f, err := root.Open(name)
	if err != nil {
		if notExist(err) {
			return nil, nil, ErrNotFound
		}
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, nil, ErrNotFound
	}
	return f, fi, nil
}

func (l *localStore) Delete(_ context.Context, key string) error {
	name, err := l.name(key)
	if err != nil {
		return fmt.Errorf("storage: delete: %w", err)
	}
	root, err := os.OpenRoot(l.dir)
	if err != nil {
		return fmt.Errorf("storage: delete: %w", err)
	}
	defer root.Close()
	fi, err := root.Lstat(name)
	if err != nil {
		if notExist(err) {
			return nil
		}
		return fmt.Errorf("storage: delete: %w", err)
	}
	if fi.IsDir() {
		return nil // a directory is not an object
	}
	if err := root.Remove(name); err != nil && !notExist(err) {
		return fmt.Errorf("storage: delete: %w", err)
	}
	return nil
}

func (l *localStore) Exists(_ context.Context, key string) (bool, error) {
	name, err := l.name(key)
	if err != nil {
		return false, fmt.Errorf("storage: exists: %w", err)
	}
	root, err := os.OpenRoot(l.dir)
	if err != nil {
		return false, fmt.Errorf("storage: exists: %w", err)
	}
	defer root.Close()
	fi, err := root.Stat(name)
	if err != nil {
		if notExist(err) {
			return false, nil
		}
		return false, fmt.Errorf("storage: exists: %w", err)
	}
	return fi.Mode().IsRegular(), nil
}

func (l *localStore) List(ctx context.Context, prefix string, fn func(Object) error) error {
	if err := validatePrefix(prefix); err != nil {
		return fmt.Errorf("storage: list: %w", err)
	}
	root, err := os.OpenRoot(l.dir)
	if err != nil {
		return fmt.Errorf("storage: list: %w", err)
	}
	defer root.Close()

	// Walk only the directory the prefix lives in.
	start := path.Dir(prefix)
	if strings.HasSuffix(prefix, "/") {
		start = strings.TrimSuffix(prefix, "/")
	}
	var fnErr error
	err = fs.WalkDir(root.FS(), start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == start && notExist(err) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if p == "." || strings.HasPrefix(p+"/", prefix) || strings.HasPrefix(prefix, p+"/") {
				return nil
			}
			return fs.SkipDir
		}
		// Temp files and anything not written through this package are skipped.
		if !d.Type().IsRegular() || !strings.HasPrefix(p, prefix) || ValidateKey(p) != nil {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if notExist(err) {
				return nil // deleted while listing
			}
			return err
		}
		if err := fn(Object{Key: p, Size: info.Size(), ModTime: info.ModTime()}); err != nil {
			fnErr = err
			return fs.SkipAll
		}
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("storage: list: %w", err)
	}
	return nil
}

// notExist also covers "a/b" when "a" is a file.
func notExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// SignedURL returns <PublicBaseURL>/files/<key>?exp=<unix>&sig=<hex>, plus
// ct/cc/cd for the response headers, all covered by the signature. The public
// namespace needs no signature: it returns PublicURL.
func (l *localStore) SignedURL(_ context.Context, key string, ttl time.Duration, opts SignOptions) (string, error) {
	if _, err := l.name(key); err != nil {
		return "", fmt.Errorf("storage: sign: %w", err)
	}
	if err := validateSignOptions(opts); err != nil {
		return "", err
	}
	ttl, err := signedTTL(ttl)
	if err != nil {
		return "", err
	}
	if l.namespace == "public" {
		return l.PublicURL(key), nil
	}
	exp := l.now().Add(ttl)
	unix := exp.Unix()
	if exp.Nanosecond() > 0 {
		unix++ // round up: never shorter than asked
	}
	q := url.Values{}
	q.Set("exp", strconv.FormatInt(unix, 10))
	if opts.ContentType != "" {
		q.Set("ct", opts.ContentType)
	}
	if opts.CacheControl != "" {
		q.Set("cc", opts.CacheControl)
	}
	if opts.ContentDisposition != "" {
		q.Set("cd", opts.ContentDisposition)
	}
	q.Set("sig", hex.EncodeToString(l.mac(key, unix, opts)))
	return l.linkBase + escapeKey(key) + "?" + q.Encode(), nil
}

// mac covers namespace, key, expiry and header options, each length-prefixed
// so no two different inputs share an encoding.
func (l *localStore) mac(key string, exp int64, opts SignOptions) []byte {
	h := hmac.New(sha256.New, l.macKey)
	var n [binary.MaxVarintLen64]byte
	for _, f := range []string{l.namespace, key, strconv.FormatInt(exp, 10), opts.ContentType, opts.CacheControl, opts.ContentDisposition} {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(f)))])
		h.Write([]byte(f))
	}
	return h.Sum(nil)
}

// verify checks a link's signature (constant time) and expiry, returning the
// expiry time.
func (l *localStore) verify(key string, q url.Values) (time.Time, SignOptions, bool) {
	opts := SignOptions{ContentType: q.Get("ct"), CacheControl: q.Get("cc"), ContentDisposition: q.Get("cd")}
	exp, err := strconv.ParseInt(q.Get("exp"), 10, 64)
	if err != nil {
		return time.Time{}, opts, false
	}
	sig, err := hex.DecodeString(q.Get("sig"))
	if err != nil || !hmac.Equal(sig, l.mac(key, exp, opts)) {
		return time.Time{}, opts, false
	}
	at := time.Unix(exp, 0)
	return at, opts, l.now().Before(at)
}

// PublicURL is MediaBaseURL + "/" + escaped key.
func (l *localStore) PublicURL(key string) string {
	return l.mediaBase + "/" + escapeKey(key)
}
