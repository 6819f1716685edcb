package tags

import (
	"context"
	"fmt"
	"log/slog"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/httpapi"
	"apistarter/internal/logctx"
	"apistarter/internal/textnorm"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/cases"
)

func slugCollision() error {
	return apperr.Conflict("Two different tag names cannot share the same slug in an organization.")
}

// requestedTag is one distinct tag of an assignment request.
type requestedTag struct {
	name, slug, folded string
}

// dedupe normalises the names and keeps the first of each slug; two names
// with one slug must be the same name up to case.
func dedupe(names []string) ([]requestedTag, error) {
	if len(names) < 1 || len(names) > MaxTagsPerRequest {
		return nil, apperr.Invalid("Assign between 1 and 50 tags at a time.")
	}
	fold := cases.Fold()
	out := make([]requestedTag, 0, len(names))
	bySlug := make(map[string]int, len(names))
	for _, n := range names {
		clean, slug, err := NormalizeName(n)
		if err != nil {
			return nil, err
		}
		folded := fold.String(clean)
		if i, ok := bySlug[slug]; ok {
			if out[i].folded != folded {
				return nil, slugCollision()
			}
			continue
		}
		bySlug[slug] = len(out)
		out = append(out, requestedTag{name: clean, slug: slug, folded: folded})
	}
	return out, nil
}

