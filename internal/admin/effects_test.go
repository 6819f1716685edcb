package admin_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"apistarter/internal/httpapi"
	"apistarter/internal/orgs"
	"apistarter/internal/ratelimit"
	"apistarter/internal/testutil"

	"github.com/danielgtaylor/huma/v2"
	"github.com/hibiken/asynq"
)

// TestRoleChangedInTheConsoleActsLikeTheAPI: the orgs service does the
// write, so the org's permission-cache version moves and the member's next
// API request sees the new role.
func TestRoleChangedInTheConsoleActsLikeTheAPI(t *testing.T) {
	r := newRig(t)
	su := r.user(t, "root", "superuser")
	owner := r.user(t, "owner", "user")
	m := r.user(t, "member", "user")
	orgID := r.api.CreateGroupOrg(t, owner, "acme")
	r.api.AddMember(t, "acme", m, "member")
	// The member cannot list invitations (admin+) before.
	if st, _ := testutil.Call(t, r.api.URL, http.MethodGet, "/api/v1/orgs/acme/invitations/", m.Token, nil, nil); st != http.StatusForbidden {
		t.Fatalf("member listing invitations: %d, want 403", st)
	}
	before := testutil.Scalar[int64](t, r.api, `SELECT perm_version FROM organizations WHERE id = $1`, orgID)

	b := r.browser(t)
	b.mustSignIn(su.Email)
	b.get("/admin/orgs/" + testutil.Itoa(orgID))
	st, _, h := b.post("/admin/orgs/"+testutil.Itoa(orgID)+"/role", url.Values{"csrf": {b.csrf()}, "member": {m.Slug}, "role": {"admin"}})
	if st != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "ok=role") {
		t.Fatalf("change role: %d %s\n%s", st, h.Get("Location"), b.last)
	}
	after := testutil.Scalar[int64](t, r.api, `SELECT perm_version FROM organizations WHERE id = $1`, orgID)
	if after <= before {
		t.Fatalf("perm_version %d → %d: the permission cache would not see the change", before, after)
	}
	if st, body := testutil.Call(t, r.api.URL, http.MethodGet, "/api/v1/orgs/acme/invitations/", m.Token, nil, nil); st != http.StatusOK {
		t.Fatalf("new admin listing invitations: %d %s", st, body)
	}

	// The owner rules of the API hold: the last owner cannot be demoted.
	b.get("/admin/orgs/" + testutil.Itoa(orgID))
	if st, _, _ := b.post("/admin/orgs/"+testutil.Itoa(orgID)+"/role", url.Values{"csrf": {b.csrf()}, "member": {owner.Slug}, "role": {"member"}}); st != http.StatusConflict {
		t.Fatalf("demoting the last owner: %d, want 409\n%s", st, b.last)
	}
	// A bad role is a 400, not a 500.
	if st, _, _ := b.post("/admin/orgs/"+testutil.Itoa(orgID)+"/role", url.Values{"csrf": {b.csrf()}, "member": {m.Slug}, "role": {"king"}}); st != http.StatusBadRequest {
		t.Fatalf("unknown role: %d, want 400", st)
	}
}

// TestDeletedUserFilesGetTheirStorageDeleteTasks: deleting an account in
// the console runs the API's cascade, including the outbox task that
// removes the personal org's stored files.
func TestDeletedUserFilesGetTheirStorageDeleteTasks(t *testing.T) {
	r := newRig(t)
	su := r.user(t, "root", "superuser")
	victim := r.user(t, "victim", "user")
	personal := testutil.Scalar[int64](t, r.api, `SELECT id FROM organizations WHERE slug = $1`, victim.PersonalOrg)

	b := r.browser(t)
	b.mustSignIn(su.Email)
	b.get("/admin/users/" + testutil.Itoa(victim.ID) + "/delete")
	if st, _, _ := b.post("/admin/users/"+testutil.Itoa(victim.ID)+"/delete", url.Values{"csrf": {b.csrf()}, "confirm": {"someone else"}}); st != http.StatusBadRequest {
		t.Fatalf("unconfirmed delete: %d, want 400", st)
	}
	if st, _, _ := b.post("/admin/users/"+testutil.Itoa(victim.ID)+"/delete", url.Values{"csrf": {b.csrf()}, "confirm": {strings.ToUpper(victim.Email)}}); st != http.StatusSeeOther {
		t.Fatalf("delete: %d\n%s", st, b.last)
	}
	users := testutil.Scalar[int](t, r.api, `SELECT count(*) FROM users WHERE id = $1`, victim.ID)
	orgsLeft := testutil.Scalar[int](t, r.api, `SELECT count(*) FROM organizations WHERE id = $1`, personal)
	if users != 0 || orgsLeft != 0 {
		t.Fatalf("user rows %d, personal org rows %d after delete", users, orgsLeft)
	}
	payload := testutil.Scalar[[]byte](t, r.api, `SELECT payload FROM outbox WHERE task_type = $1 ORDER BY created_at DESC LIMIT 1`, orgs.TaskStorageDeletePrefix)
	var p orgs.StorageDeletePrefixPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		t.Fatal(err)
	}
	want := orgs.OrgStoragePrefixes(personal)
	if strings.Join(p.Prefixes, ",") != strings.Join(want, ",") {
		t.Fatalf("storage-delete prefixes %v, want %v", p.Prefixes, want)
	}
	if st, _ := testutil.Call(t, r.api.URL, http.MethodGet, "/api/v1/users/me", victim.Token, nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("deleted user's token: %d, want 401", st)
	}
}

