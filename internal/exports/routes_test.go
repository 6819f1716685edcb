package exports_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"apistarter/internal/exports"
	"apistarter/internal/testutil"

	"github.com/google/uuid"
)

func TestExportRoutesFollowTheRoleMatrixAndRetryRules(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	admin := s.CreateUser(t, "admin")
	member := s.CreateUser(t, "member")
	outsider := s.CreateUser(t, "outsider")
	s.CreateGroupOrg(t, owner, "acme")
	s.AddMember(t, "acme", admin, "admin")
	s.AddMember(t, "acme", member, "member")

	var first string
	s.Run(t, []testutil.Scenario{
		{Name: "member cannot start an export", Method: "POST", URL: "/api/v1/orgs/acme/exports/", Token: member.Token,
			ExpectedStatus: 403, ExpectedBody: []string{`"detail":"Only org admins/owners can perform this action."`}},
		{Name: "member cannot list exports", Method: "GET", URL: "/api/v1/orgs/acme/exports/", Token: member.Token, ExpectedStatus: 403},
		{Name: "outsider gets the org 404", Method: "POST", URL: "/api/v1/orgs/acme/exports/", Token: outsider.Token,
			ExpectedStatus: 404, ExpectedBody: []string{`"detail":"Organization not found"`}},
		{Name: "no token", Method: "POST", URL: "/api/v1/orgs/acme/exports/", ExpectedStatus: 401},
		{Name: "admin starts an export", Method: "POST", URL: "/api/v1/orgs/acme/exports/", Token: admin.Token,
			ExpectedStatus: 202, ExpectedBody: []string{`"status":"pending"`, `"download_url":null`, `"error_message":""`, `"started_at":null`},
			After: func(t testing.TB, _ *http.Response, body string) { first = jobID(t, body) }},
		{Name: "a second request returns the active job", Method: "POST", URL: "/api/v1/orgs/acme/exports/", Token: owner.Token,
			ExpectedStatus: 202, After: func(t testing.TB, _ *http.Response, body string) {
				if id := jobID(t, body); id != first {
					t.Errorf("second POST made job %s, want the active %s", id, first)
				}
			}},
	})
	if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM outbox WHERE task_type = 'export:run'`); n != 1 {
		t.Fatalf("%d export tasks in the outbox, want 1", n)
	}
	s.Run(t, []testutil.Scenario{
		{Name: "list holds the job", Method: "GET", URL: "/api/v1/orgs/acme/exports/?limit=10", Token: owner.Token,
			ExpectedStatus: 200, ExpectedBody: []string{`[{"id":"` + first + `"`}},
		{Name: "list limit above the maximum", Method: "GET", URL: "/api/v1/orgs/acme/exports/?limit=501", Token: owner.Token, ExpectedStatus: 400},
		{Name: "get the job", Method: "GET", URL: "/api/v1/orgs/acme/exports/" + first + "/", Token: admin.Token,
			ExpectedStatus: 200, ExpectedBody: []string{`"download_url":null`}},
		{Name: "member cannot get the job", Method: "GET", URL: "/api/v1/orgs/acme/exports/" + first + "/", Token: member.Token, ExpectedStatus: 403},
		{Name: "malformed id is a 404", Method: "GET", URL: "/api/v1/orgs/acme/exports/not-a-uuid/", Token: admin.Token,
			ExpectedStatus: 404, ExpectedBody: []string{`"detail":"Not Found"`}},
		{Name: "unknown id is a 404", Method: "GET", URL: "/api/v1/orgs/acme/exports/" + uuid.NewString() + "/", Token: admin.Token, ExpectedStatus: 404},
		{Name: "another org's job is a 404", Method: "GET", URL: "/api/v1/orgs/" + owner.PersonalOrg + "/exports/" + first + "/", Token: owner.Token, ExpectedStatus: 404},
		{Name: "a fresh pending job cannot be retried", Method: "POST", URL: "/api/v1/orgs/acme/exports/" + first + "/retry/", Token: admin.Token,
			ExpectedStatus: 409, ExpectedBody: []string{`"detail":"Only failed or stale exports can be retried."`}},
		{Name: "member cannot retry", Method: "POST", URL: "/api/v1/orgs/acme/exports/" + first + "/retry/", Token: member.Token, ExpectedStatus: 403},
		{Name: "retry of an unknown job", Method: "POST", URL: "/api/v1/orgs/acme/exports/" + uuid.NewString() + "/retry/", Token: admin.Token, ExpectedStatus: 404},
		{Name: "a ready job cannot be retried", Method: "POST", URL: "/api/v1/orgs/acme/exports/" + first + "/retry/", Token: admin.Token,
			Before: func(t testing.TB) { setStatus(t, s, first, "ready") }, ExpectedStatus: 409},
		{Name: "an expired job cannot be retried", Method: "POST", URL: "/api/v1/orgs/acme/exports/" + first + "/retry/", Token: admin.Token,
			Before: func(t testing.TB) { setStatus(t, s, first, "expired") }, ExpectedStatus: 409},
		{Name: "a failed job is re-queued", Method: "POST", URL: "/api/v1/orgs/acme/exports/" + first + "/retry/", Token: owner.Token,
			Before: func(t testing.TB) { setStatus(t, s, first, "failed") }, ExpectedStatus: 202,
			ExpectedBody: []string{`"status":"pending"`, `"error_message":""`}},
		{Name: "a stale processing job is re-queued", Method: "POST", URL: "/api/v1/orgs/acme/exports/" + first + "/retry/", Token: owner.Token,
			Before: func(t testing.TB) {
				testutil.Exec(t, s, `UPDATE export_jobs SET status = 'processing', heartbeat_at = now() - interval '2 hours' WHERE id = $1`, first)
			}, ExpectedStatus: 202, ExpectedBody: []string{`"status":"pending"`}},
		{Name: "a quiet job whose runner holds the lock is not stale", Method: "POST", URL: "/api/v1/orgs/acme/exports/" + first + "/retry/", Token: owner.Token,
			Before: func(t testing.TB) {
				testutil.Exec(t, s, `UPDATE export_jobs SET status = 'processing', heartbeat_at = now() - interval '2 hours' WHERE id = $1`, first)
				holdRunLock(t, s, first)
			}, ExpectedStatus: 409},
	})
	if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM outbox WHERE task_type = 'export:run'`); n != 3 {
		t.Errorf("%d export tasks in the outbox, want 3 (create and two retries)", n)
	}
}

func TestRetryOfAFailedJobWhileAnotherIsActiveConflicts(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	org := owner.PersonalOrg
	old := requestExport(t, s, org, owner.Token)
	setStatus(t, s, old, "failed")
	if requestExport(t, s, org, owner.Token) == old {
		t.Fatal("a failed job blocked a new export")
	}
	s.Run(t, []testutil.Scenario{{Name: "retry conflicts with the active job", Method: "POST",
		URL: "/api/v1/orgs/" + org + "/exports/" + old + "/retry/", Token: owner.Token, ExpectedStatus: 409}})
}

func TestExportListIsNewestFirstAndPaginated(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	org := owner.PersonalOrg
	var ids []string
	for range 3 {
		id := requestExport(t, s, org, owner.Token)
		setStatus(t, s, id, "failed") // frees the org for the next one
		ids = append(ids, id)
	}
	list := testutil.DecodeResponse[[]map[string]any](t, s.Do(t, "GET", "/api/v1/orgs/"+org+"/exports/?limit=2", owner.Token, nil, nil))
	if len(list) != 2 || list[0]["id"] != ids[2] || list[1]["id"] != ids[1] {
		t.Fatalf("page 1 = %v, want %v then %v", list, ids[2], ids[1])
	}
	list = testutil.DecodeResponse[[]map[string]any](t, s.Do(t, "GET", "/api/v1/orgs/"+org+"/exports/?limit=2&offset=2", owner.Token, nil, nil))
	if len(list) != 1 || list[0]["id"] != ids[0] {
		t.Fatalf("page 2 = %v, want %v", list, ids[0])
	}
	list = testutil.DecodeResponse[[]map[string]any](t, s.Do(t, "GET", "/api/v1/orgs/"+org+"/exports/?offset=5", owner.Token, nil, nil))
	if list == nil || len(list) != 0 {
		t.Fatalf("past the end: %v, want []", list)
	}
}

func jobID(t testing.TB, body string) string {
	t.Helper()
	var j struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(body), &j); err != nil || j.ID == "" {
		t.Fatalf("no job id in %s", body)
	}
	return j.ID
}

func setStatus(t testing.TB, s *testutil.Server, id, status string) {
	t.Helper()
	testutil.Exec(t, s, `UPDATE export_jobs SET status = $2 WHERE id = $1`, id, status)
}

// holdRunLock takes the job's runner lock on a connection of its own, as a
// live runner would, until the test ends.
func holdRunLock(t testing.TB, s *testutil.Server, id string) {
	t.Helper()
	conn, err := s.App.DB.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Conn().Close(context.Background()); conn.Release() })
	var ok bool
	if err := conn.QueryRow(context.Background(), `SELECT pg_try_advisory_lock($1)`, exports.RunLockKey(uuid.MustParse(id))).Scan(&ok); err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
}
