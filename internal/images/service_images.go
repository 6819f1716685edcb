package images

import (
	"context"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/httpapi"
	"apistarter/internal/orgs"

	"github.com/jackc/pgx/v5"
)

// imageOrder maps the list's `ordering` values to SQL; id breaks ties.
func imageOrder(ordering string) (string, bool) {
	switch ordering {
	case "", "-created_at":
		return "created_at DESC, id DESC", true
	case "created_at":
		return "created_at, id", true
	case "title":
		return "title, id", true
	case "-title":
		return "title DESC, id DESC", true
	}
	return "", false
}

const imageColumns = "id, organization_id, creator_id, file, description, alt_text, title, visibility, created_at, updated_at"

// List returns one page of the org's media library.
func (s *Service) List(ctx context.Context, sc orgs.Scope, ordering string, page httpapi.PageParams) (httpapi.Page[ImageOut], error) {
	order, ok := imageOrder(ordering)
	if !ok {
		return httpapi.Page[ImageOut]{}, apperr.Invalid("Invalid ordering. Allowed: created_at, -created_at, title, -title")
	}
	count, err := s.q.CountImages(ctx, sc.OrgID)
	if err != nil {
		return httpapi.Page[ImageOut]{}, fmt.Errorf("images: count: %w", err)
	}
	rows, err := s.db.Query(ctx, "SELECT "+imageColumns+" FROM images WHERE organization_id = $1 ORDER BY "+order+" LIMIT $2 OFFSET $3",
		sc.OrgID, page.Limit, page.Offset)
	if err != nil {
		return httpapi.Page[ImageOut]{}, fmt.Errorf("images: list: %w", err)
	}
	imgs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[sqlc.Image])
	if err != nil {
		return httpapi.Page[ImageOut]{}, fmt.Errorf("images: list: %w", err)
	}
	out := httpapi.Page[ImageOut]{Items: make([]ImageOut, len(imgs)), Count: count}
	for i, img := range imgs {
		out.Items[i] = s.imageOut(img)
	}
	return out, nil
}

// image loads one image of the org; another org's image is 404 like a missing one.
func (s *Service) image(ctx context.Context, orgID, id int64) (sqlc.Image, error) {
	img, err := s.q.GetImage(ctx, sqlc.GetImageParams{OrganizationID: orgID, ID: id})
	if db.IsNoRows(err) {
		return img, apperr.NotFoundDefault()
	}
	if err != nil {
		return img, fmt.Errorf("images: get: %w", err)
	}
	return img, nil
}

// Metadata is a PATCH of an image: nil fields stay unchanged.
type Metadata struct {
	Title       *string
	Description *string
	AltText     *string
}

// UpdateMetadata writes the submitted fields.
func (s *Service) UpdateMetadata(ctx context.Context, sc orgs.Scope, id int64, m Metadata) (ImageOut, error) {
	if m.Title == nil && m.Description == nil && m.AltText == nil {
		img, err := s.image(ctx, sc.OrgID, id)
		return s.imageOut(img), err
	}
	img, err := s.q.UpdateImageMetadata(ctx, sqlc.UpdateImageMetadataParams{
		OrganizationID: sc.OrgID, ID: id, Title: m.Title, Description: m.Description, AltText: m.AltText,
	})
	if db.IsNoRows(err) {
		return ImageOut{}, apperr.NotFoundDefault()
	}
	if err != nil {
		return ImageOut{}, fmt.Errorf("images: update: %w", err)
	}
	return s.imageOut(img), nil
}

// Delete removes the image (relations and share links cascade) and schedules
// its five objects for deletion after commit.
func (s *Service) Delete(ctx context.Context, sc orgs.Scope, id int64) error {
	return db.InTx(ctx, s.db, func(tx pgx.Tx) error {
		file, err := s.q.WithTx(tx).DeleteImage(ctx, sqlc.DeleteImageParams{OrganizationID: sc.OrgID, ID: id})
		if db.IsNoRows(err) {
			return apperr.NotFoundDefault()
		}
		if err != nil {
			return fmt.Errorf("images: delete: %w", err)
		}
		return EnqueueDelete(ctx, s.outbox, tx, objectKeys(file))
	})
}

// objectKeys lists an image's stored objects: every variant, VariantOriginal
// included.
func objectKeys(file string) []string {
	keys := VariantKeys(file)
	out := make([]string, 0, len(keys))
	for _, name := range VariantNames() {
		out = append(out, keys[name])
	}
	return out
}
