package orgs_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"apistarter/internal/testutil"
)

// roleFixture is one group org with two owners, an admin, a member and a
// member to act on; a superuser stays outside it.
type roleFixture struct {
	slug                                 string
	owner, owner2, admin, member, target *testutil.User
}

type matrixUsers struct {
	owner, owner2, admin, member, target, super *testutil.User
}

var matrixSeq atomic.Int64

func newRoleFixture(t testing.TB, s *testutil.Server, u matrixUsers) roleFixture {
	t.Helper()
	slug := fmt.Sprintf("matrix-%d", matrixSeq.Add(1))
	s.CreateGroupOrg(t, u.owner, slug)
	s.AddMember(t, slug, u.owner2, "owner")
	s.AddMember(t, slug, u.admin, "admin")
	s.AddMember(t, slug, u.member, "member")
	s.AddMember(t, slug, u.target, "member")
	return roleFixture{slug: slug, owner: u.owner, owner2: u.owner2, admin: u.admin, member: u.member, target: u.target}
}

// inviteID creates a pending invitation directly in the database.
func inviteID(t testing.TB, s *testutil.Server, slug string) string {
	t.Helper()
	var id int64
	err := s.App.DB.QueryRow(context.Background(), `INSERT INTO invitations (organization_id, email, role, token_hash, expires_at)
		SELECT id, 'guest-'||id||'@example.com', 'member', md5(random()::text)||md5(random()::text), now() + interval '1 day'
		FROM organizations WHERE slug = $1 RETURNING id`, slug).Scan(&id)
	if err != nil {
		t.Fatalf("invitation: %v", err)
	}
	return strconv.FormatInt(id, 10)
}

// TestRoleMatrixOfOrgManagementRoutes checks every management route for
// each role: member, admin, owner, and a superuser who is not a member.
func TestRoleMatrixOfOrgManagementRoutes(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	u := matrixUsers{
		owner: s.CreateUser(t, "owner"), owner2: s.CreateUser(t, "owner2"), admin: s.CreateUser(t, "admin"),
		member: s.CreateUser(t, "member"), target: s.CreateUser(t, "target"), super: s.CreateUser(t, "super", testutil.Superuser()),
	}
	type row struct {
		name, method, path, body string
		// expected status for member, admin, owner, superuser
		want [4]int
	}
	rows := []row{
		{"get org", "GET", "/", "", [4]int{200, 200, 200, 200}},
		{"rename", "PATCH", "/", `{"name":"Renamed"}`, [4]int{403, 200, 200, 200}},
		{"delete org", "DELETE", "/", "", [4]int{403, 403, 204, 204}},
		{"list members", "GET", "/members/", "", [4]int{200, 200, 200, 200}},
		{"promote member to admin", "PATCH", "/members/{target}/", `{"role":"admin"}`, [4]int{403, 200, 200, 200}},
		{"grant owner", "PATCH", "/members/{target}/", `{"role":"owner"}`, [4]int{403, 403, 200, 200}},
		{"demote an owner", "PATCH", "/members/{owner2}/", `{"role":"member"}`, [4]int{403, 403, 200, 200}},
		{"remove member", "DELETE", "/members/{target}/", "", [4]int{403, 204, 204, 204}},
		{"remove owner", "DELETE", "/members/{owner2}/", "", [4]int{403, 403, 204, 204}},
		{"leave", "POST", "/leave/", "", [4]int{204, 204, 204, 404}},
		{"invite member", "POST", "/invitations/", `{"email":"new@example.com","role":"member"}`, [4]int{403, 201, 201, 201}},
		{"invite owner", "POST", "/invitations/", `{"email":"new@example.com","role":"owner"}`, [4]int{403, 403, 201, 201}},
		{"list invitations", "GET", "/invitations/", "", [4]int{403, 200, 200, 200}},
		{"revoke invitation", "DELETE", "/invitations/{invitation}/", "", [4]int{403, 204, 204, 204}},
	}
	roles := []string{"member", "admin", "owner", "superuser"}
	for _, r := range rows {
		for i, role := range roles {
			t.Run(r.name+"/"+role, func(t *testing.T) {
				f := newRoleFixture(t, s, u)
				actor := map[string]*testutil.User{"member": f.member, "admin": f.admin, "owner": f.owner, "superuser": u.super}[role]
				path := "/api/v1/orgs/" + f.slug + r.path
				path = replaceAll(path, "{target}", f.target.Slug, "{owner2}", f.owner2.Slug)
				if r.path == "/invitations/{invitation}/" {
					path = replaceAll(path, "{invitation}", inviteID(t, s, f.slug))
				}
				body := call(t, s, r.method, path, actor.Token, r.body, r.want[i], nil)
				if role == "superuser" && r.method == "GET" && r.path == "/" {
					if want := `"role":"platform_admin"`; !strings.Contains(body, want) {
						t.Fatalf("superuser sees %s, want %s", body, want)
					}
				}
				if r.want[i] == 403 {
					if want := `"detail":"Only org`; !strings.Contains(body, want) {
						t.Fatalf("403 body %s lacks %s", body, want)
					}
				}
			})
		}
	}
}

