package images

import (
	"context"
	"encoding/json"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/idempotency"
	"apistarter/internal/orgs"
	"apistarter/internal/tags"

	"github.com/jackc/pgx/v5"
)

// TargetRef is the {app}/{model}/{obj_id} of a relation route.
type TargetRef struct {
	App, Model string
	ObjectID   int64
}

// lockTarget resolves the target in the scope org and holds its relation
// lock until tx ends. Every relation write takes it first, so concurrent
// attaches and reorders of a target run one after the other and keep its
// rules: unique orders, at most one cover. A contact target is also
// share-locked so it cannot be deleted under new relations.
func lockTarget(ctx context.Context, q *sqlc.Queries, orgID int64, ref TargetRef) (tags.Target, error) {
	t, err := tags.ResolveTarget(ctx, q, orgID, ref.App, ref.Model, ref.ObjectID)
	if err != nil {
		return t, err
	}
	if err := q.LockImageTarget(ctx, sqlc.LockImageTargetParams{TargetType: t.Type, ObjectID: t.ObjectID}); err != nil {
		return t, fmt.Errorf("images: lock target: %w", err)
	}
	if t.Type == tags.TargetContact {
		_, err := q.LockContactTarget(ctx, sqlc.LockContactTargetParams{ID: t.ObjectID, OrganizationID: orgID})
		if db.IsNoRows(err) {
			return t, apperr.NotFound("Object not found")
		}
		if err != nil {
			return t, fmt.Errorf("images: lock contact: %w", err)
		}
	}
	return t, nil
}

// checkImagesInOrg fails with notInOrg unless every id is an image of the org.
func checkImagesInOrg(ctx context.Context, q *sqlc.Queries, orgID int64, ids []int64, notInOrg error) error {
	ids = dedupe(ids)
	found, err := q.OrgImageIDs(ctx, sqlc.OrgImageIDsParams{OrganizationID: orgID, Ids: ids})
	if err != nil {
		return fmt.Errorf("images: check images: %w", err)
	}
	if len(found) != len(ids) {
		return notInOrg
	}
	return nil
}

const msgNotInOrg = "One or more images do not belong to this organization"

// attachNew attaches the ids not yet attached, in order: each new relation
// takes the next order, and the first becomes the cover when there is none.
// It returns the ids newly attached.
func attachNew(ctx context.Context, q *sqlc.Queries, t tags.Target, ids []int64) ([]int64, error) {
	ids = dedupe(ids)
	existing, err := q.RelationsOfImages(ctx, sqlc.RelationsOfImagesParams{TargetType: t.Type, ObjectID: t.ObjectID, ImageIds: ids})
	if err != nil {
		return nil, fmt.Errorf("images: attach: %w", err)
	}
	attached := make(map[int64]bool, len(existing))
	for _, r := range existing {
		attached[r.ImageRelation.ImageID] = true
	}
	st, err := q.TargetRelationState(ctx, sqlc.TargetRelationStateParams{TargetType: t.Type, ObjectID: t.ObjectID})
	if err != nil {
		return nil, fmt.Errorf("images: attach: %w", err)
	}
	added := []int64{}
	for _, id := range ids {
		if attached[id] {
			continue
		}
		st.MaxOrder++
		_, err := q.InsertRelation(ctx, sqlc.InsertRelationParams{
			ImageID: id, TargetType: t.Type, ObjectID: t.ObjectID, IsCover: !st.HasCover, Order: st.MaxOrder,
		})
		if err != nil {
			return nil, fmt.Errorf("images: attach: %w", err)
		}
		st.HasCover = true
		added = append(added, id)
	}
	return added, nil
}

// Attach attaches images to the target and returns the relation of every
// requested id, in request order (already attached ones unchanged).
func (s *Service) Attach(ctx context.Context, sc orgs.Scope, ref TargetRef, ids []int64) ([]RelationOut, error) {
	var out []RelationOut
	err := db.InTx(ctx, s.db, func(tx pgx.Tx) error {
		q := s.q.WithTx(tx)
		t, err := lockTarget(ctx, q, sc.OrgID, ref)
		if err != nil {
			return err
		}
		if err := checkImagesInOrg(ctx, q, sc.OrgID, ids, apperr.NotFound(msgNotInOrg)); err != nil {
			return err
		}
		if _, err := attachNew(ctx, q, t, ids); err != nil {
			return err
		}
		rows, err := q.RelationsOfImages(ctx, sqlc.RelationsOfImagesParams{TargetType: t.Type, ObjectID: t.ObjectID, ImageIds: dedupe(ids)})
		if err != nil {
			return fmt.Errorf("images: attach: %w", err)
		}
		byImage := make(map[int64]RelationOut, len(rows))
		for _, r := range rows {
			byImage[r.ImageRelation.ImageID] = s.relationOut(r.ImageRelation, r.Image)
		}
		out = make([]RelationOut, 0, len(ids))
		for _, id := range ids {
			out = append(out, byImage[id])
		}
		return nil
	})
	return out, err
}

// BulkAttach attaches images (403 when one is not the org's) and reports the
// ids newly attached.
func (s *Service) BulkAttach(ctx context.Context, sc orgs.Scope, req idempotency.Request, ref TargetRef, ids []int64) (idempotency.Response, error) {
	return s.idem.Run(ctx, req, func(ctx context.Context, tx pgx.Tx) (idempotency.Response, error) {
		q := s.q.WithTx(tx)
		t, err := lockTarget(ctx, q, sc.OrgID, ref)
		if err != nil {
			return idempotency.Response{}, err
		}
		if err := checkImagesInOrg(ctx, q, sc.OrgID, ids, apperr.Forbidden(msgNotInOrg)); err != nil {
			return idempotency.Response{}, err
		}
		added, err := attachNew(ctx, q, t, ids)
		if err != nil {
			return idempotency.Response{}, err
		}
		return jsonResponse(BulkAttachOut{Attached: added})
	})
}

// BulkDetach detaches the org's images among ids and reports those that were
// attached, in relation order.
func (s *Service) BulkDetach(ctx context.Context, sc orgs.Scope, req idempotency.Request, ref TargetRef, ids []int64) (idempotency.Response, error) {
	return s.idem.Run(ctx, req, func(ctx context.Context, tx pgx.Tx) (idempotency.Response, error) {
		q := s.q.WithTx(tx)
		t, err := lockTarget(ctx, q, sc.OrgID, ref)
		if err != nil {
			return idempotency.Response{}, err
		}
		gone, err := q.DeleteRelations(ctx, sqlc.DeleteRelationsParams{
			TargetType: t.Type, ObjectID: t.ObjectID, ImageIds: dedupe(ids), OrganizationID: sc.OrgID,
		})
		if err != nil {
			return idempotency.Response{}, fmt.Errorf("images: bulk detach: %w", err)
		}
		return jsonResponse(BulkDetachOut{Detached: gone})
	})
}

// BulkAttachOut lists the images a bulk attach attached (not those already attached).
type BulkAttachOut struct {
	Attached []int64 `json:"attached"`
}

// BulkDetachOut lists the images a bulk detach detached, in relation order.
type BulkDetachOut struct {
	Detached []int64 `json:"detached"`
}

func jsonResponse(v any) (idempotency.Response, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return idempotency.Response{}, fmt.Errorf("images: encode response: %w", err)
	}
	return idempotency.Response{Status: 200, ContentType: "application/json", Body: body}, nil
}

// dedupe keeps the first occurrence of each id.
func dedupe(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
