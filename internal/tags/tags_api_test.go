package tags_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"apistarter/internal/httpapi"
	"apistarter/internal/tags"
	"apistarter/internal/testutil"
)

func TestCreateRenameDeleteTag(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bob := e.s.CreateUser(t, "bob")
	bobTag := testutil.Decode[tags.TagOut](t, mustCall(t, e, "POST", "/api/v1/orgs/"+bob.PersonalOrg+"/tags/", bob.Token, `{"name":"bobs"}`, 200))
	tok := e.owner.Token
	var vip tags.TagOut
	org := testutil.Itoa(e.orgID)

	e.s.Run(t, []testutil.Scenario{
		{Name: "create trims and slugs; 200 not 201", Method: "POST", URL: e.base, Token: tok, Body: `{"name":" VIP Client "}`,
			ExpectedStatus: 200, ExpectedBody: []string{`"name":"VIP Client"`, `"slug":"vip-client"`, `"organization":` + org},
			After: func(t testing.TB, _ *http.Response, body string) { vip = testutil.Decode[tags.TagOut](t, body) }},
		{Name: "same name other case", Method: "POST", URL: e.base, Token: tok, Body: `{"name":"vip client"}`, ExpectedStatus: 409,
			ExpectedBody: []string{`{"detail":"A tag with this name or slug already exists in this organization."}`}},
		{Name: "same slug other name", Method: "POST", URL: e.base, Token: tok, Body: `{"name":"VIP-Client!"}`, ExpectedStatus: 409,
			ExpectedBody: []string{"A tag with this name or slug already exists in this organization."}},
		{Name: "same name in another org is fine", Method: "POST", URL: e.base, Token: tok, Body: `{"name":"bobs"}`, ExpectedStatus: 200},
		{Name: "empty", Method: "POST", URL: e.base, Token: tok, Body: `{"name":"  "}`, ExpectedStatus: 400,
			ExpectedBody: []string{`{"detail":"Tag names cannot be empty."}`}},
		{Name: "too long", Method: "POST", URL: e.base, Token: tok, Body: `{"name":"` + strings.Repeat("x", 51) + `"}`, ExpectedStatus: 400,
			ExpectedBody: []string{`{"detail":"Tag names cannot exceed 50 characters."}`}},
		{Name: "no letter or digit", Method: "POST", URL: e.base, Token: tok, Body: `{"name":"!?!"}`, ExpectedStatus: 400,
			ExpectedBody: []string{`{"detail":"Tag names must contain at least one letter or number."}`}},
		{Name: "non-ASCII only", Method: "POST", URL: e.base, Token: tok, Body: `{"name":"你好"}`, ExpectedStatus: 400,
			ExpectedBody: []string{"at least one letter or number"}},
		{Name: "NUL", Method: "POST", URL: e.base, Token: tok, Body: `{"name":"a\u0000"}`, ExpectedStatus: 400},
		{Name: "missing name", Method: "POST", URL: e.base, Token: tok, Body: `{}`, ExpectedStatus: 400},
		{Name: "null name", Method: "POST", URL: e.base, Token: tok, Body: `{"name":null}`, ExpectedStatus: 400},
		{Name: "unknown field", Method: "POST", URL: e.base, Token: tok, Body: `{"name":"x","slug":"y"}`, ExpectedStatus: 400},
		{Name: "no token", Method: "POST", URL: e.base, Body: `{"name":"x"}`, ExpectedStatus: 401},
		{Name: "outsider", Method: "POST", URL: "/api/v1/orgs/" + bob.PersonalOrg + "/tags/", Token: tok, Body: `{"name":"x"}`,
			ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Organization not found"}`}},
	})
	id := testutil.Itoa(vip.ID)
	e.s.Run(t, []testutil.Scenario{
		{Name: "rename regenerates slug", Method: "PATCH", URL: e.base + id + "/", Token: tok, Body: `{"name":" Priority "}`,
			ExpectedStatus: 200, ExpectedBody: []string{`{"id":` + id + `,"name":"Priority","slug":"priority","organization":` + org + `}`}},
		{Name: "rename case only", Method: "PATCH", URL: e.base + id + "/", Token: tok, Body: `{"name":"PRIORITY"}`,
			ExpectedStatus: 200, ExpectedBody: []string{`"name":"PRIORITY","slug":"priority"`}},
		{Name: "null leaves it", Method: "PATCH", URL: e.base + id + "/", Token: tok, Body: `{"name":null}`,
			ExpectedStatus: 200, ExpectedBody: []string{`"name":"PRIORITY"`}},
		{Name: "absent leaves it", Method: "PATCH", URL: e.base + id + "/", Token: tok, Body: `{}`,
			ExpectedStatus: 200, ExpectedBody: []string{`"name":"PRIORITY"`}},
		{Name: "rename onto another tag", Method: "PATCH", URL: e.base + id + "/", Token: tok, Body: `{"name":"Bobs"}`,
			ExpectedStatus: 409, ExpectedBody: []string{"A tag with this name or slug already exists in this organization."}},
		{Name: "rename empty", Method: "PATCH", URL: e.base + id + "/", Token: tok, Body: `{"name":""}`,
			ExpectedStatus: 400, ExpectedBody: []string{"Tag names cannot be empty."}},
		{Name: "rename unknown", Method: "PATCH", URL: e.base + "999999/", Token: tok, Body: `{"name":"x"}`,
			ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Not Found"}`}},
		{Name: "rename unknown with null", Method: "PATCH", URL: e.base + "999999/", Token: tok, Body: `{"name":null}`, ExpectedStatus: 404},
		{Name: "rename other org's tag", Method: "PATCH", URL: e.base + testutil.Itoa(bobTag.ID) + "/", Token: tok, Body: `{"name":"mine"}`,
			ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Not Found"}`}},
		{Name: "bad id", Method: "PATCH", URL: e.base + "abc/", Token: tok, Body: `{"name":"x"}`, ExpectedStatus: 400},
		{Name: "delete other org's tag", Method: "DELETE", URL: e.base + testutil.Itoa(bobTag.ID) + "/", Token: tok, ExpectedStatus: 404},
		{Name: "delete", Method: "DELETE", URL: e.base + id + "/", Token: tok, ExpectedStatus: 200, ExpectedBody: []string{`{"detail":"deleted"}`}},
		{Name: "delete again", Method: "DELETE", URL: e.base + id + "/", Token: tok, ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Not Found"}`}},
	})
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM tags WHERE id = $1`, bobTag.ID); n != 1 {
		t.Fatal("bob's tag was deleted")
	}
}

func mustCall(t *testing.T, e *env, method, path, token, body string, want int) string {
	t.Helper()
	code, b := e.call(t, method, path, token, body)
	if code != want {
		t.Fatalf("%s %s: %d %s", method, path, code, b)
	}
	return b
}

func TestListSearchAndBySlug(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, n := range []string{"beta", "Alpha", "gamma_ray", "100%", "Delta"} {
		e.tag(t, n)
	}
	bob := e.s.CreateUser(t, "bob")
	mustCall(t, e, "POST", "/api/v1/orgs/"+bob.PersonalOrg+"/tags/", bob.Token, `{"name":"alphabet"}`, 200)
	type page = httpapi.Page[tags.TagOut]
	get := func(q string) page {
		return testutil.Decode[page](t, mustCall(t, e, "GET", e.base+q, e.owner.Token, "", 200))
	}
	cases := []struct {
		query string
		want  []string
		count int64
	}{
		{"", []string{"100%", "Alpha", "Delta", "beta", "gamma_ray"}, 5},
		{"?ordering=name", []string{"100%", "Alpha", "Delta", "beta", "gamma_ray"}, 5},
		{"?ordering=-name", []string{"gamma_ray", "beta", "Delta", "Alpha", "100%"}, 5},
		{"?ordering=id", []string{"beta", "Alpha", "gamma_ray", "100%", "Delta"}, 5},
		{"?ordering=-id", []string{"Delta", "100%", "gamma_ray", "Alpha", "beta"}, 5},
		{"?ordering=id&limit=2&offset=1", []string{"Alpha", "gamma_ray"}, 5},
		{"?offset=50", []string{}, 5},
		{"search/?q=ALP", []string{"Alpha"}, 1},
		{"search/?q=a", []string{"Alpha", "Delta", "beta", "gamma_ray"}, 4},
		{"search/?q=a&limit=1&offset=1", []string{"Delta"}, 4},
		{"search/?q=a&offset=9", []string{}, 4},
		{"search/", []string{"100%", "Alpha", "Delta", "beta", "gamma_ray"}, 5},
		{"search/?q=%25", []string{"100%"}, 1},
		{"search/?q=_", []string{"gamma_ray"}, 1},
		{"search/?q=%00", []string{}, 0},
		{"search/?q=%ff", []string{}, 0},
		{"search/?q=" + strings.Repeat("a", 51), []string{}, 0},
	}
	for _, c := range cases {
		p := get(c.query)
		if !slices.Equal(tagNames(p.Items), c.want) || p.Count != c.count {
			t.Errorf("%s: %v (count %d), want %v (count %d)", c.query, tagNames(p.Items), p.Count, c.want, c.count)
		}
	}
	tok := e.owner.Token
	e.s.Run(t, []testutil.Scenario{
		{Name: "bad ordering", Method: "GET", URL: e.base + "?ordering=slug", Token: tok, ExpectedStatus: 400,
			ExpectedBody: []string{`{"detail":"Invalid ordering. Allowed: name, -name, id, -id"}`}},
		{Name: "limit over maximum", Method: "GET", URL: e.base + "?limit=501", Token: tok, ExpectedStatus: 400},
		{Name: "search limit over maximum", Method: "GET", URL: e.base + "search/?limit=501", Token: tok, ExpectedStatus: 400},
		{Name: "by slug", Method: "GET", URL: e.base + "by-slug/gamma_ray/", Token: tok, ExpectedStatus: 200,
			ExpectedBody: []string{`"name":"gamma_ray","slug":"gamma_ray"`}},
		{Name: "by slug unknown", Method: "GET", URL: e.base + "by-slug/nope/", Token: tok, ExpectedStatus: 404,
			ExpectedBody: []string{`{"detail":"Not Found"}`}},
		{Name: "by slug of other org", Method: "GET", URL: e.base + "by-slug/alphabet/", Token: tok, ExpectedStatus: 404},
		{Name: "by slug NUL", Method: "GET", URL: e.base + "by-slug/a%00/", Token: tok, ExpectedStatus: 404},
		{Name: "by slug too long", Method: "GET", URL: e.base + "by-slug/" + strings.Repeat("a", 60) + "/", Token: tok, ExpectedStatus: 404},
		{Name: "list outsider", Method: "GET", URL: "/api/v1/orgs/" + bob.PersonalOrg + "/tags/", Token: tok, ExpectedStatus: 404,
			ExpectedBody: []string{"Organization not found"}},
		{Name: "search outsider", Method: "GET", URL: "/api/v1/orgs/" + bob.PersonalOrg + "/tags/search/", Token: tok, ExpectedStatus: 404},
		{Name: "by slug outsider", Method: "GET", URL: "/api/v1/orgs/" + bob.PersonalOrg + "/tags/by-slug/alphabet/", Token: tok, ExpectedStatus: 404},
		{Name: "list no token", Method: "GET", URL: e.base, ExpectedStatus: 401},
	})
}
