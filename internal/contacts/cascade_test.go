package contacts_test

import (
	"strings"
	"testing"

	"apistarter/internal/testutil"
)

// Deleting an org takes its contacts, tags, assignments and counter with it
// (the statement triggers cope with the cascade).
func TestOrgDeletionCascadesThroughContactsAndTags(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID := e.s.CreateGroupOrg(t, e.owner, "team")
	base := "/api/v1/orgs/team/contacts/"
	var ids []int64
	for _, n := range []string{"One", "Two"} {
		code, body := e.call(t, "POST", base, e.owner.Token, `{"display_name":"`+n+`"}`)
		if code != 201 {
			t.Fatalf("create: %d %s", code, body)
		}
		ids = append(ids, testutil.Decode[struct{ ID int64 }](t, body).ID)
	}
	for _, u := range []string{"contacts/contact/" + testutil.Itoa(ids[0]), "organizations/organization/" + testutil.Itoa(orgID)} {
		if code, body := e.call(t, "POST", "/api/v1/orgs/team/tags/"+u+"/", e.owner.Token, `["x","y"]`); code != 200 {
			t.Fatalf("assign: %d %s", code, body)
		}
	}
	keep := e.create(t, `{"display_name":"Elsewhere"}`)
	testutil.Exec(t, e.s, `DELETE FROM organizations WHERE id = $1`, orgID)
	for table, q := range map[string]string{
		"contacts":       `SELECT count(*) FROM contacts WHERE organization_id = $1`,
		"tags":           `SELECT count(*) FROM tags WHERE organization_id = $1`,
		"contact_counts": `SELECT count(*) FROM contact_counts WHERE organization_id = $1`,
	} {
		if n := testutil.Scalar[int64](t, e.s, q, orgID); n != 0 {
			t.Errorf("%s: %d rows left", table, n)
		}
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM tagged_items`); n != 0 {
		t.Errorf("%d assignments left", n)
	}
	if p := e.list(t, ""); len(p.Items) != 1 || p.Items[0].ID != keep.ID || p.Count != 1 {
		t.Errorf("personal org list = %+v", p)
	}
}

// A contact whose creator is gone shows creator null.
func TestContactWithoutCreator(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.create(t, `{"display_name":"Orphan"}`)
	testutil.Exec(t, e.s, `UPDATE contacts SET creator_id = NULL WHERE id = $1`, c.ID)
	if code, body := e.call(t, "GET", e.base+c.Slug+"/", e.owner.Token, ""); code != 200 || !strings.Contains(body, `"creator":null`) {
		t.Fatalf("get: %d %s", code, body)
	}
	if p := e.list(t, ""); p.Items[0].Creator != nil {
		t.Fatalf("list creator = %v", *p.Items[0].Creator)
	}
}
