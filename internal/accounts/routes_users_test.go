package accounts_test

import (
	"net/http"
	"strings"
	"testing"

	"apistarter/internal/testutil"
)

func TestProfileScenarios(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := s.CreateUser(t, "alice")
	s.Run(t, []testutil.Scenario{
		{Name: "no token", Method: "GET", URL: "/api/v1/users/me", ExpectedStatus: 401, ExpectedBody: []string{`{"detail":"Unauthorized"}`}},
		{Name: "bad token", Method: "GET", URL: "/api/v1/users/me", Token: "garbage", ExpectedStatus: 401},
		{Name: "get", Method: "GET", URL: "/api/v1/users/me", Token: alice.Token, ExpectedStatus: 200,
			ExpectedBody: []string{`"email":"` + alice.Email + `"`, `"username":"` + alice.Username + `"`, `"slug":"` + alice.Slug + `"`,
				`"org_name":"` + alice.Username + `"`, `"org_slug":"` + alice.PersonalOrg + `"`, `"avatar_path":null`,
				`"notification_preferences":{}`, `"preferred_theme":"light"`, `"preferred_language":"en"`, `"finished_onboarding":false`,
				`"email_verified":true`, `"created_at":"`, `"first_name":""`, `"location":""`, `"about":""`},
			NotExpected: []string{"password"}},
		{Name: "patch some fields", Method: "PATCH", URL: "/api/v1/users/me", Token: alice.Token,
			Body: `{"first_name":"Alice","location":"Lyon","preferred_theme":"dark"}`, ExpectedStatus: 200,
			ExpectedBody: []string{`"first_name":"Alice"`, `"location":"Lyon"`, `"preferred_theme":"dark"`, `"last_name":""`, `"preferred_language":"en"`}},
		{Name: "empty patch keeps everything", Method: "PATCH", URL: "/api/v1/users/me", Token: alice.Token, Body: `{}`, ExpectedStatus: 200,
			ExpectedBody: []string{`"first_name":"Alice"`, `"location":"Lyon"`}},
		{Name: "empty string clears", Method: "PATCH", URL: "/api/v1/users/me", Token: alice.Token, Body: `{"location":""}`, ExpectedStatus: 200,
			ExpectedBody: []string{`"location":""`, `"first_name":"Alice"`}},
		{Name: "null is a 400", Method: "PATCH", URL: "/api/v1/users/me", Token: alice.Token, Body: `{"first_name":null}`,
			ExpectedStatus: 400, ExpectedBody: []string{`"location":["body","first_name"]`}},
		{Name: "null theme is a 400", Method: "PATCH", URL: "/api/v1/users/me", Token: alice.Token, Body: `{"preferred_theme":null}`, ExpectedStatus: 400},
		{Name: "first name too long", Method: "PATCH", URL: "/api/v1/users/me", Token: alice.Token, Body: `{"first_name":"` + strings.Repeat("a", 51) + `"}`, ExpectedStatus: 400},
		{Name: "location too long", Method: "PATCH", URL: "/api/v1/users/me", Token: alice.Token, Body: `{"location":"` + strings.Repeat("a", 101) + `"}`, ExpectedStatus: 400},
		{Name: "theme too long", Method: "PATCH", URL: "/api/v1/users/me", Token: alice.Token, Body: `{"preferred_theme":"` + strings.Repeat("a", 17) + `"}`, ExpectedStatus: 400},
		{Name: "language too long", Method: "PATCH", URL: "/api/v1/users/me", Token: alice.Token, Body: `{"preferred_language":"` + strings.Repeat("a", 17) + `"}`, ExpectedStatus: 400},
		{Name: "about too long", Method: "PATCH", URL: "/api/v1/users/me", Token: alice.Token, Body: `{"about":"` + strings.Repeat("a", 10001) + `"}`, ExpectedStatus: 400},
		{Name: "read-only field", Method: "PATCH", URL: "/api/v1/users/me", Token: alice.Token, Body: `{"email_verified":false}`, ExpectedStatus: 400},
		{Name: "wrong type", Method: "PATCH", URL: "/api/v1/users/me", Token: alice.Token, Body: `{"about":5}`, ExpectedStatus: 400},
	})
}

