package contacts_test

import (
	"net/http"
	"testing"

	"apistarter/internal/contacts"
	"apistarter/internal/testutil"
)

// env is a server with one user whose personal org holds the contacts.
type env struct {
	s     *testutil.Server
	owner *testutil.User
	org   string // org slug
	base  string // /api/v1/orgs/<org>/contacts/
}

func newEnv(t testing.TB) *env {
	t.Helper()
	s := testutil.NewServer(t)
	u := s.CreateUser(t, "alice")
	return &env{s: s, owner: u, org: u.PersonalOrg, base: "/api/v1/orgs/" + u.PersonalOrg + "/contacts/"}
}

// call sends a JSON request and returns the status and body.
func (e *env) call(t testing.TB, method, path, token, body string) (int, string) {
	t.Helper()
	return e.s.Send(t, method, path, token, body, nil)
}

// create posts a contact as the owner and fails the test unless it is 201.
func (e *env) create(t testing.TB, body string) contacts.ContactOut {
	t.Helper()
	code, b := e.call(t, "POST", e.base, e.owner.Token, body)
	if code != 201 {
		t.Fatalf("create %s: %d %s", body, code, b)
	}
	return testutil.Decode[contacts.ContactOut](t, b)
}

// checkContact returns an After hook asserting fields of the JSON body.
func checkContact(check func(t testing.TB, c contacts.ContactOut)) func(testing.TB, *http.Response, string) {
	return func(t testing.TB, _ *http.Response, body string) {
		t.Helper()
		check(t, testutil.Decode[contacts.ContactOut](t, body))
	}
}
