package images

import (
	"context"
	"errors"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/idempotency"
	"apistarter/internal/orgs"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"
)

// bulkFingerprintVersion tags the bulk upload fingerprint format.
const bulkFingerprintVersion = "image-bulk-upload-v2"

const msgItemFailed = "Image upload failed."

// BulkUploadItem is the result of one file of a bulk upload.
type BulkUploadItem struct {
	ID     *int64  `json:"id"`
	File   *string `json:"file" doc:"Storage key on success, client file name on error."`
	Status string  `json:"status" enum:"success,error"`
	Error  *string `json:"error"`
}

func itemError(name, msg string) BulkUploadItem {
	return BulkUploadItem{File: &name, Status: "error", Error: &msg}
}

// bulkError maps a failed bulk request to its answer.
func (s *Service) bulkError(ctx context.Context, err error) error {
	var status huma.StatusError
	switch {
	case errors.Is(err, ErrTooManyFiles):
		return apperr.Invalid(fmt.Sprintf("Upload at most %d images per request.", s.bulk.MaxFiles))
	case errors.Is(err, ErrAggregate):
		return apperr.Invalid(msgAggregate)
	case errors.Is(err, ErrDeclaredTooLarge):
		return apperr.Invalid(msgPerFileDeclared)
	case errors.Is(err, ErrBusy):
		return BusyError(s.budget)
	case errors.As(err, &status):
		return err
	}
	return uploadFailure(ctx, err)
}

// bulkFile is one rendered and stored file of a bulk upload, or its error.
type bulkFile struct {
	name    string
	key     string   // "" when item is set
	written []string // objects stored for it
	item    *BulkUploadItem
}

// BulkUploadRequest stores every `files` part of the request like
// UploadRequest, reporting per file. Image work and storage writes happen
// first, one file at a time within the image budget and outside any
// transaction; the transaction then only inserts the rows (and the
// idempotency record). When it does not commit, or replays an earlier
// response, every stored object is deleted again.
func (s *Service) BulkUploadRequest(ctx context.Context, sc orgs.Scope) (idempotency.Response, error) {
	req, err := idempotency.NewRequest(ctx, sc.UserID, "")
	if err != nil {
		return idempotency.Response{}, err
	}
	// A request already answered is replayed: hash its files, render none.
	replay, err := s.idem.Recorded(ctx, req)
	if err != nil {
		return idempotency.Response{}, err
	}
	var (
		parts   []*Part
		done    []bulkFile
		written []string
	)
	err = EachUpload(ctx, ReadLimits{Field: "files", PerFile: s.limits.MaxBytes, Total: s.bulk.MaxTotal, MaxFiles: s.bulk.MaxFiles}, func(p *Part) error {
		parts = append(parts, p)
		if replay {
			return nil
		}
		f, err := s.bulkFile(ctx, sc, p)
		written = append(written, f.written...)
		done = append(done, f)
		return err
	})
	if err != nil {
		Discard(ctx, s.db, s.store, s.outbox, written)
		return idempotency.Response{}, s.bulkError(ctx, err)
	}
	if len(parts) == 0 {
		msg := "No files uploaded"
		return jsonResponse([]BulkUploadItem{{Status: "error", Error: &msg}})
	}
	req.Fingerprint = BulkFingerprint(parts)
	var (
		ran    bool
		failed []string // objects of rows that could not be inserted
	)
	res, err := s.idem.Run(ctx, req, func(ctx context.Context, tx pgx.Tx) (idempotency.Response, error) {
		ran = true
		if replay { // the record expired since Recorded: nothing was rendered
			return idempotency.Response{}, BusyError(s.budget)
		}
		items := make([]BulkUploadItem, 0, len(done))
		for _, f := range done {
			item, ok := s.insertBulkRow(ctx, tx, sc, f)
			if !ok {
				failed = append(failed, f.written...)
			}
			items = append(items, item)
		}
		return jsonResponse(items)
	})
	if err != nil || res.Status >= 500 || !ran {
		Discard(ctx, s.db, s.store, s.outbox, written)
	} else {
		Discard(ctx, s.db, s.store, s.outbox, failed)
	}
	return res, err
}

// BulkFingerprint identifies a bulk upload by its files' metadata and bytes
// (known once EachUpload moved past them).
func BulkFingerprint(parts []*Part) string {
	d := make([]idempotency.FileDigest, len(parts))
	for i, p := range parts {
		d[i] = idempotency.FileDigest{Field: p.Field, Name: p.Name, ContentType: p.ContentType, Size: p.Size(), SHA256: p.SHA256()}
	}
	return idempotency.FingerprintDigests(bulkFingerprintVersion, d)
}

// bulkFile renders and stores one file. A file refused for its content or
// failing to render or store is an error item; the error returned (a read
// failure, a busy budget, a cancelled request) ends the whole request.
func (s *Service) bulkFile(ctx context.Context, sc orgs.Scope, p *Part) (bulkFile, error) {
	f := bulkFile{name: Title(p.Name)}
	res, err := s.renderPart(ctx, p, false)
	if err != nil {
		var rej *RejectError
		switch {
		case IsReadError(err) || errors.Is(err, ErrBusy) || ctx.Err() != nil:
			return f, err
		case errors.As(err, &rej):
			item := itemError(f.name, rej.Error())
			f.item = &item
		default:
			item := s.itemFailed(ctx, f.name, err)
			f.item = &item
		}
		return f, nil
	}
	key, written, err := s.putVariants(ctx, sc.OrgID, res)
	if err != nil {
		Discard(ctx, s.db, s.store, s.outbox, written)
		if ctx.Err() != nil {
			return f, ctx.Err()
		}
		item := s.itemFailed(ctx, f.name, err)
		f.item = &item
		return f, nil
	}
	f.key, f.written = key, written
	return f, nil
}

// insertBulkRow inserts the row of a stored file inside the bulk
// transaction; ok is false when the row failed and its objects must go.
func (s *Service) insertBulkRow(ctx context.Context, tx pgx.Tx, sc orgs.Scope, f bulkFile) (BulkUploadItem, bool) {
	if f.item != nil {
		return *f.item, true
	}
	var img sqlc.Image
	err := pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error { // savepoint: one failed row spares the others
		var err error
		img, err = sqlc.New(sp).InsertImage(ctx, sqlc.InsertImageParams{OrganizationID: sc.OrgID, CreatorID: &sc.UserID, File: f.key, Title: f.name})
		return err
	})
	if err != nil {
		return s.itemFailed(ctx, f.name, fmt.Errorf("images: insert: %w", err)), false
	}
	id := img.ID
	return BulkUploadItem{ID: &id, File: &img.File, Status: "success"}, true
}

func (s *Service) itemFailed(ctx context.Context, name string, err error) BulkUploadItem {
	if ctx.Err() == nil {
		logUploadError(ctx, err)
	}
	return itemError(name, msgItemFailed)
}
