package images_test

import (
	"fmt"
	"net/http"
	"testing"

	"apistarter/internal/images"
	"apistarter/internal/testutil"
)

type relState struct {
	image   int64
	order   int32
	isCover bool
}

// relations lists the target's relations in order.
func (e *env) relations(t testing.TB, target string, objectID int64) []relState {
	t.Helper()
	rows, err := e.s.App.DB.Query(t.Context(),
		`SELECT image_id, "order", is_cover FROM image_relations WHERE target_type = $1 AND object_id = $2 ORDER BY "order"`, target, objectID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []relState
	for rows.Next() {
		var r relState
		if err := rows.Scan(&r.image, &r.order, &r.isCover); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func (e *env) wantRelations(t testing.TB, objectID int64, want ...relState) {
	t.Helper()
	got := e.relations(t, "contacts.contact", objectID)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("relations %v, want %v", got, want)
	}
}

func TestRelationRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bob := e.s.CreateUser(t, "bob")
	otherOrg := testutil.Scalar[int64](t, e.s, `SELECT id FROM organizations WHERE slug = $1`, bob.PersonalOrg)
	i1, i2, i3 := e.insertImage(t, e.orgID, "one"), e.insertImage(t, e.orgID, "two"), e.insertImage(t, e.orgID, "three")
	foreign := e.insertImage(t, otherOrg, "foreign")
	c := e.insertContact(t, e.orgID, "carol")
	foreignContact := e.insertContact(t, otherOrg, "dave")
	obj := fmt.Sprintf("%s/images/contacts/contact/%d/", e.org, c)
	ids := func(v ...int64) string {
		return fmt.Sprintf(`{"image_ids":%s}`, jsonInts(v))
	}
	tok := e.alice.Token
	e.s.Run(t, []testutil.Scenario{
		{Name: "empty list", Method: "GET", URL: obj, Token: tok, ExpectedStatus: 200, ExpectedBody: []string{`{"items":[],"count":0}`}},
		{Name: "type outside the allowlist", Method: "GET", URL: e.org + "/images/accounts/user/1/", Token: tok,
			ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Object type not found"}`}},
		{Name: "other org's contact", Method: "GET", URL: fmt.Sprintf("%s/images/contacts/contact/%d/", e.org, foreignContact), Token: tok,
			ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Object not found"}`}},
		{Name: "other org as target", Method: "POST", URL: fmt.Sprintf("%s/images/organizations/organization/%d/", e.org, otherOrg), Token: tok,
			Body: ids(i1), ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Object not found"}`}},
		{Name: "outsider", Method: "GET", URL: obj, Token: bob.Token, ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Organization not found"}`}},
		{Name: "anonymous", Method: "GET", URL: obj, ExpectedStatus: 401},
		{Name: "bad ordering", Method: "GET", URL: obj + "?ordering=id", Token: tok, ExpectedStatus: 400,
			ExpectedBody: []string{`{"detail":"Invalid ordering. Allowed: order, -order, created_at, -created_at, title, -title"}`}},
		{Name: "attach another org's image", Method: "POST", URL: obj, Token: tok, Body: ids(i1, foreign), ExpectedStatus: 404,
			ExpectedBody: []string{`{"detail":"One or more images do not belong to this organization"}`},
			After:        func(t testing.TB, _ *http.Response, _ string) { e.wantRelations(t, c) }},
		{Name: "attach: first becomes cover, orders follow", Method: "POST", URL: obj, Token: tok, Body: ids(i1, i2), ExpectedStatus: 200,
			ExpectedBody: []string{`"is_cover":true,"order":0`, `"is_cover":false,"order":1`, `"content_type":"contact"`, fmt.Sprintf(`"object_id":%d`, c)},
			After: func(t testing.TB, _ *http.Response, body string) {
				out := testutil.Decode[[]images.RelationOut](t, body)
				if len(out) != 2 || out[0].Image.ID != i1 || out[1].Image.ID != i2 {
					t.Errorf("response order: %s", body)
				}
				e.wantRelations(t, c, relState{i1, 0, true}, relState{i2, 1, false})
			}},
		{Name: "attach again: existing unchanged, request order kept", Method: "POST", URL: obj, Token: tok, Body: ids(i3, i2), ExpectedStatus: 200,
			After: func(t testing.TB, _ *http.Response, body string) {
				out := testutil.Decode[[]images.RelationOut](t, body)
				if len(out) != 2 || out[0].Image.ID != i3 || *out[0].Order != 2 || out[1].Image.ID != i2 || *out[1].Order != 1 {
					t.Errorf("response: %s", body)
				}
				e.wantRelations(t, c, relState{i1, 0, true}, relState{i2, 1, false}, relState{i3, 2, false})
			}},
		{Name: "list", Method: "GET", URL: obj + "?ordering=-order&limit=2", Token: tok, ExpectedStatus: 200,
			After: func(t testing.TB, _ *http.Response, body string) {
				p := testutil.Decode[struct {
					Items []images.RelationOut
					Count int
				}](t, body)
				if p.Count != 3 || len(p.Items) != 2 || p.Items[0].Image.ID != i3 || p.Items[1].Image.ID != i2 {
					t.Errorf("page: %s", body)
				}
			}},
		{Name: "reorder with duplicates", Method: "POST", URL: obj + "reorder", Token: tok, Body: ids(i1, i1, i2), ExpectedStatus: 400,
			ExpectedBody: []string{`{"detail":"Duplicate image ids in request"}`}},
		{Name: "reorder with a stranger", Method: "POST", URL: obj + "reorder", Token: tok, Body: ids(i1, i2, foreign), ExpectedStatus: 400,
			ExpectedBody: []string{`{"detail":"One or more image ids are not attached to this object"}`}},
		{Name: "reorder a subset", Method: "POST", URL: obj + "reorder", Token: tok, Body: ids(i2, i1), ExpectedStatus: 400,
			ExpectedBody: []string{`{"detail":"Reorder must include all currently attached image ids"}`}},
		{Name: "reorder: permutation, first is cover", Method: "POST", URL: obj + "reorder", Token: tok, Body: ids(i3, i1, i2), ExpectedStatus: 200,
			ExpectedBody: []string{`{"detail":"ok"}`},
			After: func(t testing.TB, _ *http.Response, _ string) {
				e.wantRelations(t, c, relState{i3, 0, true}, relState{i1, 1, false}, relState{i2, 2, false})
			}},
		{Name: "set cover keeps orders", Method: "POST", URL: obj + "set_cover", Token: tok, Body: fmt.Sprintf(`{"image_id":%d}`, i2), ExpectedStatus: 200,
			ExpectedBody: []string{`{"detail":"ok"}`},
			After: func(t testing.TB, _ *http.Response, _ string) {
				e.wantRelations(t, c, relState{i3, 0, false}, relState{i1, 1, false}, relState{i2, 2, true})
			}},
		{Name: "set cover twice is fine", Method: "POST", URL: obj + "set_cover", Token: tok, Body: fmt.Sprintf(`{"image_id":%d}`, i2), ExpectedStatus: 200},
		{Name: "set cover of an unattached image", Method: "POST", URL: obj + "set_cover", Token: tok, Body: fmt.Sprintf(`{"image_id":%d}`, foreign),
			ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Image is not attached to this object"}`}},
		{Name: "unset cover", Method: "POST", URL: obj + "unset_cover", Token: tok, ExpectedStatus: 200, ExpectedBody: []string{`{"detail":"ok"}`},
			After: func(t testing.TB, _ *http.Response, _ string) {
				e.wantRelations(t, c, relState{i3, 0, false}, relState{i1, 1, false}, relState{i2, 2, false})
			}},
		{Name: "unset cover twice is fine", Method: "POST", URL: obj + "unset_cover", Token: tok, ExpectedStatus: 200},
		{Name: "detach", Method: "DELETE", URL: fmt.Sprintf("%s%d/", obj, i1), Token: tok, ExpectedStatus: 204,
			After: func(t testing.TB, _ *http.Response, _ string) {
				e.wantRelations(t, c, relState{i3, 0, false}, relState{i2, 2, false})
			}},
		{Name: "detach again", Method: "DELETE", URL: fmt.Sprintf("%s%d/", obj, i1), Token: tok, ExpectedStatus: 404,
			ExpectedBody: []string{`{"detail":"Image relation not found"}`}},
		{Name: "bulk attach another org's image", Method: "POST", URL: obj + "bulk_attach/", Token: tok, Body: ids(i1, foreign), ExpectedStatus: 403,
			ExpectedBody: []string{`{"detail":"One or more images do not belong to this organization"}`}},
		{Name: "bulk attach: only new ids reported", Method: "POST", URL: obj + "bulk_attach/", Token: tok, Body: ids(i2, i1, i1), ExpectedStatus: 200,
			ExpectedBody: []string{fmt.Sprintf(`{"attached":[%d]}`, i1)},
			After: func(t testing.TB, _ *http.Response, _ string) {
				// No cover (it was unset): the first new relation takes it.
				e.wantRelations(t, c, relState{i3, 0, false}, relState{i2, 2, false}, relState{i1, 3, true})
			}},
		{Name: "bulk detach: in relation order, strangers ignored", Method: "POST", URL: obj + "bulk_detach/", Token: tok, Body: ids(i1, foreign, i3, 9999),
			ExpectedStatus: 200, ExpectedBody: []string{fmt.Sprintf(`{"detached":[%d,%d]}`, i3, i1)},
			After: func(t testing.TB, _ *http.Response, _ string) { e.wantRelations(t, c, relState{i2, 2, false}) }},
		{Name: "null ids", Method: "POST", URL: obj + "bulk_attach/", Token: tok, Body: `{"image_ids":null}`, ExpectedStatus: 400},
		{Name: "unknown field", Method: "POST", URL: obj, Token: tok, Body: `{"image_ids":[],"x":1}`, ExpectedStatus: 400},
		{Name: "object id not a number", Method: "GET", URL: e.org + "/images/contacts/contact/abc/", Token: tok, ExpectedStatus: 400},
		{Name: "case-insensitive type, org target", Method: "POST", URL: fmt.Sprintf("%s/images/Organizations/Organization/%d/", e.org, e.orgID), Token: tok,
			Body: ids(i1), ExpectedStatus: 200, ExpectedBody: []string{`"content_type":"organization"`, `"is_cover":true`}},
	})

	// Reordering a target without relations is a no-op.
	empty := e.insertContact(t, e.orgID, "empty")
	st, body := e.call(t, "POST", fmt.Sprintf("%s/images/contacts/contact/%d/reorder", e.org, empty), tok, ids(i1, i1), nil)
	if st != 200 || body != `{"detail":"ok"}`+"\n" {
		t.Errorf("reorder without relations: %d %s", st, body)
	}
}

func jsonInts(v []int64) string {
	s := "["
	for i, n := range v {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprint(n)
	}
	return s + "]"
}

func TestDeletingTargetsRemovesTheirRelations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	img := e.insertImage(t, e.orgID, "x")
	c1, c2 := e.insertContact(t, e.orgID, "c1"), e.insertContact(t, e.orgID, "c2")
	for _, c := range []int64{c1, c2} {
		if st, body := e.call(t, "POST", fmt.Sprintf("%s/images/contacts/contact/%d/", e.org, c), e.alice.Token, fmt.Sprintf(`{"image_ids":[%d]}`, img), nil); st != 200 {
			t.Fatalf("attach: %d %s", st, body)
		}
	}
	testutil.Exec(t, e.s, `DELETE FROM contacts WHERE id = $1`, c1)
	if got := e.relations(t, "contacts.contact", c1); len(got) != 0 {
		t.Errorf("relations of a deleted contact: %v", got)
	}
	if got := e.relations(t, "contacts.contact", c2); len(got) != 1 {
		t.Errorf("relations of the other contact: %v", got)
	}
}
