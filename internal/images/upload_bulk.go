package images

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/idempotency"
	"apistarter/internal/orgs"

	"github.com/jackc/pgx/v5"
)

// bulkFingerprintVersion tags the bulk upload fingerprint format.
const bulkFingerprintVersion = "image-bulk-upload-v1"

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

// readBulk reads every `files` part of POST bulk-upload/ within the bulk limits.
func (s *Service) readBulk(ctx context.Context) ([]Upload, error) {
	files, err := ReadUploads(ctx, ReadLimits{Field: "files", PerFile: s.limits.MaxBytes, Total: s.bulk.MaxTotal, MaxFiles: s.bulk.MaxFiles})
	switch {
	case err == nil:
		return files, nil
	case errors.Is(err, ErrTooManyFiles):
		return nil, apperr.Invalid(fmt.Sprintf("Upload at most %d images per request.", s.bulk.MaxFiles))
	case errors.Is(err, ErrAggregate):
		return nil, apperr.Invalid(msgAggregate)
	case errors.Is(err, ErrDeclaredTooLarge):
		return nil, apperr.Invalid(msgPerFileDeclared)
	}
	return nil, RejectionToHTTP(err)
}

// BulkFingerprint identifies a bulk upload by its files' metadata and bytes.
func BulkFingerprint(files []Upload) string {
	parts := make([]idempotency.FilePart, len(files))
	for i, f := range files {
		parts[i] = idempotency.FilePart{Field: f.Field, Name: f.Name, ContentType: f.ContentType, Data: f.Data}
	}
	return idempotency.FingerprintFiles(bulkFingerprintVersion, parts)
}

// BulkUpload stores each file like Upload, reporting per file. Rows are
// committed together (with the idempotency record, if any); when the
// transaction does not commit, every stored object is deleted again.
func (s *Service) BulkUpload(ctx context.Context, sc orgs.Scope, req idempotency.Request, files []Upload) (idempotency.Response, error) {
	var written []string
	res, err := s.idem.Run(ctx, req, func(ctx context.Context, tx pgx.Tx) (idempotency.Response, error) {
		items := make([]BulkUploadItem, 0, len(files))
		for _, f := range files {
			item, keys := s.bulkItem(ctx, tx, sc, f)
			written = append(written, keys...)
			items = append(items, item)
		}
		body, err := json.Marshal(items)
		if err != nil {
			return idempotency.Response{}, fmt.Errorf("images: bulk upload: %w", err)
		}
		return idempotency.Response{Status: 200, ContentType: "application/json", Body: body}, nil
	})
	if err != nil || res.Status >= 500 {
		Discard(ctx, s.db, s.store, s.outbox, written)
	}
	return res, err
}

// bulkItem uploads one file inside the bulk transaction and returns the keys
// it left in storage (none on failure).
func (s *Service) bulkItem(ctx context.Context, tx pgx.Tx, sc orgs.Scope, f Upload) (BulkUploadItem, []string) {
	name := Title(f.Name)
	res, err := s.render(ctx, f.Data)
	if err != nil {
		var rej *RejectError
		if errors.As(err, &rej) {
			return itemError(name, rej.Error()), nil
		}
		return s.itemFailed(ctx, name, err), nil
	}
	key, written, err := s.putVariants(ctx, sc.OrgID, res)
	if err != nil {
		Discard(ctx, s.db, s.store, s.outbox, written)
		return s.itemFailed(ctx, name, err), nil
	}
	var img sqlc.Image
	err = pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error { // savepoint: one failed row spares the others
		var err error
		img, err = sqlc.New(sp).InsertImage(ctx, sqlc.InsertImageParams{OrganizationID: sc.OrgID, CreatorID: &sc.UserID, File: key, Title: name})
		return err
	})
	if err != nil {
		Discard(ctx, s.db, s.store, s.outbox, written)
		return s.itemFailed(ctx, name, fmt.Errorf("images: insert: %w", err)), nil
	}
	id := img.ID
	return BulkUploadItem{ID: &id, File: &img.File, Status: "success"}, written
}

func (s *Service) itemFailed(ctx context.Context, name string, err error) BulkUploadItem {
	if ctx.Err() == nil {
		logUploadError(ctx, err)
	}
	return itemError(name, msgItemFailed)
}