// TestDeactivationEndsTheUsersAPISessions: the accounts service ends every
// session and bumps auth_version, as for the API's own flows.
func TestDeactivationEndsTheUsersAPISessions(t *testing.T) {
	r := newRig(t)
	su := r.user(t, "root", "superuser")
	u := r.user(t, "target", "user")
	if st, _ := testutil.Call(t, r.api.URL, http.MethodGet, "/api/v1/users/me", u.Token, nil, nil); st != http.StatusOK {
		t.Fatalf("token before: %d", st)
	}
	b := r.browser(t)
	b.mustSignIn(su.Email)
	if st, _, _ := b.post("/admin/users/"+testutil.Itoa(u.ID)+"/deactivate", url.Values{"csrf": {b.csrf()}}); st != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", st)
	}
	if st, _ := testutil.Call(t, r.api.URL, http.MethodGet, "/api/v1/users/me", u.Token, nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("token after deactivation: %d, want 401", st)
	}
	if st, _, _ := b.get("/admin/users/" + testutil.Itoa(u.ID)); st != http.StatusOK || !strings.Contains(b.last, "inactive") {
		t.Fatalf("user page after deactivation: %d", st)
	}
	// A superuser cannot lock themselves out from the console.
	if st, _, _ := b.post("/admin/users/"+testutil.Itoa(su.ID)+"/deactivate", url.Values{"csrf": {b.csrf()}}); st != http.StatusConflict {
		t.Fatalf("self-deactivation: %d, want 409", st)
	}
}

// TestRetryHandsAFailedEmailBackToItsQueue: the queue's archived copy (with
// its body) runs again and the row is unfinished again; the outbox page
// shows recipient and subject but never the body.
func TestRetryHandsAFailedEmailBackToItsQueue(t *testing.T) {
	r := newRig(t)
	su := r.user(t, "root", "superuser")
	id := failedEmail(t, r)
	b := r.browser(t)
	b.mustSignIn(su.Email)
	st, body, _ := b.get("/admin/outbox?state=failed")
	if st != http.StatusOK || !strings.Contains(body, "someone@example.com") || !strings.Contains(body, "Reset your password") ||
		!strings.Contains(body, "550 mailbox unavailable") {
		t.Fatalf("outbox page: %d\n%s", st, body)
	}
	if strings.Contains(body, "secret link") || strings.Contains(body, "#token") {
		t.Fatal("the outbox page shows an email body")
	}
	if st, _, _ := b.post("/admin/outbox/"+id.String()+"/retry", url.Values{"csrf": {b.csrf()}}); st != http.StatusSeeOther {
		t.Fatalf("retry: %d\n%s", st, b.last)
	}
	queue := testutil.Scalar[string](t, r.api, `SELECT queue FROM outbox WHERE id = $1`, id)
	failed := testutil.Scalar[bool](t, r.api, `SELECT failed_at IS NOT NULL FROM outbox WHERE id = $1`, id)
	if failed {
		t.Fatal("retried row still marked failed")
	}
	info, err := r.inspector.GetTaskInfo(queue, id.String())
	if err != nil {
		t.Fatal(err)
	}
	if info.State != asynq.TaskStatePending || !strings.Contains(string(info.Payload), "secret link") {
		t.Fatalf("queued copy: state %v, payload kept %v", info.State, strings.Contains(string(info.Payload), "secret link"))
	}
	// Retrying a task that is no longer failed is a 409.
	b.get("/admin/outbox")
	if st, _, _ := b.post("/admin/outbox/"+id.String()+"/retry", url.Values{"csrf": {b.csrf()}}); st != http.StatusConflict {
		t.Fatalf("second retry: %d, want 409", st)
	}
	if st, _, _ := b.post("/admin/outbox/not-a-uuid/retry", url.Values{"csrf": {b.csrf()}}); st != http.StatusNotFound {
		t.Fatalf("bad id: %d, want 404", st)
	}
}

