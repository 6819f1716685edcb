package exports_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"apistarter/internal/exports"
	"apistarter/internal/testutil"
)

// Past its retention an export's archive is deleted by the daily job, the
// job turns expired and the emailed link stops working.
func TestExpiredExportIsDeletedAndItsLinkStopsWorking(t *testing.T) {
	t.Parallel()
	s, smtp, owner, orgID := newMailedOrg(t)
	seedOrg(t, s, orgID, owner.ID, 3, 1, 1)
	startWorker(t, s)
	id := requestExport(t, s, "acme", owner.Token)
	link := emailedLink(t, s, smtp.WaitFor(t, 1, 30*time.Second)[0].Text)
	waitStatus(t, s, id, "ready", 5*time.Second)
	if status, _ := download(t, link); status != http.StatusOK {
		t.Fatalf("fresh link: %d", status)
	}
	var key string
	if err := s.App.DB.QueryRow(context.Background(), `SELECT object_key FROM export_jobs WHERE id = $1`, id).Scan(&key); err != nil || key == "" {
		t.Fatalf("object key %q: %v", key, err)
	}

	var out bytes.Buffer
	if err := s.App.JobsRun(context.Background(), exports.JobCleanupExpired, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "expired=0") {
		t.Fatalf("an unexpired export was cleaned up: %s", out.String())
	}
	testutil.Exec(t, s, `UPDATE export_jobs SET expires_at = now() - interval '1 second' WHERE id = $1`, id)
	out.Reset()
	if err := s.App.JobsRun(context.Background(), exports.JobCleanupExpired, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "expired=1") {
		t.Fatalf("jobs run output: %s", out.String())
	}
	waitStatus(t, s, id, "expired", time.Second)
	if n := testutil.Scalar[int64](t, s, `SELECT count(*) FROM export_jobs WHERE id = $1 AND object_key = ''`, id); n != 1 {
		t.Error("object_key kept after expiry")
	}
	if ok, err := s.App.Storage.Private.Exists(context.Background(), key); err != nil || ok {
		t.Errorf("archive still stored: %v %v", ok, err)
	}
	if status, _ := download(t, link); status != http.StatusNotFound && status != http.StatusForbidden {
		t.Errorf("emailed link after expiry: %d", status)
	}
	job := testutil.DecodeResponse[map[string]any](t, s.Do(t, "GET", "/api/v1/orgs/acme/exports/"+id+"/", owner.Token, nil, nil))
	if job["status"] != "expired" || job["download_url"] != nil {
		t.Errorf("expired job: %v", job)
	}
	// Idempotent: a second run finds nothing.
	out.Reset()
	if err := s.App.JobsRun(context.Background(), exports.JobCleanupExpired, &out); err != nil || !strings.Contains(out.String(), "expired=0") {
		t.Errorf("second run: %s %v", out.String(), err)
	}
}
