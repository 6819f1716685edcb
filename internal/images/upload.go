package images

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"apistarter/internal/apperr"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/httpapi"
	"apistarter/internal/orgs"
)

// Client-facing messages of the upload routes, texts as in the original API.
const (
	msgUploadUnavailable = "Image upload is temporarily unavailable."
	msgPerFileDeclared   = "Image upload exceeds the per-file size limit."
	msgAggregate         = "Image upload exceeds the aggregate size limit."
)

// maxTitleLen is the title column; the client's file name is cut to it.
const maxTitleLen = 120

// DeclaredTooLargeMessage is the 400 of a file whose declared size is over lim.
func DeclaredTooLargeMessage(lim Limits) string {
	return fmt.Sprintf("File too large. Maximum allowed size is %dMB.", lim.MaxBytes>>20)
}

// readSingle reads the `file` part of POST images/.
func (s *Service) readSingle(ctx context.Context) (Upload, error) {
	files, err := ReadUploads(ctx, ReadLimits{Field: "file", PerFile: s.limits.MaxBytes, Total: s.limits.MaxBytes, MaxFiles: 1, Required: true})
	switch {
	case err == nil:
		return files[0], nil
	case errors.Is(err, ErrDeclaredTooLarge):
		return Upload{}, apperr.Invalid(DeclaredTooLargeMessage(s.limits))
	case errors.Is(err, ErrTooManyFiles):
		return Upload{}, formError("file", "Expected a single file.")
	}
	return Upload{}, RejectionToHTTP(err)
}

// Upload stores one image: render, write the five objects, insert the row.
// A failure after the first write deletes what was written.
func (s *Service) Upload(ctx context.Context, sc orgs.Scope, up Upload) (ImageOut, error) {
	res, err := s.render(ctx, up.Data)
	if err != nil {
		return ImageOut{}, uploadFailure(ctx, err)
	}
	key, written, err := s.putVariants(ctx, sc.OrgID, res)
	if err != nil {
		Discard(ctx, s.db, s.store, s.outbox, written)
		return ImageOut{}, uploadFailure(ctx, err)
	}
	img, err := s.q.InsertImage(ctx, sqlc.InsertImageParams{OrganizationID: sc.OrgID, CreatorID: &sc.UserID, File: key, Title: Title(up.Name)})
	if err != nil {
		Discard(ctx, s.db, s.store, s.outbox, written)
		return ImageOut{}, uploadFailure(ctx, fmt.Errorf("images: insert: %w", err))
	}
	return s.imageOut(img), nil
}

// render runs the pipeline within the concurrency bound.
func (s *Service) render(ctx context.Context, data []byte) (*Result, error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return Process(data, s.limits)
}

// putVariants writes the original and the four variants under a fresh key,
// in the original's order. On failure it returns every key it attempted
// (a failed write may have left a partial object).
func (s *Service) putVariants(ctx context.Context, orgID int64, res *Result) (string, []string, error) {
	key := NewOriginalKey(orgID)
	keys := VariantKeys(key)
	written := make([]string, 0, len(keys))
	for _, name := range VariantNames() {
		v := res.Variants[name]
		written = append(written, keys[name])
		if err := s.store.Put(ctx, keys[name], bytes.NewReader(v.WebP), int64(len(v.WebP)), "image/webp"); err != nil {
			return key, written, fmt.Errorf("images: store %s: %w", name, err)
		}
	}
	return key, written, nil
}

// RejectionToHTTP turns a content rejection into its 400; other errors pass.
func RejectionToHTTP(err error) error {
	var rej *RejectError
	if errors.As(err, &rej) {
		return apperr.Invalid(rej.Error())
	}
	return err
}

// uploadFailure is the 400 of a rejected file or, for anything else, a
// logged 503.
func uploadFailure(ctx context.Context, err error) error {
	var rej *RejectError
	if errors.As(err, &rej) {
		return apperr.Invalid(rej.Error())
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	logUploadError(ctx, err)
	return apperr.Unavailable(msgUploadUnavailable)
}

func logUploadError(ctx context.Context, err error) {
	httpapi.Logger(ctx).Error("images: upload failed", "error", err.Error())
}

// Title makes a client file name a valid title: valid UTF-8 without control
// characters, at most 120 characters, "image" when empty.
func Title(name string) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" {
		return "image"
	}
	if utf8.RuneCountInString(name) > maxTitleLen {
		name = string([]rune(name)[:maxTitleLen])
	}
	return name
}
