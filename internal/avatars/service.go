// Package avatars owns the public avatars of users and contacts: a WebP pair
// (160 px small, 600 px large) rendered by package images and stored in the
// public namespace, and its replacement and removal.
//
// Old pairs are never deleted here: the triggers of migration 00005 schedule
// a pair's deletion (outbox task storage:delete) in the very transaction that
// stops referencing it, whether an avatar is replaced or removed, or its
// user or contact deleted, so a rollback keeps the files and a crash after
// commit loses no cleanup.
package avatars

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/httpapi"
	"apistarter/internal/images"
	"apistarter/internal/jobs"
	"apistarter/internal/storage"

	"github.com/jackc/pgx/v5/pgxpool"
)

const msgUnavailable = "Avatar upload is temporarily unavailable."

// Service uploads and removes avatars.
type Service struct {
	db        *pgxpool.Pool
	q         *sqlc.Queries
	store     storage.Storage // public namespace
	publicURL func(string) string
	outbox    *jobs.Outbox
	limits    images.Limits
	pipeline  chan struct{} // bounds concurrent decodes (memory)
}

// Option adjusts a Service.
type Option func(*Service)

// WithStorage replaces the public namespace (tests inject failures with it).
func WithStorage(s storage.Storage) Option { return func(svc *Service) { svc.store = s } }

// NewService builds the service on the pool, the storage buckets and the outbox.
func NewService(pool *pgxpool.Pool, buckets *storage.Buckets, outbox *jobs.Outbox, opts ...Option) *Service {
	s := &Service{
		db: pool, q: sqlc.New(pool), store: buckets.Public, publicURL: buckets.PublicURL, outbox: outbox,
		limits: images.DefaultLimits(), pipeline: make(chan struct{}, 2),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// messages are the texts that differ between the user and contact routes.
type messages struct {
	tooLarge    string // declared size over the limit
	invalidType string
}

func userMessages() messages {
	return messages{tooLarge: "Avatar file too large (max 10MB)", invalidType: "Invalid file type. Only images allowed."}
}

func contactMessages() messages {
	return messages{tooLarge: "File too large. Maximum allowed size is 10MB.", invalidType: images.ErrInvalidType.Error()}
}

// read streams the `file` part within the per-file limit.
func (s *Service) read(ctx context.Context, m messages) ([]byte, error) {
	files, err := images.ReadUploads(ctx, images.ReadLimits{
		Field: "file", PerFile: s.limits.MaxBytes, Total: s.limits.MaxBytes, MaxFiles: 1, Required: true,
	})
	switch {
	case err == nil:
		return files[0].Data, nil
	case errors.Is(err, images.ErrDeclaredTooLarge):
		return nil, apperr.Invalid(m.tooLarge)
	case errors.Is(err, images.ErrTooManyFiles):
		return nil, apperr.Invalid("Upload a single file.")
	}
	return nil, s.reject(err, m)
}

// reject maps a content rejection to its 400; other errors pass.
func (s *Service) reject(err error, m messages) error {
	if errors.Is(err, images.ErrInvalidType) {
		return apperr.Invalid(m.invalidType)
	}
	return images.RejectionToHTTP(err)
}

// save renders data and writes a fresh pair; it returns the small key (the
// one avatar_path holds). On failure nothing it wrote is left behind.
func (s *Service) save(ctx context.Context, kind images.AvatarKind, data []byte, m messages) (string, error) {
	select {
	case s.pipeline <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	small, large, err := images.ProcessAvatar(data, s.limits)
	<-s.pipeline
	if err != nil {
		var rej *images.RejectError
		if errors.As(err, &rej) {
			return "", s.reject(err, m)
		}
		return "", s.unavailable(ctx, err)
	}
	smallKey, largeKey := images.NewAvatarKeys(kind)
	var written []string
	for _, f := range []struct {
		key  string
		data []byte
	}{{smallKey, small}, {largeKey, large}} {
		written = append(written, f.key)
		if err := s.store.Put(ctx, f.key, bytes.NewReader(f.data), int64(len(f.data)), "image/webp"); err != nil {
			s.discard(ctx, written)
			return "", s.unavailable(ctx, fmt.Errorf("avatars: store: %w", err))
		}
	}
	return smallKey, nil
}

func (s *Service) discard(ctx context.Context, keys []string) {
	images.Discard(ctx, s.db, s.store, s.outbox, keys)
}

func (s *Service) unavailable(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	httpapi.Logger(ctx).Error("avatars: upload failed", "error", err.Error())
	return apperr.Unavailable(msgUnavailable)
}
