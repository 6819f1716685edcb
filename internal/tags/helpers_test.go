package tags_test

import (
	"encoding/json"
	"testing"

	"apistarter/internal/tags"
	"apistarter/internal/testutil"
)

// env is a server with one user; tags live in the user's personal org.
type env struct {
	s     *testutil.Server
	owner *testutil.User
	org   string
	orgID int64
	base  string // /api/v1/orgs/<org>/tags/
}

func newEnv(t testing.TB) *env {
	t.Helper()
	s := testutil.NewServer(t)
	u := s.CreateUser(t, "alice")
	e := &env{s: s, owner: u, org: u.PersonalOrg, base: "/api/v1/orgs/" + u.PersonalOrg + "/tags/"}
	e.orgID = testutil.Scalar[int64](t, s, `SELECT id FROM organizations WHERE slug = $1`, u.PersonalOrg)
	return e
}

func (e *env) call(t testing.TB, method, path, token, body string) (int, string) {
	t.Helper()
	return e.s.Send(t, method, path, token, body, nil)
}

// tag creates a tag as the owner.
func (e *env) tag(t testing.TB, name string) tags.TagOut {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"name": name})
	code, body := e.call(t, "POST", e.base, e.owner.Token, string(b))
	if code != 200 {
		t.Fatalf("create tag %q: %d %s", name, code, body)
	}
	return testutil.Decode[tags.TagOut](t, body)
}

// contact creates a contact in org (as token) and returns its id.
func (e *env) contact(t testing.TB, org, token, name string) int64 {
	t.Helper()
	code, body := e.call(t, "POST", "/api/v1/orgs/"+org+"/contacts/", token, `{"display_name":"`+name+`"}`)
	if code != 201 {
		t.Fatalf("create contact: %d %s", code, body)
	}
	return testutil.Decode[struct{ ID int64 }](t, body).ID
}

// objectURL is the tags URL of a contact of the owner's org.
func (e *env) objectURL(contactID int64) string {
	return e.base + "contacts/contact/" + testutil.Itoa(contactID) + "/"
}

func tagNames(ts []tags.TagOut) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}
