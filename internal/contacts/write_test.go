package contacts_test

import (
	"encoding/json"
	"testing"

	"apistarter/internal/contacts"
	"apistarter/internal/testutil"
)

func TestGetReplacePatchDeleteContact(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bob := e.s.CreateUser(t, "bob")
	bobs := "/api/v1/orgs/" + bob.PersonalOrg + "/contacts/"
	if code, body := e.call(t, "POST", bobs, bob.Token, `{"display_name":"Bob Contact"}`); code != 201 {
		t.Fatalf("bob's contact: %d %s", code, body)
	}
	c := e.create(t, `{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","phone":"1","location":"L","notes":"N"}`)
	url := e.base + c.Slug + "/"
	tok := e.owner.Token

	e.s.Run(t, []testutil.Scenario{
		{Name: "get", Method: "GET", URL: url, Token: tok, ExpectedStatus: 200,
			ExpectedBody: []string{`"slug":"ada-lovelace"`, `"email":"ada@example.com"`, `"tags":[]`, `"organization":"` + e.org + `"`}},
		{Name: "get unknown", Method: "GET", URL: e.base + "nobody/", Token: tok, ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Not Found"}`}},
		{Name: "get other org's slug in own org", Method: "GET", URL: e.base + "bob-contact/", Token: tok, ExpectedStatus: 404,
			ExpectedBody: []string{`{"detail":"Not Found"}`}},
		{Name: "get in other org", Method: "GET", URL: bobs + "bob-contact/", Token: tok, ExpectedStatus: 404,
			ExpectedBody: []string{`{"detail":"Organization not found"}`}},
		{Name: "get NUL slug", Method: "GET", URL: e.base + "a%00b/", Token: tok, ExpectedStatus: 404},
		{Name: "get invalid UTF-8 slug", Method: "GET", URL: e.base + "a%ffb/", Token: tok, ExpectedStatus: 404},

		{Name: "patch sends only keys; null clears", Method: "PATCH", URL: url, Token: tok, Body: `{"notes":"updated","phone":null}`,
			ExpectedStatus: 200,
			After: checkContact(func(t testing.TB, got contacts.ContactOut) {
				if got.Notes != "updated" || got.Phone != "" || got.Email != "ada@example.com" || got.Location != "L" ||
					got.DisplayName != "Ada Lovelace" || got.Slug != "ada-lovelace" || !got.UpdatedAt.After(c.UpdatedAt) {
					t.Errorf("after patch %+v", got)
				}
			})},
		{Name: "patch first name keeps display name", Method: "PATCH", URL: url, Token: tok, Body: `{"first_name":"Augusta"}`,
			ExpectedStatus: 200, ExpectedBody: []string{`"first_name":"Augusta"`, `"display_name":"Ada Lovelace"`}},
		{Name: "patch display name does not change slug", Method: "PATCH", URL: url, Token: tok, Body: `{"display_name":"Countess"}`,
			ExpectedStatus: 200, ExpectedBody: []string{`"display_name":"Countess"`, `"slug":"ada-lovelace"`}},
		{Name: "patch display name null clears it", Method: "PATCH", URL: url, Token: tok, Body: `{"display_name":null}`,
			ExpectedStatus: 200, ExpectedBody: []string{`"display_name":""`}},
		{Name: "patch email trimmed", Method: "PATCH", URL: url, Token: tok, Body: `{"email":" new@example.org "}`,
			ExpectedStatus: 200, ExpectedBody: []string{`"email":"new@example.org"`}},
		{Name: "patch email null clears", Method: "PATCH", URL: url, Token: tok, Body: `{"email":null}`,
			ExpectedStatus: 200, ExpectedBody: []string{`"email":""`}},
		{Name: "patch empty body", Method: "PATCH", URL: url, Token: tok, Body: `{}`, ExpectedStatus: 200},
		{Name: "patch blank email", Method: "PATCH", URL: url, Token: tok, Body: `{"email":""}`, ExpectedStatus: 400,
			ExpectedBody: []string{"Email cannot be blank; use null to clear it"}},
		{Name: "patch organization refused", Method: "PATCH", URL: url, Token: tok, Body: `{"organization":"` + bob.PersonalOrg + `"}`,
			ExpectedStatus: 400, ExpectedBody: []string{`"location":["body","organization"]`}},
		{Name: "patch slug refused", Method: "PATCH", URL: url, Token: tok, Body: `{"slug":"x"}`, ExpectedStatus: 400},
		{Name: "patch too long", Method: "PATCH", URL: url, Token: tok, Body: `{"phone":"123456789012345678901"}`, ExpectedStatus: 400},
		{Name: "patch unknown", Method: "PATCH", URL: e.base + "nobody/", Token: tok, Body: `{"notes":"x"}`, ExpectedStatus: 404,
			ExpectedBody: []string{`{"detail":"Not Found"}`}},
		{Name: "patch other org's contact", Method: "PATCH", URL: bobs + "bob-contact/", Token: tok, Body: `{"notes":"x"}`,
			ExpectedStatus: 404, ExpectedBody: []string{"Organization not found"}},

		{Name: "put resets omitted fields and recomputes display name", Method: "PUT", URL: url, Token: tok,
			Body: `{"first_name":"Grace","last_name":"Hopper","email":null}`, ExpectedStatus: 200,
			After: checkContact(func(t testing.TB, got contacts.ContactOut) {
				if got.DisplayName != "Grace Hopper" || got.Slug != "ada-lovelace" || got.Email != "" || got.Notes != "" ||
					got.Phone != "" || got.Location != "" || got.FirstName != "Grace" {
					t.Errorf("after put %+v", got)
				}
			})},
		{Name: "put with display name", Method: "PUT", URL: url, Token: tok, Body: `{"display_name":"Amazing Grace","notes":"n"}`,
			ExpectedStatus: 200, ExpectedBody: []string{`"display_name":"Amazing Grace"`, `"first_name":""`, `"notes":"n"`}},
		{Name: "put without a name", Method: "PUT", URL: url, Token: tok, Body: `{"notes":"n"}`, ExpectedStatus: 400,
			ExpectedBody: []string{"At least one of display_name, first_name, or last_name must be provided."}},
		{Name: "put invalid email", Method: "PUT", URL: url, Token: tok, Body: `{"display_name":"x","email":"x@"}`, ExpectedStatus: 400,
			ExpectedBody: []string{"Invalid email address"}},
		{Name: "put organization refused", Method: "PUT", URL: url, Token: tok, Body: `{"display_name":"x","organization":"y"}`,
			ExpectedStatus: 400},
		{Name: "put unknown", Method: "PUT", URL: e.base + "nobody/", Token: tok, Body: `{"display_name":"x"}`, ExpectedStatus: 404},

		{Name: "delete", Method: "DELETE", URL: url, Token: tok, ExpectedStatus: 200, ExpectedBody: []string{`{"detail":"Contact deleted."}`}},
		{Name: "gone", Method: "GET", URL: url, Token: tok, ExpectedStatus: 404},
		{Name: "delete again", Method: "DELETE", URL: url, Token: tok, ExpectedStatus: 404, ExpectedBody: []string{`{"detail":"Not Found"}`}},
		{Name: "delete other org's contact", Method: "DELETE", URL: bobs + "bob-contact/", Token: tok, ExpectedStatus: 404,
			ExpectedBody: []string{"Organization not found"}},
		{Name: "delete without token", Method: "DELETE", URL: bobs + "bob-contact/", ExpectedStatus: 401},
	})
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM contacts WHERE slug = 'bob-contact'`); n != 1 {
		t.Fatalf("bob's contact was touched: %d rows", n)
	}
}

// Deleting a contact takes its tag assignments with it (the tags stay), keeps
// the count right, and schedules exactly one deletion of its avatar pair.
func TestDeleteContactCleansRelationsAndAvatar(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.create(t, `{"display_name":"With Avatar"}`)
	other := e.create(t, `{"display_name":"Other"}`)
	tagURL := "/api/v1/orgs/" + e.org + "/tags/contacts/contact/"
	for _, id := range []int64{c.ID, other.ID} {
		if code, body := e.call(t, "POST", tagURL+testutil.Itoa(id)+"/", e.owner.Token, `["vip","newsletter"]`); code != 200 {
			t.Fatalf("assign: %d %s", code, body)
		}
	}
	testutil.Exec(t, e.s, `UPDATE contacts SET avatar_path = 'public/avatars/contacts/abc.webp' WHERE id = $1`, c.ID)

	code, body := e.call(t, "GET", e.base+c.Slug+"/", e.owner.Token, "")
	got := testutil.Decode[contacts.ContactOut](t, body)
	if code != 200 || got.AvatarURL == nil || *got.AvatarURL != e.s.App.Cfg.PublicMediaBaseURL+"/public/avatars/contacts/abc.webp" ||
		*got.LargeAvatarURL != e.s.App.Cfg.PublicMediaBaseURL+"/public/avatars/contacts/abc_lg.webp" || len(got.Tags) != 2 {
		t.Fatalf("before delete: %d %s", code, body)
	}
	if code, body := e.call(t, "DELETE", e.base+c.Slug+"/", e.owner.Token, ""); code != 200 {
		t.Fatalf("delete: %d %s", code, body)
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM tagged_items WHERE target_type = 'contacts.contact' AND object_id = $1`, c.ID); n != 0 {
		t.Errorf("%d tag assignments left behind", n)
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM tagged_items WHERE object_id = $1`, other.ID); n != 2 {
		t.Errorf("other contact has %d assignments, want 2", n)
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM tags`); n != 2 {
		t.Errorf("%d tags, want 2 (tags outlive assignments)", n)
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT n FROM contact_counts`); n != 1 {
		t.Errorf("contact_counts = %d, want 1", n)
	}
	payloads := testutil.Scalar[[]string](t, e.s, `SELECT coalesce(array_agg(payload::text), '{}') FROM outbox WHERE task_type = 'storage:delete'`)
	if len(payloads) != 1 {
		t.Fatalf("storage:delete tasks = %v, want exactly one", payloads)
	}
	var p struct{ Keys []string }
	if err := json.Unmarshal([]byte(payloads[0]), &p); err != nil || len(p.Keys) != 2 ||
		p.Keys[0] != "public/avatars/contacts/abc.webp" || p.Keys[1] != "public/avatars/contacts/abc_lg.webp" {
		t.Fatalf("payload = %s", payloads[0])
	}
	if q := testutil.Scalar[string](t, e.s, `SELECT queue FROM outbox WHERE task_type = 'storage:delete'`); q != "maintenance" {
		t.Fatalf("queue = %q", q)
	}
}

// Deleting a contact without an avatar schedules nothing.
func TestDeleteContactWithoutAvatarSchedulesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.create(t, `{"display_name":"Plain"}`)
	if code, body := e.call(t, "DELETE", e.base+c.Slug+"/", e.owner.Token, ""); code != 200 {
		t.Fatalf("delete: %d %s", code, body)
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM outbox WHERE task_type = 'storage:delete'`); n != 0 {
		t.Fatalf("%d storage:delete tasks", n)
	}
}
