package exports_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"apistarter/internal/exports"
	"apistarter/internal/testutil"

	"github.com/google/uuid"
)

// readyMailsTo counts export-ready emails queued for to.
func readyMailsTo(t testing.TB, s *testutil.Server, to string) int64 {
	t.Helper()
	return testutil.Scalar[int64](t, s, `SELECT count(*) FROM outbox WHERE task_type = 'email:send'
		AND payload->'to'->>0 = $1 AND payload->>'text' LIKE '%export%'`, to)
}

func runExport(t testing.TB, s *testutil.Server, id string) {
	t.Helper()
	if err := s.App.ExportsService().Run(context.Background(), uuid.MustParse(id)); err != nil {
		t.Fatal(err)
	}
}

func getJob(t testing.TB, s *testutil.Server, slug, id string, u *testutil.User) map[string]any {
	t.Helper()
	return testutil.DecodeResponse[map[string]any](t, s.Do(t, "GET", "/api/v1/orgs/"+slug+"/exports/"+id+"/", u.Token, nil, nil))
}

// The link to the whole org's archive is mailed only to a requester who is
// still an admin or owner when the export completes; otherwise the export
// completes and says why nothing was mailed.
func TestExportReadyEmailNeedsTheRequesterToStillBeAdmin(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	cases := []struct {
		name   string
		change func(t *testing.T, slug string, admin *testutil.User)
		notice string
	}{
		{"still admin", func(*testing.T, string, *testutil.User) {}, ""},
		{"demoted to member", func(t *testing.T, slug string, admin *testutil.User) {
			s.Run(t, []testutil.Scenario{{Name: "demote", Method: "PATCH", URL: "/api/v1/orgs/" + slug + "/members/" + admin.Slug + "/",
				Token: owner.Token, Body: `{"role":"member"}`, ExpectedStatus: 200}})
		}, exports.NoticeRequesterNoRights},
		{"removed", func(t *testing.T, slug string, admin *testutil.User) {
			s.Run(t, []testutil.Scenario{{Name: "remove", Method: "DELETE", URL: "/api/v1/orgs/" + slug + "/members/" + admin.Slug + "/",
				Token: owner.Token, ExpectedStatus: 204}})
		}, exports.NoticeRequesterNoRights},
		{"deactivated", func(t *testing.T, _ string, admin *testutil.User) {
			testutil.Exec(t, s, `UPDATE users SET is_active = false WHERE id = $1`, admin.ID)
		}, exports.NoticeRequesterGone},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			slug := "acme" + string(rune('a'+i))
			orgID := s.CreateGroupOrg(t, owner, slug)
			seedOrg(t, s, orgID, owner.ID, 2, 1, 1)
			admin := s.CreateUser(t, "admin"+string(rune('a'+i)))
			s.AddMember(t, slug, admin, "admin")
			id := requestExport(t, s, slug, admin.Token)

			c.change(t, slug, admin)
			runExport(t, s, id)

			want := int64(0)
			if c.notice == "" {
				want = 1
			}
			if n := readyMailsTo(t, s, admin.Email); n != want {
				t.Fatalf("%d ready emails to the requester, want %d", n, want)
			}
			if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM outbox WHERE task_type = 'email:send' AND payload::text LIKE '%Org ' || $1 || '%'`, slug); n != want {
				t.Fatalf("%d emails about the org, want %d", n, want)
			}
			job := getJob(t, s, slug, id, owner)
			if job["status"] != "ready" || job["email_notice"] != c.notice || job["download_url"] == nil {
				t.Fatalf("job %v, want ready with email_notice %q", job, c.notice)
			}
		})
	}
}

// A retry makes the retrying admin the recipient of the ready email.
func TestExportRetryMakesTheRetryingAdminTheRecipient(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	first := s.CreateUser(t, "first")
	second := s.CreateUser(t, "second")
	orgID := s.CreateGroupOrg(t, owner, "acme")
	seedOrg(t, s, orgID, owner.ID, 2, 1, 1)
	s.AddMember(t, "acme", first, "admin")
	s.AddMember(t, "acme", second, "admin")
	id := requestExport(t, s, "acme", first.Token)
	setStatus(t, s, id, "failed")
	s.Run(t, []testutil.Scenario{
		{Name: "first admin demoted", Method: "PATCH", URL: "/api/v1/orgs/acme/members/" + first.Slug + "/", Token: owner.Token,
			Body: `{"role":"member"}`, ExpectedStatus: 200},
		{Name: "second admin retries", Method: "POST", URL: "/api/v1/orgs/acme/exports/" + id + "/retry/", Token: second.Token,
			ExpectedStatus: 202, ExpectedBody: []string{`"status":"pending"`}},
	})
	runExport(t, s, id)
	if n := readyMailsTo(t, s, second.Email); n != 1 {
		t.Fatalf("%d ready emails to the retrying admin, want 1", n)
	}
	if n := readyMailsTo(t, s, first.Email); n != 0 {
		t.Fatalf("%d ready emails to the first requester, want 0", n)
	}
	var text string
	if err := s.App.DB.QueryRow(context.Background(), `SELECT payload->>'text' FROM outbox WHERE task_type = 'email:send'`).Scan(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Org acme") {
		t.Fatalf("email text lacks the org: %q", text)
	}
	if job := getJob(t, s, "acme", id, second); job["status"] != "ready" || job["email_notice"] != "" {
		t.Fatalf("job %v", job)
	}
}

// Starting and retrying exports (each mails a link and builds a whole-org
// archive) share one per-user limit.
func TestExportCreationAndRetryAreLimitedPerUser(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t, testutil.WithEnv("RATELIMIT_ENABLED", "true"), testutil.WithEnv("RATELIMIT_EXPORTS_PER_USER", "2/h"))
	owner := s.CreateUser(t, "owner")
	other := s.CreateUser(t, "other")
	s.CreateGroupOrg(t, owner, "acme")
	s.AddMember(t, "acme", other, "admin")
	id := requestExport(t, s, "acme", owner.Token)
	setStatus(t, s, id, "failed")
	retry := "/api/v1/orgs/acme/exports/" + id + "/retry/"
	s.Run(t, []testutil.Scenario{
		{Name: "retry", Method: "POST", URL: retry, Token: owner.Token, ExpectedStatus: 202},
		{Name: "third start is refused", Method: "POST", URL: "/api/v1/orgs/" + owner.PersonalOrg + "/exports/", Token: owner.Token,
			ExpectedStatus: 429, ExpectedBody: []string{`{"detail":"Too many requests."}`},
			After: func(t testing.TB, resp *http.Response, _ string) {
				if resp.Header.Get("Retry-After") == "" {
					t.Error("no Retry-After")
				}
			}},
		{Name: "another admin has a budget of their own", Method: "POST", URL: "/api/v1/orgs/acme/exports/", Token: other.Token, ExpectedStatus: 202},
	})
}