// Assign attaches the named tags to target, creating the missing ones, all
// or nothing. Existing tags are reused case-insensitively and never renamed.
// The result follows the request order, one entry per distinct slug.
func (s *Service) Assign(ctx context.Context, orgID, userID int64, target Target, names []string) ([]TagOut, error) {
	req, err := dedupe(names)
	if err != nil {
		return nil, err
	}
	slugs := make([]string, len(req))
	for i, r := range req {
		slugs[i] = r.slug
	}
	var out []TagOut
	var attached []int64
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		q := s.q.WithTx(tx)
		if err := lockTarget(ctx, q, orgID, target); err != nil {
			return err
		}
		existing, err := q.TagsBySlugs(ctx, sqlc.TagsBySlugsParams{OrganizationID: orgID, Slugs: slugs})
		if err != nil {
			return fmt.Errorf("tags: assign: %w", err)
		}
		found, err := matchRequested(req, existing)
		if err != nil {
			return err
		}
		if len(found) < len(req) {
			var newNames, newSlugs []string
			for _, r := range req {
				if _, ok := found[r.slug]; !ok {
					newNames, newSlugs = append(newNames, r.name), append(newSlugs, r.slug)
				}
			}
			if err := q.InsertTagsIfMissing(ctx, sqlc.InsertTagsIfMissingParams{OrganizationID: orgID, Names: newNames, Slugs: newSlugs}); err != nil {
				return fmt.Errorf("tags: assign: create: %w", err)
			}
			if existing, err = q.TagsBySlugs(ctx, sqlc.TagsBySlugsParams{OrganizationID: orgID, Slugs: newSlugs}); err != nil {
				return fmt.Errorf("tags: assign: %w", err)
			}
			created, err := matchRequested(req, existing)
			if err != nil {
				return err
			}
			for k, v := range created {
				found[k] = v
			}
			if len(found) < len(req) {
				// A name taken under another slug (or a concurrent rename).
				return slugCollision()
			}
		}
		ids := make([]int64, len(req))
		out = make([]TagOut, len(req))
		for i, r := range req {
			t := found[r.slug]
			ids[i] = t.ID
			out[i] = TagOut{ID: t.ID, Name: t.Name, Slug: t.Slug, Organization: orgID}
		}
		attached, err = q.AttachTags(ctx, sqlc.AttachTagsParams{TargetType: target.Type, ObjectID: target.ObjectID, TagIds: ids})
		if err != nil {
			return fmt.Errorf("tags: assign: attach: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, id := range attached {
		audit(ctx, "tag_assign", orgID, userID, target, slog.Int64("tag_id", id))
	}
	return out, nil
}

// lockTarget keeps a contact target from being deleted until the
// transaction ends, so no assignment outlives its contact.
func lockTarget(ctx context.Context, q *sqlc.Queries, orgID int64, target Target) error {
	if target.Type != TargetContact {
		return nil
	}
	_, err := q.LockContactTarget(ctx, sqlc.LockContactTargetParams{ID: target.ObjectID, OrganizationID: orgID})
	if db.IsNoRows(err) {
		return apperr.NotFound("Object not found")
	}
	if err != nil {
		return fmt.Errorf("tags: lock target: %w", err)
	}
	return nil
}

// matchRequested indexes the rows by slug, refusing a row whose name is not
// the requested one up to case.
func matchRequested(req []requestedTag, rows []sqlc.TagsBySlugsRow) (map[string]sqlc.TagsBySlugsRow, error) {
	fold := cases.Fold()
	want := make(map[string]string, len(req))
	for _, r := range req {
		want[r.slug] = r.folded
	}
	found := make(map[string]sqlc.TagsBySlugsRow, len(rows))
	for _, t := range rows {
		if fold.String(t.Name) != want[t.Slug] {
			return nil, slugCollision()
		}
		found[t.Slug] = t
	}
	return found, nil
}

// ObjectTags pages through the tags attached to target.
func (s *Service) ObjectTags(ctx context.Context, orgID int64, target Target, ordering string, page httpapi.PageParams) (httpapi.Page[TagOut], error) {
	o, err := checkOrdering(ordering)
	if err != nil {
		return httpapi.Page[TagOut]{}, err
	}
	rows, err := s.q.ListObjectTags(ctx, sqlc.ListObjectTagsParams{TargetType: target.Type, ObjectID: target.ObjectID,
		OrganizationID: orgID, Ordering: o, Lim: int32(page.Limit), Off: int32(page.Offset)})
	if err != nil {
		return httpapi.Page[TagOut]{}, fmt.Errorf("tags: object tags: %w", err)
	}
	pr := make([]pageRow, len(rows))
	for i, r := range rows {
		pr[i] = pageRow(r)
	}
	return toPage(orgID, pr), nil
}

// Unassign detaches the org's tags with these ids from target and returns
// how many were attached. Other orgs' ids match nothing.
func (s *Service) Unassign(ctx context.Context, orgID, userID int64, target Target, ids []int64) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	n, err := s.q.DetachTags(ctx, sqlc.DetachTagsParams{OrganizationID: orgID, TagIds: ids, TargetType: target.Type, ObjectID: target.ObjectID})
	if err != nil {
		return 0, fmt.Errorf("tags: unassign: %w", err)
	}
	if n > 0 {
		audit(ctx, "tag_bulk_unassign", orgID, userID, target, slog.Int64("removed", n))
	}
	return n, nil
}

// UnassignSlug detaches one tag by slug; a missing tag or relation is fine.
func (s *Service) UnassignSlug(ctx context.Context, orgID, userID int64, target Target, slug string) error {
	if !textnorm.ValidText(slug) || len(slug) > MaxSlugLength {
		return nil
	}
	n, err := s.q.DetachTagBySlug(ctx, sqlc.DetachTagBySlugParams{OrganizationID: orgID, Slug: slug, TargetType: target.Type, ObjectID: target.ObjectID})
	if err != nil {
		return fmt.Errorf("tags: unassign: %w", err)
	}
	if n > 0 {
		audit(ctx, "tag_unassign", orgID, userID, target, slog.String("tag_slug", slug))
	}
	return nil
}

func audit(ctx context.Context, event string, orgID, userID int64, target Target, extra ...slog.Attr) {
	attrs := []slog.Attr{slog.String("event", event), slog.Int64("org_id", orgID), slog.Int64("user_id", userID)}
	if target.Type != "" {
		attrs = append(attrs, slog.String("target_type", target.Type), slog.Int64("object_id", target.ObjectID))
	}
	attrs = append(attrs, extra...)
	logctx.Logger(ctx).LogAttrs(ctx, slog.LevelInfo, "audit:"+event, attrs...)
}
