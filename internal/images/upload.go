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
	"apistarter/internal/logctx"
	"apistarter/internal/orgs"

	"github.com/danielgtaylor/huma/v2"
)

// Client-facing messages of the upload routes; clients match on these
// texts, so they are kept word for word.
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

// UploadRequest stores the one image of the POST images/ request: it
// streams the `file` part, renders it within the image budget, writes the
// five objects, then inserts the row. A failure after the first write
// deletes what was written.
func (s *Service) UploadRequest(ctx context.Context, sc orgs.Scope) (ImageOut, error) {
	var (
		key, name string
		written   []string
	)
	err := EachUpload(ctx, ReadLimits{Field: "file", PerFile: s.limits.MaxBytes, Total: s.limits.MaxBytes, MaxFiles: 1, Required: true}, func(p *Part) error {
		res, err := s.renderPart(ctx, p, false)
		if err != nil {
			return err
		}
		name = Title(p.Name)
		key, written, err = s.putVariants(ctx, sc.OrgID, res)
		return err
	})
	if err != nil {
		Discard(ctx, s.db, s.store, s.outbox, written)
		return ImageOut{}, s.singleError(ctx, err)
	}
	img, err := s.q.InsertImage(ctx, sqlc.InsertImageParams{OrganizationID: sc.OrgID, CreatorID: &sc.UserID, File: key, Title: name})
	if err != nil {
		Discard(ctx, s.db, s.store, s.outbox, written)
		return ImageOut{}, uploadFailure(ctx, fmt.Errorf("images: insert: %w", err))
	}
	return s.imageOut(img), nil
}

// singleError maps a failed single upload to its answer.
func (s *Service) singleError(ctx context.Context, err error) error {
	var status huma.StatusError
	switch {
	case errors.Is(err, ErrDeclaredTooLarge):
		return apperr.Invalid(DeclaredTooLargeMessage(s.limits))
	case errors.Is(err, ErrTooManyFiles):
		return formError("file", "Expected a single file.")
	case errors.Is(err, ErrBusy):
		return BusyError(s.budget)
	case errors.As(err, &status):
		return err
	}
	return uploadFailure(ctx, err)
}

// renderPart admits a streamed file into the budget and renders it; the
// file's bytes and decoded pixels are dropped before it returns.
func (s *Service) renderPart(ctx context.Context, p *Part, avatar bool) (*Result, error) {
	data, release, err := Admit(ctx, s.budget, p, s.limits, avatar)
	if err != nil {
		return nil, err
	}
	defer release()
	return Process(data, s.limits)
}

// putVariants writes every variant (VariantOriginal and four resized) under a fresh key,
// in VariantNames order. On failure it returns every key it attempted
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
	logctx.Logger(ctx).Error("images: upload failed", "error", err.Error())
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