// TestAuditLogListsConsoleActionsAndAPISuperuserAccess: a superuser
// entering an org through the API (with AuditTenantAccess installed) and a
// console action both appear, and the filters separate them.
func TestAuditLogListsConsoleActionsAndAPISuperuserAccess(t *testing.T) {
	r := newRig(t)
	su := r.user(t, "root", "superuser")
	owner := r.user(t, "owner", "user")
	r.api.CreateGroupOrg(t, owner, "acme")
	ips, _ := ratelimit.NewIPResolver(nil)
	api := r.api.Mount(t, func(api huma.API) {
		api.UseMiddleware(r.api.App.Orgs.AuditTenantAccess(ips))
		huma.Register(api, huma.Operation{OperationID: "probe", Method: http.MethodGet, Path: "/orgs/{org_slug}/probe/",
			Security: []map[string][]string{{httpapi.BearerScheme: {}}}},
			func(ctx context.Context, in *struct {
				OrgSlug string `path:"org_slug"`
			}) (*struct{}, error) {
				return nil, nil
			})
	})
	if st, body := testutil.Call(t, api.URL, http.MethodGet, "/api/v1/orgs/acme/probe/", su.Token, nil, nil); st >= 300 {
		t.Fatalf("superuser probe: %d %s", st, body)
	}
	if st, _ := testutil.Call(t, api.URL, http.MethodGet, "/api/v1/orgs/acme/probe/", owner.Token, nil, nil); st >= 300 {
		t.Fatalf("member probe: %d", st)
	}
	n := testutil.Scalar[int](t, r.api, `SELECT count(*) FROM admin_audit_events WHERE source = 'api'`)
	if n != 1 {
		t.Fatalf("%d API audit entries, want 1 (the superuser's, not the member's)", n)
	}

	b := r.browser(t)
	b.mustSignIn(su.Email)
	if st, _, _ := b.post("/admin/users/"+testutil.Itoa(owner.ID)+"/revoke-sessions", url.Values{"csrf": {b.csrf()}}); st != http.StatusSeeOther {
		t.Fatalf("revoke sessions: %d", st)
	}
	_, all, _ := b.get("/admin/audit")
	_, apiOnly, _ := b.get("/admin/audit?source=api")
	_, action, _ := b.get("/admin/audit?action=user_sessions_revoked")
	switch {
	case !strings.Contains(all, "platform_admin_tenant_access") || !strings.Contains(all, "user_sessions_revoked"):
		t.Fatalf("unfiltered log misses an entry:\n%s", all)
	case !strings.Contains(apiOnly, "platform_admin_tenant_access") || strings.Contains(apiOnly, "user_sessions_revoked"):
		t.Fatalf("source=api filter:\n%s", apiOnly)
	case strings.Contains(action, "platform_admin_tenant_access") || !strings.Contains(action, owner.Email):
		t.Fatalf("action filter:\n%s", action)
	}
}

// TestSearchAndPagination: users are found by email, username or name and
// listed fifty a page.
func TestSearchAndPagination(t *testing.T) {
	r := newRig(t)
	staff := r.user(t, "staff", "staff")
	for i := 0; i < 55; i++ {
		testutil.Exec(t, r.api, `INSERT INTO users (email, username, slug, first_name, last_name) VALUES ($1, $2, $2, 'Ada', $3)`,
			"bulk"+testutil.Itoa(int64(i))+"@example.com", "bulk"+testutil.Itoa(int64(i)), "Lovelace"+testutil.Itoa(int64(i)))
	}
	testutil.Exec(t, r.api, `UPDATE users SET first_name = 'Grace', last_name = 'Hopper' WHERE username = 'bulk7'`)
	b := r.browser(t)
	b.mustSignIn(staff.Email)
	for _, q := range []string{"bulk7@example.com", "BULK7", "grace hopper"} {
		_, body, _ := b.get("/admin/users?q=" + url.QueryEscape(q))
		if !strings.Contains(body, "bulk7@example.com") || strings.Contains(body, "bulk8@example.com") {
			t.Fatalf("search %q:\n%s", q, body)
		}
	}
	_, body, _ := b.get("/admin/users?q=%25")
	if strings.Contains(body, "bulk1@example.com") {
		t.Fatal("a % search must match a literal percent sign, not everything")
	}
	_, body, _ = b.get("/admin/users?q=bulk")
	if strings.Count(body, `href="/admin/users/`) != 50 || !strings.Contains(body, "Next →") {
		t.Fatalf("first page: %d users", strings.Count(body, `href="/admin/users/`))
	}
	_, body, _ = b.get("/admin/users?q=bulk&page=2")
	if strings.Count(body, `href="/admin/users/`) != 5 || strings.Contains(body, "Next →") {
		t.Fatalf("second page: %d users", strings.Count(body, `href="/admin/users/`))
	}
	if st, _, _ := b.get("/admin/users/999999"); st != http.StatusNotFound {
		t.Fatalf("unknown user: %d, want 404", st)
	}
	if st, _, _ := b.get("/admin/users/abc"); st != http.StatusNotFound {
		t.Fatalf("bad user id: %d, want 404", st)
	}
}

