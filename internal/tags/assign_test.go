package tags_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"apistarter/internal/httpapi"
	"apistarter/internal/tags"
	"apistarter/internal/testutil"
)

func TestAssignTags(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.contact(t, e.org, e.owner.Token, "Ada")
	url := e.objectURL(c)
	tok := e.owner.Token
	e.tag(t, "VIP")
	e.tag(t, "C++")
	tagCount := func() int64 { return testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM tags`) }
	attached := func() int64 {
		return testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM tagged_items WHERE target_type = 'contacts.contact' AND object_id = $1`, c)
	}
	fifty := make([]string, 51)
	for i := range fifty {
		fifty[i] = fmt.Sprintf("tag-%d", i)
	}
	over, _ := json.Marshal(fifty)
	exact, _ := json.Marshal(fifty[:50])

	e.s.Run(t, []testutil.Scenario{
		{Name: "existing reused without renaming, duplicates folded, request order", Method: "POST", URL: url, Token: tok,
			Body: `["newsletter", "vip", " VIP ", "Newsletter"]`, ExpectedStatus: 200,
			After: func(t testing.TB, _ *httpResponse, body string) {
				got := testutil.Decode[[]tags.TagOut](t, body)
				if !slices.Equal(tagNames(got), []string{"newsletter", "VIP"}) || got[1].Slug != "vip" || got[0].Organization != e.orgID {
					t.Errorf("got %+v", got)
				}
				if n := attached(); n != 2 {
					t.Errorf("%d attached, want 2", n)
				}
			}},
		{Name: "reassigning is a no-op", Method: "POST", URL: url, Token: tok, Body: `["VIP"]`, ExpectedStatus: 200,
			ExpectedBody: []string{`"name":"VIP"`},
			After: func(t testing.TB, _ *httpResponse, _ string) {
				if n := attached(); n != 2 {
					t.Errorf("%d attached, want 2", n)
				}
			}},
		{Name: "slug taken by another name", Method: "POST", URL: url, Token: tok, Body: `["fresh", "C#"]`, ExpectedStatus: 409,
			ExpectedBody: []string{`{"detail":"Two different tag names cannot share the same slug in an organization."}`},
			After: func(t testing.TB, _ *httpResponse, _ string) {
				if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM tags WHERE slug = 'fresh'`); n != 0 {
					t.Error("a tag created by a failed assignment survived")
				}
				if n := attached(); n != 2 {
					t.Errorf("%d attached after failure, want 2", n)
				}
			}},
		{Name: "two request names, one slug", Method: "POST", URL: url, Token: tok, Body: `["Go!", "go?"]`, ExpectedStatus: 409,
			ExpectedBody: []string{"Two different tag names cannot share the same slug in an organization."}},
		{Name: "empty list", Method: "POST", URL: url, Token: tok, Body: `[]`, ExpectedStatus: 400,
			ExpectedBody: []string{`{"detail":"Assign between 1 and 50 tags at a time."}`}},
		{Name: "null list", Method: "POST", URL: url, Token: tok, Body: `null`, ExpectedStatus: 400,
			ExpectedBody: []string{`"location":["body"]`, "request body is required"}},
		{Name: "51 names", Method: "POST", URL: url, Token: tok, Body: string(over), ExpectedStatus: 400,
			ExpectedBody: []string{"Assign between 1 and 50 tags at a time."}},
		{Name: "blank name", Method: "POST", URL: url, Token: tok, Body: `["ok", " "]`, ExpectedStatus: 400,
			ExpectedBody: []string{"Tag names cannot be empty."}},
		{Name: "symbols only", Method: "POST", URL: url, Token: tok, Body: `["!?!"]`, ExpectedStatus: 400,
			ExpectedBody: []string{"Tag names must contain at least one letter or number."}},
		{Name: "long name", Method: "POST", URL: url, Token: tok, Body: `["` + strings.Repeat("x", 51) + `"]`, ExpectedStatus: 400,
			ExpectedBody: []string{"Tag names cannot exceed 50 characters."}},
		{Name: "not strings", Method: "POST", URL: url, Token: tok, Body: `[1, 2]`, ExpectedStatus: 400},
		{Name: "object body", Method: "POST", URL: url, Token: tok, Body: `{"names":["x"]}`, ExpectedStatus: 400},
		{Name: "no body", Method: "POST", URL: url, Token: tok, ExpectedStatus: 400},
		{Name: "nothing created by failures", Method: "GET", URL: e.base, Token: tok, ExpectedStatus: 200,
			After: func(t testing.TB, _ *httpResponse, _ string) {
				if n := tagCount(); n != 3 {
					t.Errorf("%d tags, want 3 (VIP, C++, newsletter)", n)
				}
			}},
		{Name: "fifty names at once", Method: "POST", URL: url, Token: tok, Body: string(exact), ExpectedStatus: 200,
			After: func(t testing.TB, _ *httpResponse, body string) {
				if got := testutil.Decode[[]tags.TagOut](t, body); len(got) != 50 || got[0].Name != "tag-0" || got[49].Name != "tag-49" {
					t.Errorf("got %d tags", len(got))
				}
			}},
		{Name: "app and model are case-insensitive", Method: "POST", URL: e.base + "Contacts/CONTACT/" + testutil.Itoa(c) + "/", Token: tok,
			Body: `["vip"]`, ExpectedStatus: 200},
	})
}

type httpResponse = http.Response

func TestObjectTagRoutesAndTargets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bob := e.s.CreateUser(t, "bob")
	mine := e.contact(t, e.org, e.owner.Token, "Mine")
	bobs := e.contact(t, bob.PersonalOrg, bob.Token, "Bob's")
	bobOrgID := testutil.Scalar[int64](t, e.s, `SELECT id FROM organizations WHERE slug = $1`, bob.PersonalOrg)
	bobTag := testutil.Decode[tags.TagOut](t, mustCall(t, e, "POST", "/api/v1/orgs/"+bob.PersonalOrg+"/tags/", bob.Token, `{"name":"zeta"}`, 200))
	mustCall(t, e, "POST", "/api/v1/orgs/"+bob.PersonalOrg+"/tags/contacts/contact/"+testutil.Itoa(bobs)+"/", bob.Token, `["zeta"]`, 200)
	tok := e.owner.Token
	url := e.objectURL(mine)
	orgURL := e.base + "organizations/organization/" + testutil.Itoa(e.orgID) + "/"
	got := testutil.Decode[[]tags.TagOut](t, mustCall(t, e, "POST", url, tok, `["beta", "alpha", "gamma"]`, 200))
	ids := map[string]int64{}
	for _, tg := range got {
		ids[tg.Name] = tg.ID
	}
	type page = httpapi.Page[tags.TagOut]
	listOf := func(t testing.TB, body string) []string { return tagNames(testutil.Decode[page](t, body).Items) }

	e.s.Run(t, []testutil.Scenario{
		{Name: "list object tags by name", Method: "GET", URL: url, Token: tok, ExpectedStatus: 200,
			After: func(t testing.TB, _ *httpResponse, body string) {
				if got := listOf(t, body); !slices.Equal(got, []string{"alpha", "beta", "gamma"}) || testutil.Decode[page](t, body).Count != 3 {
					t.Errorf("got %v", got)
				}
			}},
		{Name: "list object tags -id paged", Method: "GET", URL: url + "?ordering=-id&limit=1&offset=1", Token: tok, ExpectedStatus: 200,
			ExpectedBody: []string{`"count":3`, `"name":"alpha"`}, NotExpected: []string{`"gamma"`, `"beta"`}},
		{Name: "list object tags bad ordering", Method: "GET", URL: url + "?ordering=nope", Token: tok, ExpectedStatus: 400,
			ExpectedBody: []string{"Invalid ordering. Allowed: name, -name, id, -id"}},
		{Name: "type outside the allowlist", Method: "GET", URL: e.base + "accounts/user/" + testutil.Itoa(e.owner.ID) + "/", Token: tok,
			ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Object type not found"}`}},
		{Name: "images are not a target", Method: "POST", URL: e.base + "images/image/1/", Token: tok, Body: `["x"]`,
			ExpectedStatus: 404, ExpectedBody: []string{"Object type not found"}},
		{Name: "missing contact", Method: "GET", URL: e.objectURL(999999), Token: tok, ExpectedStatus: 404,
			ExpectedBody: []string{`{"detail":"Object not found"}`}},
		{Name: "other org's contact", Method: "GET", URL: e.objectURL(bobs), Token: tok, ExpectedStatus: 404,
			ExpectedBody: []string{`{"detail":"Object not found"}`}},
		{Name: "assign to other org's contact", Method: "POST", URL: e.objectURL(bobs), Token: tok, Body: `["x"]`, ExpectedStatus: 404,
			ExpectedBody: []string{"Object not found"}},
		{Name: "other org as target", Method: "POST", URL: e.base + "organizations/organization/" + testutil.Itoa(bobOrgID) + "/", Token: tok,
			Body: `["x"]`, ExpectedStatus: 404, ExpectedBody: []string{"Object not found"}},
		{Name: "bad object id", Method: "GET", URL: e.base + "contacts/contact/abc/", Token: tok, ExpectedStatus: 400},
		{Name: "object id out of range", Method: "GET", URL: e.base + "contacts/contact/99999999999999999999/", Token: tok, ExpectedStatus: 400},
		{Name: "own org as target", Method: "POST", URL: orgURL, Token: tok, Body: `["alpha", "org-wide"]`, ExpectedStatus: 200,
			ExpectedBody: []string{`"name":"alpha"`, `"name":"org-wide"`}},
		{Name: "org target lists its own tags", Method: "GET", URL: orgURL, Token: tok, ExpectedStatus: 200,
			ExpectedBody: []string{`"count":2`}},
		{Name: "outsider", Method: "GET", URL: "/api/v1/orgs/" + bob.PersonalOrg + "/tags/contacts/contact/" + testutil.Itoa(bobs) + "/", Token: tok,
			ExpectedStatus: 404, ExpectedBody: []string{"Organization not found"}},

		{Name: "bulk unassign ignores other orgs' and unknown ids", Method: "DELETE", URL: url, Token: tok,
			Body: fmt.Sprintf(`[%d, %d, %d, 999999]`, ids["alpha"], ids["beta"], bobTag.ID), ExpectedStatus: 200,
			ExpectedBody: []string{`{"removed_count":2}`}},
		{Name: "bulk unassign again", Method: "DELETE", URL: url, Token: tok, Body: fmt.Sprintf(`[%d]`, ids["alpha"]),
			ExpectedStatus: 200, ExpectedBody: []string{`{"removed_count":0}`}},
		{Name: "bulk unassign empty", Method: "DELETE", URL: url, Token: tok, Body: `[]`, ExpectedStatus: 200,
			ExpectedBody: []string{`{"removed_count":0}`}},
		{Name: "bulk unassign not ints", Method: "DELETE", URL: url, Token: tok, Body: `["alpha"]`, ExpectedStatus: 400},
		{Name: "bulk unassign fractions", Method: "DELETE", URL: url, Token: tok, Body: `[1.5]`, ExpectedStatus: 400},
		{Name: "bulk unassign huge", Method: "DELETE", URL: url, Token: tok, Body: `[1e30]`, ExpectedStatus: 400},
		{Name: "bulk unassign no body", Method: "DELETE", URL: url, Token: tok, ExpectedStatus: 400},
		{Name: "bulk unassign on other org's contact", Method: "DELETE", URL: e.objectURL(bobs), Token: tok,
			Body: fmt.Sprintf(`[%d]`, bobTag.ID), ExpectedStatus: 404, ExpectedBody: []string{"Object not found"}},

		{Name: "unassign by slug", Method: "DELETE", URL: url + "gamma/", Token: tok, ExpectedStatus: 200,
			ExpectedBody: []string{`{"detail":"removed"}`}},
		{Name: "unassign by slug not attached", Method: "DELETE", URL: url + "gamma/", Token: tok, ExpectedStatus: 200,
			ExpectedBody: []string{`{"detail":"removed"}`}},
		{Name: "unassign by slug unknown tag", Method: "DELETE", URL: url + "nope/", Token: tok, ExpectedStatus: 200,
			ExpectedBody: []string{`{"detail":"removed"}`}},
		{Name: "unassign by slug NUL", Method: "DELETE", URL: url + "a%00/", Token: tok, ExpectedStatus: 200},
		{Name: "unassign by slug missing object", Method: "DELETE", URL: e.objectURL(999999) + "gamma/", Token: tok,
			ExpectedStatus: 404, ExpectedBody: []string{"Object not found"}},
		{Name: "unassign by slug bad type", Method: "DELETE", URL: e.base + "x/y/1/gamma/", Token: tok,
			ExpectedStatus: 404, ExpectedBody: []string{"Object type not found"}},
		{Name: "nothing left on the contact", Method: "GET", URL: url, Token: tok, ExpectedStatus: 200,
			ExpectedBody: []string{`{"items":[],"count":0}`}},
	})
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM tagged_items WHERE object_id = $1`, bobs); n != 1 {
		t.Fatalf("bob's assignment touched: %d", n)
	}
	// Deleting a tag removes its assignments.
	mustCall(t, e, "DELETE", e.base+testutil.Itoa(ids["alpha"])+"/", tok, "", 200)
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM tagged_items WHERE tag_id = $1`, ids["alpha"]); n != 0 {
		t.Fatalf("%d assignments of a deleted tag", n)
	}
}

