package contacts_test

import (
	"context"
	"testing"

	"apistarter/internal/apperr"
	"apistarter/internal/contacts"
	"apistarter/internal/orgs"
	"apistarter/internal/testutil"
)

// When base, base-1 … base-499 and every retry slug are taken, create
// answers the documented 409; a free retry slug is used otherwise.
func TestCreateAnswers409WhenSlugsAreExhausted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID := testutil.Scalar[int64](t, e.s, `SELECT id FROM organizations WHERE slug = $1`, e.org)
	testutil.Exec(t, e.s, `INSERT INTO contacts (organization_id, display_name, slug)
		SELECT $1, 'Popular', CASE WHEN g = 0 THEN 'popular' ELSE 'popular-' || g END FROM generate_series(0, 499) g`, orgID)
	svc := contacts.NewService(e.s.App.DB, func(key string) string { return "http://media.test/" + key })
	svc.SetRandomSlug(func(base string) string { return base + "-deadbeef" })
	sc := orgs.Scope{OrgID: orgID, Slug: e.org, UserID: e.owner.ID, Role: orgs.RoleOwner}
	f := &contacts.Fields{DisplayName: contacts.Optional[string]{Set: true, Value: "Popular"}}

	c, err := svc.Create(context.Background(), sc, e.owner.Slug, f)
	if err != nil || c.Slug != "popular-deadbeef" {
		t.Fatalf("first create after exhaustion: %+v, %v", c, err)
	}
	_, err = svc.Create(context.Background(), sc, e.owner.Slug, f)
	ae, ok := err.(*apperr.Error)
	if !ok || ae.GetStatus() != 409 || ae.Detail != "A contact with this slug already exists." {
		t.Fatalf("second create: %v, want the 409", err)
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT n FROM contact_counts WHERE organization_id = $1`, orgID); n != 501 {
		t.Fatalf("contact_counts = %d, want 501", n)
	}
}
