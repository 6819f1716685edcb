package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"apistarter/internal/db"
	"apistarter/internal/testutil"

	"github.com/google/uuid"
)

// jobsEnv points the command at a fresh database, Redis database and
// storage directory. t.Setenv: these tests cannot run in parallel.
func jobsEnv(t *testing.T) string {
	t.Helper()
	dbURL := testutil.PostgresURL(t)
	for k, v := range map[string]string{
		"APP_ENV":      "test",
		"DATABASE_URL": dbURL,
		"REDIS_URL":    testutil.RedisURL(t),
		"STORAGE_DIR":  t.TempDir(),
		"LOG_LEVEL":    "error",
	} {
		t.Setenv(k, v)
	}
	return dbURL
}

// The export and cleanup jobs are registered by app.New; these tests fail if
// a process that does not serve HTTP would miss them.
func TestJobsListShowsTheScheduleTable(t *testing.T) {
	jobsEnv(t)
	var out, errb bytes.Buffer
	if code := run([]string{"jobs", "list"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, name := range []string{"recover-stale-exports", "cleanup-expired-exports", "cleanup-expired-tokens", "cleanup-orphans"} {
		if !strings.Contains(out.String(), name) {
			t.Errorf("jobs list lacks %s:\n%s", name, out.String())
		}
	}
}

// PERIODIC_JOB_SCHEDULES changes what the scheduler runs when, and jobs list
// shows it; a name no job has stops the process with a configuration error.
func TestPeriodicJobSchedulesOverrideTheTable(t *testing.T) {
	jobsEnv(t)
	t.Setenv("PERIODIC_JOB_SCHEDULES", "recover-stale-exports=@every 10s")
	var out, errb bytes.Buffer
	if code := run([]string{"jobs", "list"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !regexp.MustCompile(`(?m)^recover-stale-exports +@every 10s `).MatchString(out.String()) {
		t.Errorf("jobs list does not show the override:\n%s", out.String())
	}
	t.Setenv("PERIODIC_JOB_SCHEDULES", "recover-stale-export=@every 10s")
	out.Reset()
	errb.Reset()
	code := run([]string{"jobs", "list"}, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "configuration error:\nPERIODIC_JOB_SCHEDULES: no periodic job is called \"recover-stale-export\"") ||
		!strings.Contains(errb.String(), "recover-stale-exports") {
		t.Fatalf("unknown job: exit %d, want 2 and a problem naming the jobs; stderr:\n%s", code, errb.String())
	}
}

func TestJobsRunRunsAJobNowAndPrintsWhatItDid(t *testing.T) {
	dbURL := jobsEnv(t)
	ctx := context.Background()
	pool, err := db.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	// User, personal org and owner membership in one statement: the owner
	// trigger checks at commit.
	var userID, orgID int64
	err = pool.QueryRow(ctx, `WITH u AS (INSERT INTO users (email, slug) VALUES ('u@example.com', 'u') RETURNING id),
		o AS (INSERT INTO organizations (name, slug, type, creator_id) SELECT 'u', 'u', 'personal', id FROM u RETURNING id, creator_id)
		INSERT INTO memberships (user_id, organization_id, role) SELECT creator_id, id, 'owner' FROM o
		RETURNING user_id, organization_id`).Scan(&userID, &orgID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := pool.Exec(ctx, `INSERT INTO auth_sessions (id, user_id, auth_version, expires_at) VALUES ($1, $2, 1, $3)`,
			uuid.New(), userID, time.Now().Add(time.Duration(2*i-3)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	// A processing export whose runner went quiet two hours ago.
	job := uuid.New()
	if _, err := pool.Exec(ctx, `INSERT INTO export_jobs (id, organization_id, status, started_at, heartbeat_at)
		VALUES ($1, $2, 'processing', now() - interval '2 hours', now() - interval '2 hours')`, job, orgID); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct{ job, want string }{
		{"cleanup-expired-tokens", "cleanup-expired-tokens: email_changes=0 idempotency_records=0 password_resets=0 pending_registrations=0 sessions=2"},
		{"recover-stale-exports", "recover-stale-exports: requeued=1 still_running=0"},
		{"cleanup-expired-exports", "cleanup-expired-exports: delete_failed=0 expired=0"},
		{"cleanup-orphans", "cleanup-orphans: avatar_files=0 export_files=0 image_files=0"},
	} {
		var out, errb bytes.Buffer
		if code := run([]string{"jobs", "run", c.job}, &out, &errb); code != 0 {
			t.Fatalf("jobs run %s: exit %d: %s", c.job, code, errb.String())
		}
		if !strings.HasPrefix(out.String(), c.want) {
			t.Errorf("jobs run %s printed %q, want it to start with %q", c.job, out.String(), c.want)
		}
	}
	var status string
	if err := pool.QueryRow(ctx, `SELECT status FROM export_jobs WHERE id = $1`, job).Scan(&status); err != nil || status != "pending" {
		t.Errorf("stale export is %q (%v), want pending", status, err)
	}

	var out, errb bytes.Buffer
	if code := run([]string{"jobs", "run", "no-such-job"}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "unknown job") {
		t.Errorf("unknown job: exit %d, stderr %q", code, errb.String())
	}
}
