package orgs_test

import (
	"strings"
	"testing"

	"apistarter/internal/testutil"
)

// Malformed org slugs in the path are the same 404 as unknown ones, never a 500.
func TestMalformedOrgSlugIsNotFound(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	u := s.CreateUser(t, "slugger")
	var sc []testutil.Scenario
	for _, slug := range []string{"a%00b", "%ff%fe", strings.Repeat("a", 51)} {
		for path, method := range map[string]string{
			"/api/v1/orgs/" + slug + "/":                      "GET",
			"/api/v1/orgs/" + slug + "/contacts/":             "GET",
			"/api/v1/orgs/" + slug + "/contacts/a%00/avatar/": "DELETE",
		} {
			sc = append(sc, testutil.Scenario{Name: method + path, Method: method, URL: path, Token: u.Token,
				ExpectedStatus: 404, ExpectedBody: []string{`"detail":"Organization not found"`}})
		}
	}
	// A malformed object slug inside a real org is a client error, not a 500.
	sc = append(sc, testutil.Scenario{Name: "nul contact slug", Method: "DELETE",
		URL: "/api/v1/orgs/" + u.PersonalOrg + "/contacts/a%00/avatar/", Token: u.Token,
		ExpectedStatus: 404, NotExpected: []string{"request_id"}})
	s.Run(t, sc)
}
