package contacts

import (
	"context"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/orgs"
	"apistarter/internal/textnorm"
)

func slugTaken() error { return apperr.Conflict("A contact with this slug already exists.") }

func isSlugConflict(err error) bool {
	name, ok := db.Constraint(err, "23505")
	return ok && name == "contacts_org_slug_unique"
}

// validSlug filters path values that cannot name a contact, so they never
// reach PostgreSQL (NUL and invalid UTF-8 are errors there).
func validSlug(slug string) bool { return len(slug) <= maxSlugLength && textnorm.ValidText(slug) }

// Create inserts a contact with a fresh slug: base, base-1, base-2 …, then
// random suffixes when concurrent creates race for the same one.
func (s *Service) Create(ctx context.Context, sc orgs.Scope, creatorSlug string, f *Fields) (ContactOut, error) {
	p := sqlc.InsertContactParams{
		OrganizationID: sc.OrgID, CreatorID: &sc.UserID, DisplayName: f.displayName(),
		FirstName: f.FirstName.Val(), LastName: f.LastName.Val(), Email: f.Email.Val(),
		Location: f.Location.Val(), Phone: f.Phone.Val(), Notes: f.Notes.Val(),
	}
	base := slugBase(p.DisplayName)
	var c sqlc.Contact
	var err error
	for n := 0; n < slugBatches; n++ {
		p.Candidates = slugCandidates(base, n)
		if c, err = s.q.InsertContact(ctx, p); !db.IsNoRows(err) {
			break
		}
	}
	for try := 0; try < slugRetries && (db.IsNoRows(err) || isSlugConflict(err)); try++ {
		p.Candidates = []string{s.randomSlug(base)}
		c, err = s.q.InsertContact(ctx, p)
	}
	switch {
	case db.IsNoRows(err) || isSlugConflict(err):
		return ContactOut{}, slugTaken()
	case err != nil:
		return ContactOut{}, fmt.Errorf("contacts: create: %w", err)
	}
	return s.out(sc.Slug, row{Contact: c, CreatorSlug: &creatorSlug})
}

// Get returns one contact of the org with its tags.
func (s *Service) Get(ctx context.Context, sc orgs.Scope, slug string) (ContactOut, error) {
	if !validSlug(slug) {
		return ContactOut{}, apperr.NotFoundDefault()
	}
	r, err := s.q.GetContact(ctx, sqlc.GetContactParams{OrganizationID: sc.OrgID, Slug: slug})
	if db.IsNoRows(err) {
		return ContactOut{}, apperr.NotFoundDefault()
	}
	if err != nil {
		return ContactOut{}, fmt.Errorf("contacts: get: %w", err)
	}
	return s.out(sc.Slug, row{Contact: r.Contact, CreatorSlug: r.CreatorSlug, TagsJSON: r.Tags})
}

// Replace is PUT: every field written, omitted or null ones as "", the
// display name recomputed. The slug never changes.
func (s *Service) Replace(ctx context.Context, sc orgs.Scope, slug string, f *Fields) (ContactOut, error) {
	if !validSlug(slug) {
		return ContactOut{}, apperr.NotFoundDefault()
	}
	_, err := s.q.ReplaceContact(ctx, sqlc.ReplaceContactParams{
		DisplayName: f.displayName(), FirstName: f.FirstName.Val(), LastName: f.LastName.Val(),
		Email: f.Email.Val(), Location: f.Location.Val(), Phone: f.Phone.Val(), Notes: f.Notes.Val(),
		OrganizationID: sc.OrgID, Slug: slug,
	})
	if db.IsNoRows(err) {
		return ContactOut{}, apperr.NotFoundDefault()
	}
	if err != nil {
		return ContactOut{}, fmt.Errorf("contacts: replace: %w", err)
	}
	return s.Get(ctx, sc, slug)
}

// Patch writes only the sent keys; null writes "".
func (s *Service) Patch(ctx context.Context, sc orgs.Scope, slug string, f *Fields) (ContactOut, error) {
	if !validSlug(slug) {
		return ContactOut{}, apperr.NotFoundDefault()
	}
	_, err := s.q.PatchContact(ctx, sqlc.PatchContactParams{
		DisplayName: f.DisplayName.Ptr(), FirstName: f.FirstName.Ptr(), LastName: f.LastName.Ptr(),
		Email: f.Email.Ptr(), Location: f.Location.Ptr(), Phone: f.Phone.Ptr(), Notes: f.Notes.Ptr(),
		OrganizationID: sc.OrgID, Slug: slug,
	})
	if db.IsNoRows(err) {
		return ContactOut{}, apperr.NotFoundDefault()
	}
	if err != nil {
		return ContactOut{}, fmt.Errorf("contacts: patch: %w", err)
	}
	return s.Get(ctx, sc, slug)
}

// Delete removes a contact. Triggers take its tag assignments and image
// relations with it and, in the same transaction, write the outbox task
// that deletes its avatar files (so an org cascade cleans them too).
func (s *Service) Delete(ctx context.Context, sc orgs.Scope, slug string) error {
	if !validSlug(slug) {
		return apperr.NotFoundDefault()
	}
	n, err := s.q.DeleteContact(ctx, sqlc.DeleteContactParams{OrganizationID: sc.OrgID, Slug: slug})
	if err != nil {
		return fmt.Errorf("contacts: delete: %w", err)
	}
	if n == 0 {
		return apperr.NotFoundDefault()
	}
	return nil
}
