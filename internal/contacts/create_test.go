package contacts_test

import (
	"encoding/json"
	"strings"
	"testing"

	"apistarter/internal/contacts"
	"apistarter/internal/testutil"
)

func TestCreateContact(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	member := e.s.CreateUser(t, "member")
	e.s.AddMember(t, e.org, member, "member")
	outsider := e.s.CreateUser(t, "outsider")
	admin := e.s.CreateUser(t, "root", testutil.Superuser())
	tok := e.owner.Token
	long := strings.Repeat("a", 80)

	e.s.Run(t, []testutil.Scenario{
		{Name: "names give display name and slug; email trimmed, case kept", Method: "POST", URL: e.base, Token: tok,
			Body:           `{"first_name":"Ada","last_name":"Lovelace","email":"  Ada@Example.com ","phone":"+44 20","location":"London","notes":"n"}`,
			ExpectedStatus: 201,
			After: checkContact(func(t testing.TB, c contacts.ContactOut) {
				if c.DisplayName != "Ada Lovelace" || c.Slug != "ada-lovelace" || c.Email != "Ada@Example.com" ||
					c.Organization != e.org || c.Creator == nil || *c.Creator != e.owner.Slug || len(c.Tags) != 0 ||
					c.AvatarPath != nil || c.AvatarURL != nil || c.Phone != "+44 20" || c.Location != "London" || c.Notes != "n" {
					t.Errorf("unexpected contact %+v", c)
				}
			})},
		{Name: "same name gets -1", Method: "POST", URL: e.base, Token: tok, Body: `{"display_name":"Ada Lovelace"}`,
			ExpectedStatus: 201, ExpectedBody: []string{`"slug":"ada-lovelace-1"`, `"tags":[]`}},
		{Name: "then -2", Method: "POST", URL: e.base, Token: tok, Body: `{"first_name":"ada","last_name":"LOVELACE"}`,
			ExpectedStatus: 201, ExpectedBody: []string{`"slug":"ada-lovelace-2"`, `"display_name":"ada LOVELACE"`}},
		{Name: "display name wins over names", Method: "POST", URL: e.base, Token: tok, Body: `{"display_name":"Émile Zola","first_name":"X"}`,
			ExpectedStatus: 201, ExpectedBody: []string{`"slug":"emile-zola"`, `"display_name":"Émile Zola"`, `"first_name":"X"`}},
		{Name: "unsluggable name falls back to contact", Method: "POST", URL: e.base, Token: tok, Body: `{"display_name":"你好"}`,
			ExpectedStatus: 201, ExpectedBody: []string{`"slug":"contact"`}},
		{Name: "long name: slug cut to 50", Method: "POST", URL: e.base, Token: tok, Body: `{"display_name":"` + long + `"}`,
			ExpectedStatus: 201, ExpectedBody: []string{`"slug":"` + long[:50] + `"`}},
		{Name: "long name again: suffix fits 50", Method: "POST", URL: e.base, Token: tok, Body: `{"display_name":"` + long + `"}`,
			ExpectedStatus: 201, ExpectedBody: []string{`"slug":"` + long[:48] + `-1"`}},
		{Name: "last name only", Method: "POST", URL: e.base, Token: tok, Body: `{"last_name":"Hopper","email":null,"notes":null}`,
			ExpectedStatus: 201, ExpectedBody: []string{`"display_name":"Hopper"`, `"email":""`, `"notes":""`}},
		{Name: "member may create", Method: "POST", URL: e.base, Token: member.Token, Body: `{"display_name":"By member"}`,
			ExpectedStatus: 201, ExpectedBody: []string{`"creator":"` + member.Slug + `"`}},
		{Name: "superuser enters any org", Method: "POST", URL: e.base, Token: admin.Token, Body: `{"display_name":"By admin"}`,
			ExpectedStatus: 201, ExpectedBody: []string{`"creator":"` + admin.Slug + `"`}},

		{Name: "no name at all", Method: "POST", URL: e.base, Token: tok, Body: `{"email":"a@example.com"}`, ExpectedStatus: 400,
			ExpectedBody: []string{"At least one of display_name, first_name, or last_name must be provided."}},
		{Name: "empty body object", Method: "POST", URL: e.base, Token: tok, Body: `{}`, ExpectedStatus: 400,
			ExpectedBody: []string{"At least one of display_name, first_name, or last_name must be provided."}},
		{Name: "null and empty names", Method: "POST", URL: e.base, Token: tok, Body: `{"display_name":"","first_name":null,"last_name":""}`,
			ExpectedStatus: 400, ExpectedBody: []string{"At least one of display_name"}},
		{Name: "blank email", Method: "POST", URL: e.base, Token: tok, Body: `{"display_name":"x","email":"   "}`, ExpectedStatus: 400,
			ExpectedBody: []string{"Email cannot be blank; use null to clear it", `"location":["body","email"]`}},
		{Name: "invalid email", Method: "POST", URL: e.base, Token: tok, Body: `{"display_name":"x","email":"not-an-email"}`, ExpectedStatus: 400,
			ExpectedBody: []string{"Invalid email address"}, NotExpected: []string{"not-an-email"}},
		{Name: "display_name too long", Method: "POST", URL: e.base, Token: tok, Body: `{"display_name":"` + strings.Repeat("é", 256) + `"}`,
			ExpectedStatus: 400, ExpectedBody: []string{`"location":["body","display_name"]`}},
		{Name: "first_name too long", Method: "POST", URL: e.base, Token: tok, Body: `{"first_name":"` + strings.Repeat("a", 256) + `"}`,
			ExpectedStatus: 400, ExpectedBody: []string{`"location":["body","first_name"]`}},
		{Name: "last_name too long", Method: "POST", URL: e.base, Token: tok, Body: `{"last_name":"` + strings.Repeat("a", 256) + `"}`,
			ExpectedStatus: 400, ExpectedBody: []string{`"location":["body","last_name"]`}},
		{Name: "location too long", Method: "POST", URL: e.base, Token: tok, Body: `{"display_name":"x","location":"` + strings.Repeat("a", 256) + `"}`,
			ExpectedStatus: 400, ExpectedBody: []string{`"location":["body","location"]`}},
		{Name: "email too long", Method: "POST", URL: e.base, Token: tok, Body: `{"display_name":"x","email":"` + strings.Repeat("a", 243) + `@example.com"}`,
			ExpectedStatus: 400, ExpectedBody: []string{`"location":["body","email"]`}},
		{Name: "phone too long", Method: "POST", URL: e.base, Token: tok, Body: `{"display_name":"x","phone":"` + strings.Repeat("1", 21) + `"}`,
			ExpectedStatus: 400, ExpectedBody: []string{`"location":["body","phone"]`}},
		{Name: "notes too long", Method: "POST", URL: e.base, Token: tok, Body: `{"display_name":"x","notes":"` + strings.Repeat("n", 10001) + `"}`,
			ExpectedStatus: 400, ExpectedBody: []string{`"location":["body","notes"]`}},
		{Name: "NUL character", Method: "POST", URL: e.base, Token: tok, Body: `{"display_name":"a\u0000b"}`, ExpectedStatus: 400,
			ExpectedBody: []string{"NUL"}},
		{Name: "unknown field", Method: "POST", URL: e.base, Token: tok, Body: `{"display_name":"x","organization":"other"}`,
			ExpectedStatus: 400, ExpectedBody: []string{`"location":["body","organization"]`}},
		{Name: "wrong type", Method: "POST", URL: e.base, Token: tok, Body: `{"display_name":5}`, ExpectedStatus: 400},
		{Name: "malformed JSON", Method: "POST", URL: e.base, Token: tok, Body: `{"display_name":`, ExpectedStatus: 400},
		{Name: "array body", Method: "POST", URL: e.base, Token: tok, Body: `["x"]`, ExpectedStatus: 400},
		{Name: "no token", Method: "POST", URL: e.base, Body: `{"display_name":"x"}`, ExpectedStatus: 401},
		{Name: "outsider", Method: "POST", URL: e.base, Token: outsider.Token, Body: `{"display_name":"x"}`, ExpectedStatus: 404,
			ExpectedBody: []string{`{"detail":"Organization not found"}`}},
		{Name: "unknown org", Method: "POST", URL: "/api/v1/orgs/nope/contacts/", Token: tok, Body: `{"display_name":"x"}`,
			ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Organization not found"}`}},
	})
	if n := testutil.Scalar[int64](t, e.s, `SELECT n FROM contact_counts c JOIN organizations o ON o.id = c.organization_id WHERE o.slug = $1`, e.org); n != 10 {
		t.Fatalf("contact_counts = %d, want 10", n)
	}
}

// The same display name in two orgs gets the same slug: slugs are per org.
func TestSlugsAreUniquePerOrg(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bob := e.s.CreateUser(t, "bob")
	a := e.create(t, `{"display_name":"Grace Hopper"}`)
	code, body := e.call(t, "POST", "/api/v1/orgs/"+bob.PersonalOrg+"/contacts/", bob.Token, `{"display_name":"Grace Hopper"}`)
	if code != 201 || testutil.Decode[contacts.ContactOut](t, body).Slug != a.Slug {
		t.Fatalf("other org: %d %s", code, body)
	}
}

// Concurrent creates of one name all succeed with distinct slugs.
func TestConcurrentCreatesGetDistinctSlugs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 12
	slugs := make(chan string, n)
	errs := make(chan string, n)
	for range n {
		go func() {
			code, body := e.call(t, "POST", e.base, e.owner.Token, `{"display_name":"Same Name"}`)
			if code != 201 {
				errs <- body
				return
			}
			var c contacts.ContactOut
			if err := json.Unmarshal([]byte(body), &c); err != nil {
				errs <- err.Error()
				return
			}
			slugs <- c.Slug
		}()
	}
	seen := map[string]bool{}
	for range n {
		select {
		case s := <-slugs:
			if seen[s] {
				t.Errorf("slug %q given twice", s)
			}
			seen[s] = true
		case msg := <-errs:
			t.Errorf("create failed: %s", msg)
		}
	}
}
