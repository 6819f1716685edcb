package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"apistarter/internal/auth"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/mail"
	"apistarter/internal/testutil"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
)

// fixture is what one action acts on, created fresh for each caller.
type fixture struct {
	path string
	form url.Values
}

// TestAuthorizationMatrix drives every page and every action as anonymous,
// a normal user (holding a session row from before, so the per-request
// check is what refuses), staff and superuser.
func TestAuthorizationMatrix(t *testing.T) {
	r := newRig(t)
	staff := r.user(t, "staff", "staff")
	su := r.user(t, "root", "superuser")
	normal := r.user(t, "normal", "user")
	owner := r.user(t, "owner", "user")
	orgID := r.api.CreateGroupOrg(t, owner, "acme")

	callers := map[string]*browser{"anonymous": r.browser(t), "user": r.browser(t), "staff": r.browser(t), "superuser": r.browser(t)}
	callers["staff"].mustSignIn(staff.Email)
	callers["superuser"].mustSignIn(su.Email)
	if st := callers["user"].signIn(normal.Email, password); st != http.StatusUnauthorized {
		t.Fatalf("a normal user signed in: %d", st)
	}
	plantSession(t, r, callers["user"], normal.ID)

	pages := []string{
		"/admin/", "/admin/users", "/admin/users?q=staff&page=1", "/admin/users/" + testutil.Itoa(normal.ID),
		"/admin/users/" + testutil.Itoa(normal.ID) + "/delete", "/admin/orgs", "/admin/orgs?q=acme", "/admin/orgs/" + testutil.Itoa(orgID),
		"/admin/orgs/" + testutil.Itoa(orgID) + "/content", "/admin/orgs/" + testutil.Itoa(orgID) + "/content?tab=tags&q=x",
		"/admin/orgs/" + testutil.Itoa(orgID) + "/content?tab=images", "/admin/orgs/" + testutil.Itoa(orgID) + "/delete",
		"/admin/outbox", "/admin/outbox?state=failed&type=email:send", "/admin/audit", "/admin/audit?source=api&actor=root",
	}
	pageWant := map[string]int{"anonymous": http.StatusSeeOther, "user": http.StatusSeeOther, "staff": http.StatusOK, "superuser": http.StatusOK}
	for _, p := range pages {
		for who, b := range callers {
			t.Run("GET "+p+" as "+who, func(t *testing.T) {
				st, body, h := b.get(p)
				if st != pageWant[who] {
					t.Fatalf("status %d, want %d", st, pageWant[who])
				}
				if st == http.StatusSeeOther && !strings.HasPrefix(h.Get("Location"), "/admin/login?next=") {
					t.Fatalf("redirect to %q, want the sign-in page", h.Get("Location"))
				}
				if who == "staff" && strings.Contains(body, `method="post" action="/admin/users/`) {
					t.Fatal("staff pages must not offer actions")
				}
			})
		}
	}

	actions := []struct {
		name  string
		setup func(t *testing.T) fixture
	}{
		{"deactivate", func(t *testing.T) fixture { return userAction(r, t, "deactivate", nil) }},
		{"activate", func(t *testing.T) fixture {
			f := userAction(r, t, "activate", nil)
			testutil.Exec(t, r.api, `UPDATE users SET is_active = false WHERE id = $1`, idOf(f.path))
			return f
		}},
		{"verify", func(t *testing.T) fixture {
			f := userAction(r, t, "verify", nil)
			testutil.Exec(t, r.api, `UPDATE users SET email_verified = false WHERE id = $1`, idOf(f.path))
			return f
		}},
		{"revoke sessions", func(t *testing.T) fixture { return userAction(r, t, "revoke-sessions", nil) }},
		{"password reset", func(t *testing.T) fixture { return userAction(r, t, "password-reset", nil) }},
		{"delete user", func(t *testing.T) fixture {
			u := r.user(t, "doomed", "user")
			return fixture{"/admin/users/" + testutil.Itoa(u.ID) + "/delete", url.Values{"confirm": {u.Email}}}
		}},
		{"change role", func(t *testing.T) fixture {
			m := r.user(t, "member", "user")
			r.api.AddMember(t, "acme", m, "member")
			return fixture{"/admin/orgs/" + testutil.Itoa(orgID) + "/role", url.Values{"member": {m.Slug}, "role": {"admin"}}}
		}},
		{"remove member", func(t *testing.T) fixture {
			m := r.user(t, "member", "user")
			r.api.AddMember(t, "acme", m, "member")
			return fixture{"/admin/orgs/" + testutil.Itoa(orgID) + "/remove", url.Values{"member": {m.Slug}}}
		}},
		{"transfer ownership", func(t *testing.T) fixture {
			o := r.user(t, "groupowner", "user")
			m := r.user(t, "heir", "user")
			slug := "t" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
			id := r.api.CreateGroupOrg(t, o, slug)
			r.api.AddMember(t, slug, m, "member")
			return fixture{"/admin/orgs/" + testutil.Itoa(id) + "/transfer", url.Values{"member": {m.Slug}}}
		}},
		{"revoke invitation", func(t *testing.T) fixture {
			inv := testutil.Scalar[int64](t, r.api, `INSERT INTO invitations (organization_id, email, role, token_hash, invited_by_id, expires_at)
				VALUES ($1, $2, 'member', $3, $4, now() + interval '1 day') RETURNING id`,
				orgID, uuid.NewString()+"@example.com", auth.HashToken(uuid.NewString()), owner.ID)
			return fixture{"/admin/orgs/" + testutil.Itoa(orgID) + "/invitations/" + testutil.Itoa(inv) + "/revoke", nil}
		}},
		{"start export", func(t *testing.T) fixture {
			o := r.user(t, "exporter", "user")
			slug := "e" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
			return fixture{"/admin/orgs/" + testutil.Itoa(r.api.CreateGroupOrg(t, o, slug)) + "/export", nil}
		}},
		{"delete org", func(t *testing.T) fixture {
			o := r.user(t, "orgowner", "user")
			slug := "d" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
			return fixture{"/admin/orgs/" + testutil.Itoa(r.api.CreateGroupOrg(t, o, slug)) + "/delete", url.Values{"confirm": {slug}}}
		}},
		{"retry task", func(t *testing.T) fixture {
			return fixture{"/admin/outbox/" + failedEmail(t, r).String() + "/retry", nil}
		}},
	}
	actWant := map[string]int{"anonymous": http.StatusForbidden, "user": http.StatusForbidden, "staff": http.StatusForbidden, "superuser": http.StatusSeeOther}
	for _, a := range actions {
		for _, who := range []string{"anonymous", "user", "staff", "superuser"} {
			b := callers[who]
			t.Run("POST "+a.name+" as "+who, func(t *testing.T) {
				f := a.setup(t)
				form := url.Values{}
				for k, v := range f.form {
					form[k] = v
				}
				if who == "staff" || who == "superuser" {
					b.get("/admin/")
					form.Set("csrf", b.csrf())
				} else {
					form.Set("csrf", "guess")
				}
				if st, _, _ := b.post(f.path, form); st != actWant[who] {
					t.Fatalf("status %d, want %d\n%s", st, actWant[who], b.last)
				}
			})
		}
	}

	// Refused callers left no trace but their sign-ins; each of the
	// superuser's actions is in the audit log.
	foreign := testutil.Scalar[int](t, r.api, `SELECT count(*) FROM admin_audit_events WHERE source = 'console'
		AND action NOT IN ('console_sign_in') AND actor_id IS DISTINCT FROM $1`, su.ID)
	if foreign != 0 {
		t.Fatalf("%d audit entries from callers who may not act", foreign)
	}
	recorded := testutil.Scalar[int](t, r.api, `SELECT count(DISTINCT action) FROM admin_audit_events WHERE source = 'console' AND actor_id = $1
		AND action <> 'console_sign_in'`, su.ID)
	if recorded != len(actions) {
		t.Fatalf("%d distinct actions audited, want %d", recorded, len(actions))
	}
}

