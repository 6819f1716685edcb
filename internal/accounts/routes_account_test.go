package accounts_test

import (
	"net/http"
	"testing"

	"apistarter/internal/testutil"
)

func TestDeleteAccountScenarios(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	bob := userWithPassword(t, s, "bob")
	s.CreateGroupOrg(t, alice, "alices-team")
	shared := s.CreateGroupOrg(t, alice, "shared-team")
	s.AddMember(t, "shared-team", bob, "owner")
	_ = shared
	access, refresh := login(t, s, alice.Email, testPassword)
	body := func(pw string) string { return `{"password":"` + pw + `"}` }

	s.Run(t, []testutil.Scenario{
		{Name: "no token", Method: "DELETE", URL: "/api/v1/auth/delete/", Body: body(testPassword), ExpectedStatus: 401},
		{Name: "wrong password", Method: "DELETE", URL: "/api/v1/auth/delete/", Token: access, Body: body("nope"),
			ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"Password is incorrect"}`}},
		{Name: "missing body", Method: "DELETE", URL: "/api/v1/auth/delete/", Token: access, ExpectedStatus: 400},
		{Name: "unknown field", Method: "DELETE", URL: "/api/v1/auth/delete/", Token: access, Body: `{"password":"x","force":true}`, ExpectedStatus: 400},
		{Name: "last active owner of a group", Method: "DELETE", URL: "/api/v1/auth/delete/", Token: access, Body: body(testPassword),
			ExpectedStatus: 409, ExpectedBody: []string{`{"detail":"Promote another active owner for Org alices-team first."}`},
			After: func(t testing.TB, _ *http.Response, _ string) {
				if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM users WHERE id = $1`, alice.ID); n != 1 {
					t.Fatal("user deleted despite the 409")
				}
			}},
		{Name: "promote bob", Method: "GET", URL: "/api/v1/users/me", Token: access, ExpectedStatus: 200, After: func(t testing.TB, _ *http.Response, _ string) {
			s.AddMember(t, "alices-team", bob, "owner")
		}},
		{Name: "success", Method: "DELETE", URL: "/api/v1/auth/delete/", Token: access, Body: body(testPassword),
			ExpectedStatus: 200, ExpectedBody: []string{`{"detail":"Account deleted successfully."}`},
			After: func(t testing.TB, _ *http.Response, _ string) {
				if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM users WHERE id = $1`, alice.ID); n != 0 {
					t.Fatal("user still there")
				}
				if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM organizations WHERE slug = $1`, alice.PersonalOrg); n != 0 {
					t.Fatal("personal org still there")
				}
				if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM organizations WHERE slug IN ('alices-team', 'shared-team')`); n != 2 {
					t.Fatal("group orgs with another owner were deleted")
				}
			}},
		{Name: "old access token", Method: "GET", URL: "/api/v1/users/me", Token: access, ExpectedStatus: 401},
		{Name: "old refresh token", Method: "POST", URL: "/api/v1/token/refresh", Body: `{"refresh":"` + refresh + `"}`, ExpectedStatus: 401},
		{Name: "cannot log in", Method: "POST", URL: "/api/v1/token/pair", Body: `{"email":"` + alice.Email + `","password":"` + testPassword + `"}`, ExpectedStatus: 401},
		{Name: "bob unaffected", Method: "GET", URL: "/api/v1/users/me", Token: bob.Token, ExpectedStatus: 200},
	})
}

// An owner who is the only *active* owner of a group cannot leave it
// ownerless: the other owner is inactive.
func TestDeleteAccountRefusedWhenOtherOwnerIsInactive(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := userWithPassword(t, s, "alice")
	bob := userWithPassword(t, s, "bob")
	s.CreateGroupOrg(t, alice, "team")
	s.AddMember(t, "team", bob, "owner")
	testutil.Exec(t, s, `UPDATE users SET is_active = false WHERE id = $1`, bob.ID)
	st, body, _ := call(t, s, "DELETE", "/api/v1/auth/delete/", alice.Token, `{"password":"`+testPassword+`"}`, nil)
	if st != 409 || body["detail"] != "Promote another active owner for Org team first." {
		t.Fatalf("%d %v", st, body)
	}
}
