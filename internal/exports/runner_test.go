package exports_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"

	"apistarter/internal/exports"
	"apistarter/internal/jobs"
	"apistarter/internal/testutil"

	"github.com/google/uuid"
)

// Concurrent requests for one org yield one job and one task.
func TestConcurrentExportRequestsShareOneActiveJob(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	const n = 8
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp := s.Do(t, "POST", "/api/v1/orgs/"+owner.PersonalOrg+"/exports/", owner.Token, nil, nil)
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Errorf("status %d", resp.StatusCode)
				return
			}
			var j struct{ ID string }
			_ = json.NewDecoder(resp.Body).Decode(&j)
			ids[i] = j.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent requests made several jobs: %v", ids)
		}
	}
	if c := testutil.Scalar[int64](t, s, `SELECT count(*) FROM export_jobs`); c != 1 {
		t.Errorf("%d jobs, want 1", c)
	}
	if c := testutil.Scalar[int64](t, s, `SELECT count(*) FROM outbox WHERE task_type = 'export:run'`); c != 1 {
		t.Errorf("%d tasks, want 1", c)
	}
}

// While a runner holds a job, a second runner leaves it alone and asks to
// come back later (not counted as a retry) instead of completing its task:
// the holder may be a runner whose worker is shutting down.
func TestSecondRunnerOfAJobDoesNothing(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	id := requestExport(t, s, owner.PersonalOrg, owner.Token)
	holdRunLock(t, s, id)
	if err := s.App.ExportsService().Run(context.Background(), uuid.MustParse(id)); !jobs.IsLater(err) {
		t.Fatalf("second runner: %v, want a retry-later error", err)
	}
	if c := testutil.Scalar[int64](t, s, `SELECT count(*) FROM export_jobs WHERE id = $1 AND status = 'pending' AND attempt_count = 0`, id); c != 1 {
		t.Error("the second runner touched the job")
	}
}

// A job that is not pending or processing is never built.
func TestRunnerIgnoresFinishedJobs(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	id := requestExport(t, s, owner.PersonalOrg, owner.Token)
	for _, st := range []string{"ready", "failed", "expired"} {
		setStatus(t, s, id, st)
		if err := s.App.ExportsService().Run(context.Background(), uuid.MustParse(id)); err != nil {
			t.Fatal(err)
		}
		if c := testutil.Scalar[int64](t, s, `SELECT count(*) FROM export_jobs WHERE id = $1 AND status = $2 AND attempt_count = 0`, id, st); c != 1 {
			t.Errorf("%s job was run", st)
		}
	}
}

// A run that fails marks the job failed with its documented message and
// leaves no archive behind; the task is not retried.
func TestFailedRunMarksTheJobFailedAndStoresNothing(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	orgID := s.CreateGroupOrg(t, owner, "acme")
	seedOrg(t, s, orgID, owner.ID, 5, 1, 1)
	id := requestExport(t, s, "acme", owner.Token)
	deps := s.App.ExportsService().Deps
	files := 0
	deps.AfterFile = func(context.Context) error {
		if files++; files == 3 {
			return errors.New("disk on fire")
		}
		return nil
	}
	svc, err := exports.NewService(deps)
	if err != nil {
		t.Fatal(err)
	}
	err = svc.Run(context.Background(), uuid.MustParse(id))
	if !jobs.IsPermanent(err) {
		t.Fatalf("run error %v, want a permanent failure", err)
	}
	job := testutil.DecodeResponse[map[string]any](t, s.Do(t, "GET", "/api/v1/orgs/acme/exports/"+id+"/", owner.Token, nil, nil))
	if job["status"] != "failed" || job["error_message"] != "Export generation failed." || job["completed_at"] == nil || job["download_url"] != nil {
		t.Errorf("failed job: %v", job)
	}
	if ok, _ := s.App.Storage.Private.Exists(context.Background(), exports.ObjectKey(orgID, uuid.MustParse(id))); ok {
		t.Error("archive of a failed run is stored")
	}
	s.Run(t, []testutil.Scenario{{Name: "failed job can be retried", Method: "POST", URL: "/api/v1/orgs/acme/exports/" + id + "/retry/",
		Token: owner.Token, ExpectedStatus: 202, ExpectedBody: []string{`"status":"pending"`, `"error_message":""`, `"completed_at":null`}}})
}

// A heartbeat stops the runner once the job is no longer processing (its
// org was deleted, or it was recovered while the runner was stuck).
func TestHeartbeatStopsARunnerWhoseJobWasTakenAway(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	id := uuid.MustParse(requestExport(t, s, owner.PersonalOrg, owner.Token))
	svc := s.App.ExportsService()
	testutil.Exec(t, s, `UPDATE export_jobs SET status = 'processing', heartbeat_at = now() - interval '1 hour' WHERE id = $1`, id)
	if err := exports.Beat(context.Background(), svc, id); err != nil {
		t.Fatal(err)
	}
	if c := testutil.Scalar[int64](t, s, `SELECT count(*) FROM export_jobs WHERE id = $1 AND heartbeat_at > now() - interval '1 minute'`, id); c != 1 {
		t.Error("heartbeat not written")
	}
	setStatus(t, s, id.String(), "pending")
	if err := exports.Beat(context.Background(), svc, id); !errors.Is(err, exports.ErrJobLost) {
		t.Fatalf("beat on a pending job: %v, want ErrJobLost", err)
	}
}
