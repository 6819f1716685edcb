package images_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"apistarter/internal/testutil"
)

func TestBulkDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.upload(t, "a.png"), e.upload(t, "b.png")
	bob := e.s.CreateUser(t, "bob")
	foreign := e.insertImage(t, testutil.Scalar[int64](t, e.s, `SELECT id FROM organizations WHERE slug = $1`, bob.PersonalOrg), "bob's")
	url := e.org + "/bulk-delete/"
	tok := e.alice.Token
	e.s.Run(t, []testutil.Scenario{
		{Name: "no ids", Method: "POST", URL: url, Token: tok, Body: `{"ids":[]}`, ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"No ids provided for deletion"}`}},
		{Name: "no body", Method: "POST", URL: url, Token: tok, ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"No ids provided for deletion"}`}},
		{Name: "invalid JSON", Method: "POST", URL: url, Token: tok, Body: `{"ids":[1,`, ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"Invalid JSON data"}`}},
		{Name: "ids not integers", Method: "POST", URL: url, Token: tok, Body: `{"ids":["x"]}`, ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"Invalid JSON data"}`}},
		{Name: "outsider", Method: "POST", URL: url, Token: bob.Token, Body: fmt.Sprintf(`{"ids":[%d]}`, a.ID), ExpectedStatus: 404,
			ExpectedBody: []string{`{"detail":"Organization not found"}`}},
		{Name: "partial: deletions kept", Method: "POST", URL: url, Token: tok, Body: fmt.Sprintf(`{"ids":[%d,%d,%d]}`, a.ID, foreign, a.ID), ExpectedStatus: 400,
			ExpectedBody: []string{fmt.Sprintf(`{"detail":"Some images could not be deleted","deleted":[%d],"failed":[{"id":%d,"reason":"not found"},{"id":%d,"reason":"not found"}]}`, a.ID, foreign, a.ID)},
			After: func(t testing.TB, _ *http.Response, _ string) {
				if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM images WHERE id = $1`, a.ID); n != 0 {
					t.Errorf("deleted image still there")
				}
				if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM images WHERE id = $1`, foreign); n != 1 {
					t.Errorf("other org's image deleted")
				}
				if got := testutil.ScheduledDeletes(t, e.s); !slices.Equal(got, variantList(a.VariantKeys)) {
					t.Errorf("scheduled %v", got)
				}
			}},
		{Name: "none deleted", Method: "POST", URL: url, Token: tok, Body: fmt.Sprintf(`{"ids":[%d]}`, a.ID), ExpectedStatus: 400,
			ExpectedBody: []string{fmt.Sprintf(`{"detail":"No images were deleted","deleted":[],"failed":[{"id":%d,"reason":"not found"}]}`, a.ID)}},
		{Name: "form body", Method: "POST", URL: url, Token: tok, Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			Body: fmt.Sprintf("ids=%d", b.ID), ExpectedStatus: 204},
	})
}

func TestBulkDeleteIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.upload(t, "a.png"), e.upload(t, "b.png")
	url := e.org + "/bulk-delete/"
	key := func(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }

	// A partial failure is stored and replayed as the same 400.
	partial := fmt.Sprintf(`{"ids": [%d, 99999]}`, a.ID)
	st1, body1 := e.call(t, "POST", url, e.alice.Token, partial, key("k1"))
	st2, body2 := e.call(t, "POST", url, e.alice.Token, fmt.Sprintf(`{"ids":[%d,99999]}`, a.ID), key("  k1 ")) // same JSON, other spacing; key trimmed
	if st1 != 400 || st2 != 400 || body1 != body2 || !strings.Contains(body1, "Some images could not be deleted") {
		t.Errorf("partial replay:\n%d %s\n%d %s", st1, body1, st2, body2)
	}
	// A 204 replays as a 204, and deletes nothing more.
	st1, body1 = e.call(t, "POST", url, e.alice.Token, fmt.Sprintf(`{"ids":[%d]}`, b.ID), key("k2"))
	st2, body2 = e.call(t, "POST", url, e.alice.Token, fmt.Sprintf(`{"ids":[%d]}`, b.ID), key("k2"))
	if st1 != 204 || st2 != 204 || body1 != "" || body2 != "" {
		t.Errorf("204 replay: %d %q / %d %q", st1, body1, st2, body2)
	}
	if n := len(testutil.ScheduledDeletes(t, e.s)); n != 10 {
		t.Errorf("%d keys scheduled, want 10 (two images, once each)", n)
	}
	st, body := e.call(t, "POST", url, e.alice.Token, `{"ids":[1,2,3]}`, key("k2"))
	if st != 409 || body != `{"detail":"Idempotency-Key was already used for a different request."}`+"\n" {
		t.Errorf("other body: %d %s", st, body)
	}
	// Errors are not stored: the same key may be used again.
	if st, _ := e.call(t, "POST", url, e.alice.Token, `{"ids":[]}`, key("k3")); st != 400 {
		t.Errorf("no ids: %d", st)
	}
	if st, body := e.call(t, "POST", url, e.alice.Token, `{"ids":[424242]}`, key("k3")); st != 400 || !strings.Contains(body, "No images were deleted") {
		t.Errorf("key reused after an error: %d %s", st, body)
	}
	// Keys are per user.
	bob := e.s.CreateUser(t, "bob")
	if st, body := e.call(t, "POST", "/api/v1/orgs/"+bob.PersonalOrg+"/bulk-delete/", bob.Token, `{"ids":[1,2,3]}`, key("k2")); st != 400 || !strings.Contains(body, "No images were deleted") {
		t.Errorf("bob with alice's key: %d %s", st, body)
	}
	for _, k := range []string{"", "   ", strings.Repeat("k", 129)} {
		if st, body := e.call(t, "POST", url, e.alice.Token, `{"ids":[1]}`, key(k)); st != 400 || body != `{"detail":"Invalid Idempotency-Key."}`+"\n" {
			t.Errorf("key %q: %d %s", k, st, body)
		}
	}
	if st, _ := e.call(t, "POST", url, e.alice.Token, `{"ids":[424242]}`, key(strings.Repeat("é", 128))); st != 400 {
		t.Errorf("128-character key refused")
	}
}

func TestBulkAttachIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	i1, i2 := e.insertImage(t, e.orgID, "one"), e.insertImage(t, e.orgID, "two")
	c := e.insertContact(t, e.orgID, "c")
	obj := fmt.Sprintf("%s/images/contacts/contact/%d/", e.org, c)
	key := map[string]string{"Idempotency-Key": "attach-1"}
	st1, body1 := e.call(t, "POST", obj+"bulk_attach/", e.alice.Token, fmt.Sprintf(`{"image_ids":[%d]}`, i1), key)
	// Meanwhile the relation changes; the replay still answers what the first run did.
	testutil.Exec(t, e.s, `DELETE FROM image_relations`)
	st2, body2 := e.call(t, "POST", obj+"bulk_attach/", e.alice.Token, fmt.Sprintf(`{"image_ids":[%d]}`, i1), key)
	if st1 != 200 || st2 != 200 || body1 != body2 || body1 != fmt.Sprintf(`{"attached":[%d]}`, i1) {
		t.Errorf("replay: %d %s / %d %s", st1, body1, st2, body2)
	}
	if n := len(e.relations(t, "contacts.contact", c)); n != 0 {
		t.Errorf("replay attached again")
	}
	if st, body := e.call(t, "POST", obj+"bulk_attach/", e.alice.Token, fmt.Sprintf(`{"image_ids":[%d]}`, i2), key); st != 409 {
		t.Errorf("other ids: %d %s", st, body)
	}
	// The key is scoped by path: detach with the same key is another request.
	if st, body := e.call(t, "POST", obj+"bulk_detach/", e.alice.Token, fmt.Sprintf(`{"image_ids":[%d]}`, i2), key); st != 200 || body != `{"detached":[]}` {
		t.Errorf("detach with the same key: %d %s", st, body)
	}
}

func TestBulkDeleteDatabaseFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.insertImage(t, e.orgID, "a")
	testutil.Exec(t, e.s, `CREATE FUNCTION fail_delete() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$ LANGUAGE plpgsql`)
	testutil.Exec(t, e.s, `CREATE TRIGGER images_fail BEFORE DELETE ON images FOR EACH ROW EXECUTE FUNCTION fail_delete()`)
	st, body := e.call(t, "POST", e.org+"/bulk-delete/", e.alice.Token, fmt.Sprintf(`{"ids":[%d]}`, a), map[string]string{"Idempotency-Key": "k"})
	if st != 500 || !strings.Contains(body, `"detail":"Image deletion failed."`) || !strings.Contains(body, `"request_id":"`) {
		t.Errorf("%d %s", st, body)
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM idempotency_records`); n != 0 {
		t.Errorf("a failure was stored")
	}
}
