package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"apistarter/internal/mail/mailtest"
	"apistarter/internal/testutil"

	"github.com/google/uuid"
)

func basic(user, pass string) map[string]string {
	return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}
}

func TestQueueDashboardIsBehindBasicAuth(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t, testutil.WithEnv("DASHBOARD_BASIC_AUTH", "ops:s3cret-pass"))
	// An email waiting in the queue: the dashboard must not show its body.
	enqueueEmail(t, s, "Reset your password", true)
	relay := s.App.NewRelay()
	if _, err := relay.RelayOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	auth := basic("ops", "s3cret-pass")
	crossSite := basic("ops", "s3cret-pass")
	crossSite["Sec-Fetch-Site"] = "cross-site"

	s.Run(t, []testutil.Scenario{
		{Name: "no credentials", Method: "GET", URL: "/admin/queues/", ExpectedStatus: 401,
			After: func(t testing.TB, resp *http.Response, _ string) {
				if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
					t.Errorf("WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
				}
			}},
		{Name: "wrong password", Method: "GET", URL: "/admin/queues/", Headers: basic("ops", "s3cret-pasS"), ExpectedStatus: 401},
		{Name: "wrong user", Method: "GET", URL: "/admin/queues/", Headers: basic("opz", "s3cret-pass"), ExpectedStatus: 401},
		{Name: "api without credentials", Method: "GET", URL: "/admin/queues/api/queues", ExpectedStatus: 401},
		{Name: "page", Method: "GET", URL: "/admin/queues/", Headers: auth, ExpectedStatus: 200,
			ExpectedBody: []string{"Asynq", "window.FLAG_ROOT_PATH="}, NotExpected: []string{"fonts.googleapis.com"}},
		{Name: "queues api", Method: "GET", URL: "/admin/queues/api/queues", Headers: auth, ExpectedStatus: 200,
			ExpectedBody: []string{`"queue":"email"`}},
		{Name: "pending email hides its body", Method: "GET", URL: "/admin/queues/api/queues/email/pending_tasks", Headers: auth,
			ExpectedStatus: 200, ExpectedBody: []string{"Reset your password", "(hidden)"}, NotExpected: []string{"secret-token"}},
		{Name: "web manifest needs no credentials", Method: "GET", URL: "/admin/queues/manifest.json", ExpectedStatus: 200},
		{Name: "other files do", Method: "GET", URL: "/admin/queues/static/js/", ExpectedStatus: 401},
		{Name: "cross-site action refused", Method: "POST", URL: "/admin/queues/api/queues/email:pause", Headers: crossSite, ExpectedStatus: 403},
	})

	off := testutil.NewServer(t)
	off.Run(t, []testutil.Scenario{
		{Name: "unset: not found", Method: "GET", URL: "/admin/queues/", ExpectedStatus: 404},
		{Name: "unset: not found even with credentials", Method: "GET", URL: "/admin/queues/api/queues", Headers: auth, ExpectedStatus: 404},
	})
}

func TestMetricsReportTasksQueuesAndOutbox(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t)
	s := testutil.NewServer(t, withSMTP(smtp)...)
	startWorker(t, s)
	id := enqueueEmail(t, s, "metrics", true)
	testutil.Eventually(t, 10*time.Second, "email completed", func() bool { return readOutbox(t, s, id).Completed })

	var body string
	// The row is completed inside the handler; the task counters move when
	// it returns: wait for both.
	testutil.Eventually(t, 10*time.Second, "worker heartbeat and the finished task visible in metrics", func() bool {
		body = s.Scrape(t)
		return strings.Contains(body, "worker_processes 1") &&
			strings.Contains(body, `task_duration_seconds_count{type="email:send"} 1`)
	})
	for _, want := range []string{
		`tasks_processed_total{outcome="success",type="email:send"} 1`,
		`task_duration_seconds_count{type="email:send"} 1`,
		`outbox_relayed_total{result="enqueued"} 1`,
		`outbox_relay_lag_seconds_count 1`,
		`outbox_backlog{state="unfinished"} 0`,
		`outbox_backlog{state="unrelayed"} 0`,
		`outbox_oldest_unfinished_age_seconds 0`,
		`queue_tasks{queue="email",state="pending"} 0`,
		`queue_tasks{queue="exports",state="pending"} 0`,
		`queue_processed_total{queue="email"} 1`,
		`redis_up 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// The oldest task not yet done sets outbox_oldest_unfinished_age_seconds,
// whether or not it reached Redis; finished and failed rows do not count.
func TestMetricsReportOldestUnfinishedOutboxAge(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	waiting := enqueueEmail(t, s, "waiting", true)
	done := enqueueEmail(t, s, "done", true)
	failed := enqueueEmail(t, s, "failed", true)
	ctx := context.Background()
	for _, q := range []struct {
		sql string
		id  uuid.UUID
	}{
		{`UPDATE outbox SET created_at = now() - interval '10 minutes' WHERE id = $1`, waiting},
		{`UPDATE outbox SET created_at = now() - interval '2 hours', completed_at = now() WHERE id = $1`, done},
		{`UPDATE outbox SET created_at = now() - interval '3 hours', failed_at = now() WHERE id = $1`, failed},
	} {
		if _, err := s.App.DB.Exec(ctx, q.sql, q.id); err != nil {
			t.Fatal(err)
		}
	}
	if age := metricValue(t, s, "outbox_oldest_unfinished_age_seconds"); age < 600 || age >= 7200 {
		t.Fatalf("oldest unfinished age %vs, want the waiting row's ~600s", age)
	}
}

func TestJobsListAndRun(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	var out bytes.Buffer
	if err := s.App.JobsList(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"NAME", "SCHEDULE", "outbox-prune", "@daily", "maintenance", "completed outbox rows"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("jobs list lacks %q:\n%s", want, out.String())
		}
	}

	ctx := context.Background()
	old := enqueueEmail(t, s, "old", true)
	recent := enqueueEmail(t, s, "recent", true)
	pending := enqueueEmail(t, s, "pending", true)
	if _, err := s.App.DB.Exec(ctx, `UPDATE outbox SET completed_at = now() - interval '8 days' WHERE id = $1`, old); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.DB.Exec(ctx, `UPDATE outbox SET completed_at = now() - interval '6 days' WHERE id = $1`, recent); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.DB.Exec(ctx, `UPDATE outbox SET created_at = now() - interval '30 days' WHERE id = $1`, pending); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := s.App.JobsRun(ctx, "outbox-prune", &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "outbox-prune: deleted=1 ") {
		t.Fatalf("jobs run printed %q", out.String())
	}
	var left int
	if err := s.App.DB.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE id IN ($1, $2)`, recent, pending).Scan(&left); err != nil || left != 2 {
		t.Fatalf("recent or unfinished rows pruned: %d left, %v", left, err)
	}
	if err := s.App.JobsRun(ctx, "nope", &out); err == nil || !strings.Contains(err.Error(), "unknown job") {
		t.Fatalf("unknown job: %v", err)
	}
}

// A periodic job enqueued by the scheduler runs in the worker.
func TestScheduledJobRunsInWorker(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	ran := startProbeScheduler(t, s)
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("periodic job did not run")
	}
}
