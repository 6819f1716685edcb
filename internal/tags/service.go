package tags

import (
	"context"
	"fmt"
	"unicode/utf8"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/httpapi"
	"apistarter/internal/textnorm"
)

// Orderings of tag lists; "" means name.
var orderings = map[string]bool{"name": true, "-name": true, "id": true, "-id": true}

func checkOrdering(o string) (string, error) {
	if o == "" {
		return "name", nil
	}
	if !orderings[o] {
		return "", apperr.Invalid("Invalid ordering. Allowed: name, -name, id, -id")
	}
	return o, nil
}

func conflictExists() error {
	return apperr.Conflict("A tag with this name or slug already exists in this organization.")
}

// pageRow is the shape shared by the paged queries: total on every row, a
// zero id when the page is empty.
type pageRow struct {
	Total int64
	ID    int64
	Name  string
	Slug  string
}

func toPage(orgID int64, rows []pageRow) httpapi.Page[TagOut] {
	p := httpapi.Page[TagOut]{Items: make([]TagOut, 0, len(rows))}
	for _, r := range rows {
		p.Count = r.Total
		if r.ID != 0 {
			p.Items = append(p.Items, TagOut{ID: r.ID, Name: r.Name, Slug: r.Slug, Organization: orgID})
		}
	}
	return p
}

// List pages through the org's tags.
func (s *Service) List(ctx context.Context, orgID int64, ordering string, page httpapi.PageParams) (httpapi.Page[TagOut], error) {
	o, err := checkOrdering(ordering)
	if err != nil {
		return httpapi.Page[TagOut]{}, err
	}
	rows, err := s.q.ListTags(ctx, sqlc.ListTagsParams{OrganizationID: orgID, Ordering: o, Lim: int32(page.Limit), Off: int32(page.Offset)})
	if err != nil {
		return httpapi.Page[TagOut]{}, fmt.Errorf("tags: list: %w", err)
	}
	pr := make([]pageRow, len(rows))
	for i, r := range rows {
		pr[i] = pageRow(r)
	}
	return toPage(orgID, pr), nil
}

// Search pages through the tags whose name contains q (case-insensitive).
func (s *Service) Search(ctx context.Context, orgID int64, q string, page httpapi.PageParams) (httpapi.Page[TagOut], error) {
	if !textnorm.ValidText(q) || utf8.RuneCountInString(q) > MaxNameLength {
		// Names are valid text of at most 50 characters: nothing can match.
		return httpapi.Page[TagOut]{Items: []TagOut{}}, nil
	}
	rows, err := s.q.SearchTags(ctx, sqlc.SearchTagsParams{OrganizationID: orgID, Pattern: textnorm.ContainsPattern(q), Lim: int32(page.Limit), Off: int32(page.Offset)})
	if err != nil {
		return httpapi.Page[TagOut]{}, fmt.Errorf("tags: search: %w", err)
	}
	pr := make([]pageRow, len(rows))
	for i, r := range rows {
		pr[i] = pageRow(r)
	}
	return toPage(orgID, pr), nil
}

// BySlug returns one tag of the org.
func (s *Service) BySlug(ctx context.Context, orgID int64, slug string) (TagOut, error) {
	if !textnorm.ValidText(slug) || len(slug) > MaxSlugLength {
		return TagOut{}, apperr.NotFoundDefault()
	}
	t, err := s.q.GetTagBySlug(ctx, sqlc.GetTagBySlugParams{Slug: slug, OrganizationID: orgID})
	if db.IsNoRows(err) {
		return TagOut{}, apperr.NotFoundDefault()
	}
	if err != nil {
		return TagOut{}, fmt.Errorf("tags: by slug: %w", err)
	}
	return TagOut{ID: t.ID, Name: t.Name, Slug: t.Slug, Organization: orgID}, nil
}

// Create adds a tag; a name or slug already used in the org is a 409.
func (s *Service) Create(ctx context.Context, orgID int64, name string) (TagOut, error) {
	clean, slug, err := NormalizeName(name)
	if err != nil {
		return TagOut{}, err
	}
	t, err := s.q.InsertTag(ctx, sqlc.InsertTagParams{OrganizationID: orgID, Name: clean, Slug: slug})
	if db.IsUniqueViolation(err) {
		return TagOut{}, conflictExists()
	}
	if err != nil {
		return TagOut{}, fmt.Errorf("tags: create: %w", err)
	}
	return TagOut{ID: t.ID, Name: t.Name, Slug: t.Slug, Organization: orgID}, nil
}

// Rename changes a tag's name and regenerates its slug; a nil name leaves
// the tag unchanged.
func (s *Service) Rename(ctx context.Context, orgID, id int64, name *string) (TagOut, error) {
	if name == nil {
		t, err := s.q.GetTag(ctx, sqlc.GetTagParams{ID: id, OrganizationID: orgID})
		if db.IsNoRows(err) {
			return TagOut{}, apperr.NotFoundDefault()
		}
		if err != nil {
			return TagOut{}, fmt.Errorf("tags: get: %w", err)
		}
		return TagOut{ID: t.ID, Name: t.Name, Slug: t.Slug, Organization: orgID}, nil
	}
	clean, slug, err := NormalizeName(*name)
	if err != nil {
		return TagOut{}, err
	}
	t, err := s.q.RenameTag(ctx, sqlc.RenameTagParams{Name: clean, Slug: slug, ID: id, OrganizationID: orgID})
	switch {
	case db.IsNoRows(err):
		return TagOut{}, apperr.NotFoundDefault()
	case db.IsUniqueViolation(err):
		return TagOut{}, conflictExists()
	case err != nil:
		return TagOut{}, fmt.Errorf("tags: rename: %w", err)
	}
	return TagOut{ID: t.ID, Name: t.Name, Slug: t.Slug, Organization: orgID}, nil
}

// Delete removes a tag and its assignments.
func (s *Service) Delete(ctx context.Context, orgID, id int64) error {
	n, err := s.q.DeleteTag(ctx, sqlc.DeleteTagParams{ID: id, OrganizationID: orgID})
	if err != nil {
		return fmt.Errorf("tags: delete: %w", err)
	}
	if n == 0 {
		return apperr.NotFoundDefault()
	}
	return nil
}