// Concurrent assignments of the same new names to different contacts all
// succeed and create each tag once.
func TestConcurrentAssignmentsCreateEachTagOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 8
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = e.contact(t, e.org, e.owner.Token, fmt.Sprintf("C%d", i))
	}
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for _, id := range ids {
		wg.Go(func() {
			code, body := e.call(t, "POST", e.objectURL(id), e.owner.Token, `["shared", "Common", "third"]`)
			if code != 200 {
				errs <- fmt.Sprintf("%d %s", code, body)
			}
		})
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	if got := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM tags`); got != 3 {
		t.Fatalf("%d tags, want 3", got)
	}
	if got := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM tagged_items`); got != 3*n {
		t.Fatalf("%d assignments, want %d", got, 3*n)
	}
}

// A contact deleted while tags are being assigned leaves no assignment.
func TestAssignmentNeverOutlivesItsContact(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 10 {
		id := e.contact(t, e.org, e.owner.Token, fmt.Sprintf("Racer %d", i))
		var wg sync.WaitGroup
		wg.Go(func() { e.call(t, "POST", e.objectURL(id), e.owner.Token, `["race"]`) })
		wg.Go(func() {
			e.call(t, "DELETE", "/api/v1/orgs/"+e.org+"/contacts/racer-"+testutil.Itoa(int64(i))+"/", e.owner.Token, "")
		})
		wg.Wait()
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM tagged_items ti WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = ti.object_id)`); n != 0 {
		t.Fatalf("%d assignments of deleted contacts", n)
	}
}
