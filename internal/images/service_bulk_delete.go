package images

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"

	"apistarter/internal/apperr"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/idempotency"
	"apistarter/internal/logctx"
	"apistarter/internal/orgs"

	"github.com/jackc/pgx/v5"
)

// BulkDeleteFailure is one id a bulk delete could not delete.
type BulkDeleteFailure struct {
	ID     int64  `json:"id"`
	Reason string `json:"reason" enum:"not found,delete failed"`
}

// BulkDeleteError is the 400 body of a partial bulk delete.
type BulkDeleteError struct {
	Detail  string              `json:"detail"`
	Deleted []int64             `json:"deleted"`
	Failed  []BulkDeleteFailure `json:"failed"`
}

// ParseBulkDeleteIDs reads {"ids": [...]} from a JSON body, or repeated (or
// comma-separated) `ids` fields from a form body.
func ParseBulkDeleteIDs(contentType string, body []byte) ([]int64, error) {
	var raw []string
	if mt, _, _ := mime.ParseMediaType(contentType); mt == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, apperr.Invalid("Invalid form data")
		}
		for _, v := range form["ids"] {
			for _, part := range strings.Split(v, ",") {
				if part = strings.TrimSpace(part); part != "" {
					raw = append(raw, part)
				}
			}
		}
	} else if len(bytes.TrimSpace(body)) > 0 {
		var in struct {
			IDs []json.Number `json:"ids"`
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&in); err != nil {
			return nil, apperr.Invalid("Invalid JSON data")
		}
		for _, n := range in.IDs {
			raw = append(raw, n.String())
		}
	}
	if len(raw) == 0 {
		return nil, apperr.Invalid("No ids provided for deletion")
	}
	ids := make([]int64, len(raw))
	for i, r := range raw {
		id, err := strconv.ParseInt(r, 10, 64)
		if err != nil {
			return nil, apperr.Invalid("Invalid JSON data")
		}
		ids[i] = id
	}
	return ids, nil
}

// BulkDelete deletes the org's images among ids: 204 when all went, else a
// 400 listing what was deleted and what failed. Deletions are committed
// either way, with their storage cleanup scheduled in the same transaction.
func (s *Service) BulkDelete(ctx context.Context, sc orgs.Scope, req idempotency.Request, ids []int64) (idempotency.Response, error) {
	return s.idem.Run(ctx, req, func(ctx context.Context, tx pgx.Tx) (idempotency.Response, error) {
		rows, err := s.q.WithTx(tx).DeleteImages(ctx, sqlc.DeleteImagesParams{OrganizationID: sc.OrgID, Ids: ids})
		if err != nil {
			logctx.Logger(ctx).Error("images: bulk delete failed", "org_id", sc.OrgID, "error", err.Error())
			return idempotency.Response{}, (&apperr.Error{StatusOverride: 500, Detail: "Image deletion failed."}).With("request_id", logctx.RequestID(ctx))
		}
		files := make(map[int64]string, len(rows))
		for _, r := range rows {
			files[r.ID] = r.File
		}
		deleted, failed, keys := []int64{}, []BulkDeleteFailure{}, []string{}
		for _, id := range ids {
			file, ok := files[id]
			if !ok {
				failed = append(failed, BulkDeleteFailure{ID: id, Reason: "not found"})
				continue
			}
			delete(files, id) // a repeated id is "not found" the second time
			deleted = append(deleted, id)
			keys = append(keys, objectKeys(file)...)
		}
		if err := EnqueueDelete(ctx, s.outbox, tx, keys); err != nil {
			return idempotency.Response{}, err
		}
		if len(failed) == 0 {
			return idempotency.Response{Status: 204}, nil
		}
		out := BulkDeleteError{Detail: "Some images could not be deleted", Deleted: deleted, Failed: failed}
		if len(deleted) == 0 {
			out.Detail = "No images were deleted"
		}
		body, err := json.Marshal(out)
		if err != nil {
			return idempotency.Response{}, fmt.Errorf("images: bulk delete: %w", err)
		}
		return idempotency.Response{Status: 400, ContentType: "application/json", Body: body}, nil
	})
}