func TestUsernameScenarios(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := s.CreateUser(t, "alice")
	bob := s.CreateUser(t, "bob")
	check := func(q string) string { return "/api/v1/users/check_username?username=" + q }
	s.Run(t, []testutil.Scenario{
		{Name: "check: no token", Method: "GET", URL: check("free"), ExpectedStatus: 401},
		{Name: "check: free", Method: "GET", URL: check("free_name.1"), Token: alice.Token, ExpectedStatus: 200,
			ExpectedBody: []string{`{"available":true,"reason":null}`}},
		{Name: "check: taken (case-insensitive)", Method: "GET", URL: check(strings.ToUpper(bob.Username)), Token: alice.Token, ExpectedStatus: 200,
			ExpectedBody: []string{`{"available":false,"reason":"Username already taken."}`}},
		{Name: "check: my own name counts as taken", Method: "GET", URL: check(alice.Username), Token: alice.Token, ExpectedStatus: 200,
			ExpectedBody: []string{`"reason":"Username already taken."`}},
		{Name: "check: bad characters", Method: "GET", URL: check("bad-name"), Token: alice.Token, ExpectedStatus: 200,
			ExpectedBody: []string{`{"available":false,"reason":"Username may only contain letters, numbers, dots, and underscores."}`}},
		{Name: "check: too long", Method: "GET", URL: check(strings.Repeat("a", 51)), Token: alice.Token, ExpectedStatus: 200,
			ExpectedBody: []string{`"reason":"Username must be 1-50 characters."`}},
		{Name: "check: blank", Method: "GET", URL: check("%20%20"), Token: alice.Token, ExpectedStatus: 200,
			ExpectedBody: []string{`"reason":"Username must be 1-50 characters."`}},
		{Name: "check: missing parameter", Method: "GET", URL: "/api/v1/users/check_username", Token: alice.Token, ExpectedStatus: 200,
			ExpectedBody: []string{`{"available":false,"reason":"Username must be 1-50 characters."}`}},
		{Name: "check: absurdly long", Method: "GET", URL: check(strings.Repeat("a", 1025)), Token: alice.Token, ExpectedStatus: 400},
		{Name: "change: bad characters", Method: "PATCH", URL: "/api/v1/users/username", Token: alice.Token, Body: `{"username":"a b"}`,
			ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"Username may only contain letters, numbers, dots, and underscores."}`}},
		{Name: "change: empty", Method: "PATCH", URL: "/api/v1/users/username", Token: alice.Token, Body: `{"username":"  "}`,
			ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"Username must be 1-50 characters."}`}},
		{Name: "change: taken by someone else", Method: "PATCH", URL: "/api/v1/users/username", Token: alice.Token, Body: `{"username":"` + strings.ToUpper(bob.Username) + `"}`,
			ExpectedStatus: 400, ExpectedBody: []string{`{"detail":"Username already taken"}`}},
		{Name: "change: null", Method: "PATCH", URL: "/api/v1/users/username", Token: alice.Token, Body: `{"username":null}`, ExpectedStatus: 400},
		{Name: "change: unknown field", Method: "PATCH", URL: "/api/v1/users/username", Token: alice.Token, Body: `{"username":"x","slug":"y"}`, ExpectedStatus: 400},
		{Name: "change", Method: "PATCH", URL: "/api/v1/users/username", Token: alice.Token, Body: `{"username":" Alice.New "}`, ExpectedStatus: 200,
			ExpectedBody: []string{`"username":"Alice.New"`, `"org_name":"Alice.New"`, `"slug":"` + alice.Slug + `"`, `"org_slug":"` + alice.PersonalOrg + `"`}},
		{Name: "change to a case variant of my own", Method: "PATCH", URL: "/api/v1/users/username", Token: alice.Token, Body: `{"username":"alice.new"}`, ExpectedStatus: 200},
	})
}

func TestUsernameChangeWithoutPersonalOrgIsA500AndRollsBack(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := s.CreateUser(t, "alice")
	testutil.Exec(t, s, `DELETE FROM organizations WHERE slug = $1`, alice.PersonalOrg)
	st, body, _ := call(t, s, "PATCH", "/api/v1/users/username", alice.Token, `{"username":"renamed"}`, nil)
	if st != http.StatusInternalServerError || body["request_id"] == nil || body["detail"] != "Internal server error." {
		t.Fatalf("%d %v", st, body)
	}
	if u := testutil.Scalar[string](t, s, `SELECT username FROM users WHERE id = $1`, alice.ID); u != alice.Username {
		t.Fatalf("username changed to %q despite the failure", u)
	}
}