// TestOwnerRulesGiveFriendlyConflicts covers the last-active-owner and
// personal-creator rules through the API.
func TestOwnerRulesGiveFriendlyConflicts(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	other := s.CreateUser(t, "other")
	admin := s.CreateUser(t, "admin")
	s.CreateGroupOrg(t, owner, "solo")
	s.AddMember(t, "solo", other, "owner")
	s.AddMember(t, "solo", admin, "admin")
	s.AddMember(t, owner.PersonalOrg, admin, "admin")
	if _, err := s.App.DB.Exec(context.Background(), `UPDATE users SET is_active = false WHERE id = $1`, other.ID); err != nil {
		t.Fatal(err)
	}
	orgURL := "/api/v1/orgs/solo"
	s.Run(t, []testutil.Scenario{
		{Name: "demote last active owner", Method: "PATCH", URL: orgURL + "/members/" + owner.Slug + "/", Token: owner.Token,
			Body: `{"role":"admin"}`, ExpectedStatus: 409,
			ExpectedBody: []string{`"detail":"Promote another active member to owner before changing this owner."`}},
		{Name: "remove last active owner", Method: "DELETE", URL: orgURL + "/members/" + owner.Slug + "/", Token: owner.Token,
			ExpectedStatus: 409, ExpectedBody: []string{`"detail":"Promote another active member to owner before removing this owner."`}},
		{Name: "last active owner cannot leave", Method: "POST", URL: orgURL + "/leave/", Token: owner.Token,
			ExpectedStatus: 409, ExpectedBody: []string{`before removing this owner.`}},
		{Name: "inactive owner may be demoted", Method: "PATCH", URL: orgURL + "/members/" + other.Slug + "/", Token: owner.Token,
			Body: `{"role":"member"}`, ExpectedStatus: 200, ExpectedBody: []string{`"role":"member"`, `"user_slug":"` + other.Slug + `"`}},
		{Name: "unknown member", Method: "PATCH", URL: orgURL + "/members/nobody/", Token: owner.Token,
			Body: `{"role":"member"}`, ExpectedStatus: 404, ExpectedBody: []string{`"detail":"Member not found"`}},
		{Name: "invalid role", Method: "PATCH", URL: orgURL + "/members/" + admin.Slug + "/", Token: owner.Token,
			Body: `{"role":"king"}`, ExpectedStatus: 400},
		{Name: "promote admin to owner", Method: "PATCH", URL: orgURL + "/members/" + admin.Slug + "/", Token: owner.Token,
			Body: `{"role":"owner"}`, ExpectedStatus: 200},
		{Name: "now the first owner may leave", Method: "POST", URL: orgURL + "/leave/", Token: owner.Token, ExpectedStatus: 204},
		{Name: "personal creator cannot be demoted", Method: "PATCH", URL: "/api/v1/orgs/" + owner.PersonalOrg + "/members/" + owner.Slug + "/",
			Token: owner.Token, Body: `{"role":"admin"}`, ExpectedStatus: 409,
			ExpectedBody: []string{`"detail":"The creator of a personal organization must remain its owner."`}},
		{Name: "personal creator cannot be removed", Method: "DELETE", URL: "/api/v1/orgs/" + owner.PersonalOrg + "/members/" + owner.Slug + "/",
			Token: owner.Token, ExpectedStatus: 409},
		{Name: "personal creator cannot leave", Method: "POST", URL: "/api/v1/orgs/" + owner.PersonalOrg + "/leave/",
			Token: owner.Token, ExpectedStatus: 409},
		{Name: "admin of a personal org cannot touch its owner", Method: "DELETE", URL: "/api/v1/orgs/" + owner.PersonalOrg + "/members/" + owner.Slug + "/",
			Token: admin.Token, ExpectedStatus: 403},
		{Name: "admin may leave a personal org", Method: "POST", URL: "/api/v1/orgs/" + owner.PersonalOrg + "/leave/",
			Token: admin.Token, ExpectedStatus: 204},
	})
}

// TestConcurrentOwnerDemotionsLeaveAnOwner: the org lock serialises two
// owners stepping down at once; exactly one succeeds.
func TestConcurrentOwnerDemotionsLeaveAnOwner(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	for i := range 10 {
		a, b := s.CreateUser(t, "a"), s.CreateUser(t, "b")
		slug := fmt.Sprintf("duo-%d", i)
		s.CreateGroupOrg(t, a, slug)
		s.AddMember(t, slug, b, "owner")
		statuses := make(chan int, 2)
		for _, u := range []*testutil.User{a, b} {
			go func() {
				var path, method, body string
				if i%2 == 0 {
					method, path, body = "PATCH", "/api/v1/orgs/"+slug+"/members/"+u.Slug+"/", `{"role":"member"}`
				} else {
					method, path = "POST", "/api/v1/orgs/"+slug+"/leave/"
				}
				var r io.Reader
				if body != "" {
					r = strings.NewReader(body)
				}
				req, _ := http.NewRequest(method, s.URL+path, r)
				req.Header.Set("Authorization", "Bearer "+u.Token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := s.Client().Do(req) // not s.Do: no t.Fatal off the test goroutine
				if err != nil {
					statuses <- 0
					return
				}
				resp.Body.Close()
				statuses <- resp.StatusCode
			}()
		}
		got := []int{<-statuses, <-statuses}
		slices.Sort(got)
		if got[1] != 409 || (got[0] != 200 && got[0] != 204) {
			t.Fatalf("round %d: statuses %v, want one success and one 409", i, got)
		}
	}
}
