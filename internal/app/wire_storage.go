package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"net/http"

	"apistarter/internal/storage"

	"github.com/danielgtaylor/huma/v2"
)

// initStorage builds the private and public namespaces (a.Storage) from
// STORAGE_BACKEND, STORAGE_DIR, S3_* and the public URLs. app.New should call
// it so that features built there can use a.Storage; it runs once.
func (a *App) initStorage() error {
	a.bg.storageOnce.Do(func() {
		c := a.Cfg
		b, err := storage.New(storage.Config{
			Backend:        c.StorageBackend,
			Dir:            c.StorageDir,
			PublicBaseURL:  c.PublicBaseURL,
			MediaBaseURL:   c.PublicMediaBaseURL,
			SigningKey:     storageSigningKey(c.SecretKey),
			S3Endpoint:     c.S3Endpoint,
			S3Region:       c.S3Region,
			S3Bucket:       c.S3Bucket,
			S3PublicBucket: c.S3PublicBucket,
			S3AccessKey:    c.S3AccessKey,
			S3SecretKey:    c.S3SecretKey,
			S3UseSSL:       c.S3UseSSL,
		})
		if err != nil {
			a.bg.storageErr = fmt.Errorf("app: storage: %w", err)
			return
		}
		a.Storage = b
	})
	return a.bg.storageErr
}

// storageSigningKey derives the link-signing key from SECRET_KEY, so the
// secret itself is never used as an HMAC key for another purpose.
func storageSigningKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("apistarter/storage/signed-links/v1"))
	return m.Sum(nil)
}

// wireStorage serves signed private links at /files/ and the public
// namespace at /media/ (with s3, /files/ answers 404: links point at the store).
func (a *App) wireStorage(_ huma.API, mux *http.ServeMux) error {
	if err := a.initStorage(); err != nil {
		return err
	}
	mux.Handle("GET "+storage.FilesPath, a.Storage.FilesHandler())
	mux.Handle("GET "+storage.MediaPath, a.Storage.MediaHandler())
	return nil
}
