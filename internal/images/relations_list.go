package images

import (
	"context"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/httpapi"
	"apistarter/internal/orgs"
	"apistarter/internal/tags"

	"github.com/jackc/pgx/v5"
)

// relationOrder maps the relation list's `ordering` values to SQL; the
// relation id breaks ties.
func relationOrder(ordering string) (string, bool) {
	switch ordering {
	case "", "order":
		return `r."order", r.id`, true
	case "-order":
		return `r."order" DESC, r.id`, true
	case "created_at":
		return "i.created_at, r.id", true
	case "-created_at":
		return "i.created_at DESC, r.id", true
	case "title":
		return "i.title, r.id", true
	case "-title":
		return "i.title DESC, r.id", true
	}
	return "", false
}

// ListRelations returns one page of the images attached to the target.
func (s *Service) ListRelations(ctx context.Context, sc orgs.Scope, ref TargetRef, ordering string, page httpapi.PageParams) (httpapi.Page[RelationOut], error) {
	var out httpapi.Page[RelationOut]
	t, err := tags.ResolveTarget(ctx, s.q, sc.OrgID, ref.App, ref.Model, ref.ObjectID)
	if err != nil {
		return out, err
	}
	order, ok := relationOrder(ordering)
	if !ok {
		return out, apperr.Invalid("Invalid ordering. Allowed: order, -order, created_at, -created_at, title, -title")
	}
	if out.Count, err = s.q.CountTargetRelations(ctx, sqlc.CountTargetRelationsParams{TargetType: t.Type, ObjectID: t.ObjectID}); err != nil {
		return out, fmt.Errorf("images: count relations: %w", err)
	}
	rows, err := s.db.Query(ctx, `SELECT r.id, r.image_id, r.target_type, r.object_id, r.is_cover, r."order",
		       r.custom_description, r.custom_alt_text, r.custom_title, r.created_at,
		       i.id, i.organization_id, i.creator_id, i.file, i.description, i.alt_text, i.title, i.visibility, i.created_at, i.updated_at
		FROM image_relations r JOIN images i ON i.id = r.image_id
		WHERE r.target_type = $1 AND r.object_id = $2 AND i.organization_id = $3
		ORDER BY `+order+` LIMIT $4 OFFSET $5`, t.Type, t.ObjectID, sc.OrgID, page.Limit, page.Offset)
	if err != nil {
		return out, fmt.Errorf("images: list relations: %w", err)
	}
	out.Items, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (RelationOut, error) {
		var r sqlc.ImageRelation
		var i sqlc.Image
		err := row.Scan(&r.ID, &r.ImageID, &r.TargetType, &r.ObjectID, &r.IsCover, &r.Order,
			&r.CustomDescription, &r.CustomAltText, &r.CustomTitle, &r.CreatedAt,
			&i.ID, &i.OrganizationID, &i.CreatorID, &i.File, &i.Description, &i.AltText, &i.Title, &i.Visibility, &i.CreatedAt, &i.UpdatedAt)
		return s.relationOut(r, i), err
	})
	if err != nil {
		return out, fmt.Errorf("images: list relations: %w", err)
	}
	return out, nil
}
