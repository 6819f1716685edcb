package orgs_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"apistarter/internal/testutil"
)

// call sends a JSON request and decodes the JSON response into out (if any).
func call(t testing.TB, s *testutil.Server, method, path, token, body string, want int, out any) string {
	t.Helper()
	status, b := s.Send(t, method, path, token, body, nil)
	if status != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(b), out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return b
}

func TestCreateListGetRenameDeleteOrg(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	alice := s.CreateUser(t, "alice")
	s.Run(t, []testutil.Scenario{
		{Name: "create with explicit slug", Method: "POST", URL: "/api/v1/orgs/", Token: alice.Token,
			Body: `{"name":"Acme Inc","slug":"acme"}`, ExpectedStatus: 201,
			ExpectedBody: []string{`"name":"Acme Inc"`, `"slug":"acme"`, `"type":"group"`, `"role":"owner"`, `"created_at"`}},
		{Name: "slug conflict", Method: "POST", URL: "/api/v1/orgs/", Token: alice.Token,
			Body: `{"name":"Other","slug":"acme"}`, ExpectedStatus: 409, ExpectedBody: []string{`"detail":"Organization slug already taken."`}},
		{Name: "derived slug is made unique", Method: "POST", URL: "/api/v1/orgs/", Token: alice.Token,
			Body: `{"name":"  Acme  "}`, ExpectedStatus: 201, ExpectedBody: []string{`"slug":"acme-1"`, `"name":"Acme"`}},
		{Name: "unicode name slugified", Method: "POST", URL: "/api/v1/orgs/", Token: alice.Token,
			Body: `{"name":"Café Crème!"}`, ExpectedStatus: 201, ExpectedBody: []string{`"slug":"cafe-creme"`}},
		{Name: "blank name", Method: "POST", URL: "/api/v1/orgs/", Token: alice.Token,
			Body: `{"name":"   "}`, ExpectedStatus: 400},
		{Name: "bad slug", Method: "POST", URL: "/api/v1/orgs/", Token: alice.Token,
			Body: `{"name":"x","slug":"Not A Slug"}`, ExpectedStatus: 400, ExpectedBody: []string{`"errors"`}},
		{Name: "too long name", Method: "POST", URL: "/api/v1/orgs/", Token: alice.Token,
			Body: `{"name":"` + strings.Repeat("n", 256) + `"}`, ExpectedStatus: 400},
		{Name: "null slug", Method: "POST", URL: "/api/v1/orgs/", Token: alice.Token,
			Body: `{"name":"x","slug":null}`, ExpectedStatus: 400},
		{Name: "unauthenticated", Method: "GET", URL: "/api/v1/orgs/", ExpectedStatus: 401},
		{Name: "list my orgs", Method: "GET", URL: "/api/v1/orgs/?limit=2", Token: alice.Token, ExpectedStatus: 200,
			ExpectedBody: []string{`"count":4`, `"slug":"` + alice.PersonalOrg + `"`, `"type":"personal"`, `"slug":"acme"`},
			NotExpected:  []string{`"acme-1"`}},
		{Name: "list second page", Method: "GET", URL: "/api/v1/orgs/?limit=2&offset=2", Token: alice.Token, ExpectedStatus: 200,
			ExpectedBody: []string{`"count":4`, `"acme-1"`, `"cafe-creme"`}},
		{Name: "limit above max", Method: "GET", URL: "/api/v1/orgs/?limit=501", Token: alice.Token, ExpectedStatus: 400},
		{Name: "get", Method: "GET", URL: "/api/v1/orgs/acme/", Token: alice.Token, ExpectedStatus: 200,
			ExpectedBody: []string{`"slug":"acme"`, `"role":"owner"`}},
		{Name: "rename keeps slug", Method: "PATCH", URL: "/api/v1/orgs/acme/", Token: alice.Token,
			Body: `{"name":"Acme Corp"}`, ExpectedStatus: 200, ExpectedBody: []string{`"name":"Acme Corp"`, `"slug":"acme"`}},
		{Name: "rename rejects slug field", Method: "PATCH", URL: "/api/v1/orgs/acme/", Token: alice.Token,
			Body: `{"name":"x","slug":"other"}`, ExpectedStatus: 400},
		{Name: "personal org cannot be deleted", Method: "DELETE", URL: "/api/v1/orgs/" + alice.PersonalOrg + "/", Token: alice.Token,
			ExpectedStatus: 400, ExpectedBody: []string{`"detail":"Personal organizations cannot be deleted."`}},
		{Name: "delete group", Method: "DELETE", URL: "/api/v1/orgs/acme/", Token: alice.Token, ExpectedStatus: 204,
			After: func(t testing.TB, _ *http.Response, _ string) {
				var n int
				err := s.App.DB.QueryRow(context.Background(),
					`SELECT count(*) FROM outbox WHERE task_type = 'storage:delete-prefix' AND payload->'prefixes'->>0 LIKE 'private/images/%'`).Scan(&n)
				if err != nil || n != 1 {
					t.Fatalf("storage cleanup task: %d %v", n, err)
				}
			}},
		{Name: "deleted org is gone", Method: "GET", URL: "/api/v1/orgs/acme/", Token: alice.Token, ExpectedStatus: 404,
			ExpectedBody: []string{`{"detail":"Organization not found"}`}},
	})
}
