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
	"apistarter/internal/images"
	"apistarter/internal/jobs"
	"apistarter/internal/logctx"
	"apistarter/internal/storage"

	"github.com/danielgtaylor/huma/v2"

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
	budget    *images.Budget // memory of image work, shared by the process
}

// Option adjusts a Service.
type Option func(*Service)

// WithStorage replaces the public namespace (tests inject failures with it).
func WithStorage(s storage.Storage) Option { return func(svc *Service) { svc.store = s } }

// WithBudget shares the process's image memory budget.
func WithBudget(b *images.Budget) Option { return func(svc *Service) { svc.budget = b } }

// NewService builds the service on the pool, the storage buckets and the outbox.
func NewService(pool *pgxpool.Pool, buckets *storage.Buckets, outbox *jobs.Outbox, opts ...Option) *Service {
	s := &Service{
		db: pool, q: sqlc.New(pool), store: buckets.Public, publicURL: buckets.PublicURL, outbox: outbox,
		limits: images.DefaultLimits(), budget: images.NewBudget(images.DefaultBudgetBytes, images.DefaultBudgetWait),
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

// upload streams the `file` part, renders it within the image budget and
// writes a fresh pair; it returns the small key (the one avatar_path
// holds). The file is read past its header only once it has its share of
// the budget. On failure nothing it wrote is left behind.
func (s *Service) upload(ctx context.Context, kind images.AvatarKind, m messages) (string, error) {
	var (
		key     string
		written []string
	)
	err := images.EachUpload(ctx, images.ReadLimits{
		Field: "file", PerFile: s.limits.MaxBytes, Total: s.limits.MaxBytes, MaxFiles: 1, Required: true,
	}, func(p *images.Part) error {
		small, large, err := s.render(ctx, p)
		if err != nil {
			return err
		}
		key, written, err = s.store2(ctx, kind, small, large)
		return err
	})
	if err != nil {
		s.discard(ctx, written)
		return "", s.uploadError(ctx, err, m)
	}
	return key, nil
}

func (s *Service) render(ctx context.Context, p *images.Part) (small, large []byte, err error) {
	data, release, err := images.Admit(ctx, s.budget, p, s.limits, true)
	if err != nil {
		return nil, nil, err
	}
	defer release()
	return images.ProcessAvatar(data, s.limits)
}

// store2 writes the pair under fresh keys; it returns every key it attempted.
func (s *Service) store2(ctx context.Context, kind images.AvatarKind, small, large []byte) (string, []string, error) {
	smallKey, largeKey := images.NewAvatarKeys(kind)
	var written []string
	for _, f := range []struct {
		key  string
		data []byte
	}{{smallKey, small}, {largeKey, large}} {
		written = append(written, f.key)
		if err := s.store.Put(ctx, f.key, bytes.NewReader(f.data), int64(len(f.data)), "image/webp"); err != nil {
			return "", written, fmt.Errorf("avatars: store: %w", err)
		}
	}
	return smallKey, written, nil
}

// uploadError maps a failed upload to its answer.
func (s *Service) uploadError(ctx context.Context, err error, m messages) error {
	var (
		status huma.StatusError
		rej    *images.RejectError
	)
	switch {
	case errors.Is(err, images.ErrDeclaredTooLarge):
		return apperr.Invalid(m.tooLarge)
	case errors.Is(err, images.ErrTooManyFiles):
		return apperr.Invalid("Upload a single file.")
	case errors.Is(err, images.ErrBusy):
		return images.BusyError(s.budget)
	case errors.Is(err, images.ErrInvalidType):
		return apperr.Invalid(m.invalidType)
	case errors.As(err, &rej):
		return apperr.Invalid(rej.Error())
	case errors.As(err, &status):
		return err
	}
	return s.unavailable(ctx, err)
}

func (s *Service) discard(ctx context.Context, keys []string) {
	images.Discard(ctx, s.db, s.store, s.outbox, keys)
}

func (s *Service) unavailable(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	logctx.Logger(ctx).Error("avatars: upload failed", "error", err.Error())
	return apperr.Unavailable(msgUnavailable)
}