// plantSession gives b a console session row for a user who could never
// open one (not staff): only the per-request rights check stands between.
func plantSession(t *testing.T, r *rig, b *browser, userID int64) {
	t.Helper()
	token := uuid.NewString()
	testutil.Exec(t, r.api, `INSERT INTO admin_sessions (token_hash, user_id, auth_version, csrf_token) VALUES ($1, $2, 1, 'guess')`, auth.HashToken(token), userID)
	u, _ := url.Parse(b.base + "/admin/")
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "admin_session", Value: token, Path: "/admin/"}})
}

func userAction(r *rig, t *testing.T, action string, form url.Values) fixture {
	u := r.user(t, "target", "user")
	return fixture{"/admin/users/" + testutil.Itoa(u.ID) + "/" + action, form}
}

// idOf is the numeric id in /admin/users/{id}/...
func idOf(path string) int64 {
	var id int64
	for _, c := range strings.Split(path, "/")[3] {
		id = id*10 + int64(c-'0')
	}
	return id
}

// failedEmail leaves an email task as the worker leaves one that failed for
// good: archived in its queue with its payload, its outbox row marked
// failed and reduced to recipients and subject.
func failedEmail(t *testing.T, r *rig) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	msg := mail.Message{To: []string{"someone@example.com"}, Subject: "Reset your password", Text: "secret link https://x/#token"}
	tx, err := r.api.App.DB.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id, err := r.api.App.Outbox.EnqueueEmail(ctx, tx, msg)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var queue string
	var payload []byte
	if err := r.api.App.DB.QueryRow(ctx, `SELECT queue, payload FROM outbox WHERE id = $1`, id).Scan(&queue, &payload); err != nil {
		t.Fatal(err)
	}
	client := asynq.NewClientFromRedisClient(r.api.App.Redis)
	if _, err := client.Enqueue(asynq.NewTask("email:send", payload), asynq.TaskID(id.String()), asynq.Queue(queue)); err != nil {
		t.Fatal(err)
	}
	if err := r.inspector.ArchiveTask(queue, id.String()); err != nil {
		t.Fatal(err)
	}
	if err := sqlc.New(r.api.App.DB).FailOutbox(ctx, sqlc.FailOutboxParams{ID: id, LastError: "smtp: 550 mailbox unavailable", Attempts: 9}); err != nil {
		t.Fatal(err)
	}
	return id
}