// TestTransferOwnershipDemotesTheOtherOwners: one transaction makes the
// member the owner and every previous owner an admin; personal orgs keep
// their creator.
func TestTransferOwnershipDemotesTheOtherOwners(t *testing.T) {
	r := newRig(t)
	su := r.user(t, "root", "superuser")
	owner := r.user(t, "owner", "user")
	heir := r.user(t, "heir", "user")
	orgID := r.api.CreateGroupOrg(t, owner, "acme")
	r.api.AddMember(t, "acme", heir, "member")
	b := r.browser(t)
	b.mustSignIn(su.Email)
	csrf := b.csrf()
	if st, _, _ := b.post("/admin/orgs/"+testutil.Itoa(orgID)+"/transfer", url.Values{"csrf": {csrf}, "member": {heir.Slug}}); st != http.StatusSeeOther {
		t.Fatalf("transfer: %d\n%s", st, b.last)
	}
	heirRole := testutil.Scalar[string](t, r.api, `SELECT role FROM memberships WHERE user_id = $1 AND organization_id = $2`, heir.ID, orgID)
	ownerRole := testutil.Scalar[string](t, r.api, `SELECT role FROM memberships WHERE user_id = $1 AND organization_id = $2`, owner.ID, orgID)
	if heirRole != "owner" || ownerRole != "admin" {
		t.Fatalf("after transfer: heir %s, previous owner %s", heirRole, ownerRole)
	}
	personal := testutil.Scalar[int64](t, r.api, `SELECT id FROM organizations WHERE slug = $1`, owner.PersonalOrg)
	if st, _, _ := b.post("/admin/orgs/"+testutil.Itoa(personal)+"/transfer", url.Values{"csrf": {csrf}, "member": {owner.Slug}}); st != http.StatusConflict {
		t.Fatalf("transfer of a personal org: %d, want 409", st)
	}
	if st, _, _ := b.post("/admin/orgs/"+testutil.Itoa(orgID)+"/transfer", url.Values{"csrf": {csrf}, "member": {"nobody"}}); st != http.StatusNotFound {
		t.Fatalf("transfer to a non-member: %d, want 404", st)
	}
}

// TestContentPagesShowThumbnailsThroughSignedLinks: an image uploaded
// through the API is listed with a signed thumbnail link that serves it.
func TestContentPagesShowThumbnailsThroughSignedLinks(t *testing.T) {
	r := newRig(t)
	staff := r.user(t, "staff", "staff")
	owner := r.user(t, "owner", "user")
	orgID := r.api.CreateGroupOrg(t, owner, "acme")
	st, body := r.api.Upload(t, "/api/v1/orgs/acme/images/", owner.Token, nil,
		testutil.FormFile{Field: "file", Name: "engine.png", Data: testutil.PNG(t, 48, 32)})
	if st != http.StatusOK {
		t.Fatalf("upload: %d %s", st, body)
	}
	b := r.browser(t)
	b.mustSignIn(staff.Email)
	_, page, _ := b.get("/admin/orgs/" + testutil.Itoa(orgID) + "/content?tab=images")
	src := between(page, `<img class="thumb" src="`, `"`)
	if src == "" {
		t.Fatalf("no thumbnail:\n%s", page)
	}
	// The app signs links for its configured base URL; the test API
	// listens elsewhere.
	src = strings.Replace(html.UnescapeString(src), "http://localhost:8000", r.api.URL, 1)
	resp, err := http.Get(src)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/webp" {
		t.Fatalf("thumbnail link: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if _, page, _ := b.get("/admin/orgs/" + testutil.Itoa(orgID) + "/content?tab=images&q=nothing-like-it"); strings.Contains(page, `class="thumb"`) {
		t.Fatal("a search that matches nothing still lists the image")
	}
}
