package images

import (
	"context"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/orgs"
	"apistarter/internal/tags"

	"github.com/jackc/pgx/v5"
)

// withTarget runs fn in a transaction holding the target's relation lock.
func (s *Service) withTarget(ctx context.Context, sc orgs.Scope, ref TargetRef, fn func(q *sqlc.Queries, t tags.Target) error) error {
	return db.InTx(ctx, s.db, func(tx pgx.Tx) error {
		q := s.q.WithTx(tx)
		t, err := lockTarget(ctx, q, sc.OrgID, ref)
		if err != nil {
			return err
		}
		return fn(q, t)
	})
}

// Detach removes one image from the target; the cover is not replaced.
func (s *Service) Detach(ctx context.Context, sc orgs.Scope, ref TargetRef, imageID int64) error {
	return s.withTarget(ctx, sc, ref, func(q *sqlc.Queries, t tags.Target) error {
		n, err := q.DeleteRelation(ctx, sqlc.DeleteRelationParams{TargetType: t.Type, ObjectID: t.ObjectID, ImageID: imageID})
		if err != nil {
			return fmt.Errorf("images: detach: %w", err)
		}
		if n == 0 {
			return apperr.NotFound("Image relation not found")
		}
		return nil
	})
}

// Reorder sets the orders to the positions in ids, which must be exactly the
// attached images, and makes the first one the cover. No relations: no-op.
func (s *Service) Reorder(ctx context.Context, sc orgs.Scope, ref TargetRef, ids []int64) error {
	return s.withTarget(ctx, sc, ref, func(q *sqlc.Queries, t tags.Target) error {
		attached, err := q.TargetImageIDs(ctx, sqlc.TargetImageIDsParams{TargetType: t.Type, ObjectID: t.ObjectID})
		if err != nil {
			return fmt.Errorf("images: reorder: %w", err)
		}
		if len(attached) == 0 {
			return nil
		}
		if len(dedupe(ids)) != len(ids) {
			return apperr.Invalid("Duplicate image ids in request")
		}
		isAttached := make(map[int64]bool, len(attached))
		for _, id := range attached {
			isAttached[id] = true
		}
		for _, id := range ids {
			if !isAttached[id] {
				return apperr.Invalid("One or more image ids are not attached to this object")
			}
		}
		if len(ids) != len(attached) {
			return apperr.Invalid("Reorder must include all currently attached image ids")
		}
		if err := q.ReorderRelations(ctx, sqlc.ReorderRelationsParams{TargetType: t.Type, ObjectID: t.ObjectID, ImageIds: ids}); err != nil {
			return fmt.Errorf("images: reorder: %w", err)
		}
		return moveCover(ctx, q, t, ids[0])
	})
}

// SetCover makes an attached image the cover; orders do not change.
func (s *Service) SetCover(ctx context.Context, sc orgs.Scope, ref TargetRef, imageID int64) error {
	return s.withTarget(ctx, sc, ref, func(q *sqlc.Queries, t tags.Target) error {
		ok, err := q.RelationAttached(ctx, sqlc.RelationAttachedParams{TargetType: t.Type, ObjectID: t.ObjectID, ImageID: imageID, OrganizationID: sc.OrgID})
		if err != nil {
			return fmt.Errorf("images: set cover: %w", err)
		}
		if !ok {
			return apperr.NotFound("Image is not attached to this object")
		}
		return moveCover(ctx, q, t, imageID)
	})
}

// UnsetCover leaves the target without a cover.
func (s *Service) UnsetCover(ctx context.Context, sc orgs.Scope, ref TargetRef) error {
	return s.withTarget(ctx, sc, ref, func(q *sqlc.Queries, t tags.Target) error {
		if err := q.ClearCover(ctx, sqlc.ClearCoverParams{TargetType: t.Type, ObjectID: t.ObjectID}); err != nil {
			return fmt.Errorf("images: unset cover: %w", err)
		}
		return nil
	})
}

// moveCover clears the cover, then sets it: two statements, because the
// one-cover index is checked row by row.
func moveCover(ctx context.Context, q *sqlc.Queries, t tags.Target, imageID int64) error {
	if err := q.ClearCover(ctx, sqlc.ClearCoverParams{TargetType: t.Type, ObjectID: t.ObjectID}); err != nil {
		return fmt.Errorf("images: cover: %w", err)
	}
	if _, err := q.SetCover(ctx, sqlc.SetCoverParams{TargetType: t.Type, ObjectID: t.ObjectID, ImageID: imageID}); err != nil {
		return fmt.Errorf("images: cover: %w", err)
	}
	return nil
}
