package exports_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"apistarter/internal/exports"
	"apistarter/internal/storage"
	"apistarter/internal/testutil"
)

// A worker killed (SIGKILL) in the middle of an export: once the stale
// window has passed, recovery re-queues the job, it completes exactly once,
// and the org's exports prefix holds a single archive.
func TestExportKilledMidRunIsRecoveredAndCompletesOnce(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t, testutil.WithEnv("EXPORT_STALE_AFTER", "1s"))
	owner := s.CreateUser(t, "owner")
	orgID := s.CreateGroupOrg(t, owner, "acme")
	seedOrg(t, s, orgID, owner.ID, 30, 2, 3)
	id := requestExport(t, s, "acme", owner.Token)

	marker := filepath.Join(t.TempDir(), "mid-run")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childJobEnv+"="+id, childMarkerEnv+"="+marker)
	for k, v := range s.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	testutil.Eventually(t, 30*time.Second, "the child runner to reach mid-run", func() bool {
		_, err := os.Stat(marker)
		return err == nil
	})
	waitStatus(t, s, id, "processing", time.Second)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if strings.Contains(stderr.String(), "child runner:") {
		t.Fatalf("child failed before the kill: %s", stderr.String())
	}

	svc := s.App.ExportsService()
	testutil.Eventually(t, 30*time.Second, "recovery to re-queue the job", func() bool {
		res, err := svc.RecoverStale(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return res["requeued"] == 1
	})
	waitStatus(t, s, id, "pending", time.Second)

	startWorker(t, s)
	waitStatus(t, s, id, "ready", 30*time.Second)
	testutil.Eventually(t, 30*time.Second, "every export task to finish", func() bool {
		return testutil.Scalar[int64](t, s, `SELECT count(*) FROM outbox WHERE task_type = 'export:run' AND completed_at IS NULL`) == 0
	})
	if n := testutil.Scalar[int64](t, s, `SELECT attempt_count FROM export_jobs WHERE id = $1`, id); n != 2 {
		t.Errorf("attempt_count %d, want 2 (the killed run and the one that completed)", n)
	}
	var keys []string
	err := s.App.Storage.Private.List(context.Background(), exports.KeyPrefix, func(o storage.Object) error {
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || !strings.HasSuffix(keys[0], id+".zip") {
		t.Fatalf("archives stored: %v, want exactly the job's", keys)
	}
	rc, err := s.App.Storage.Private.Get(context.Background(), keys[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	_ = rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	man, err := exports.VerifyArchive(readerAt(b))
	if err != nil {
		t.Fatal(err)
	}
	if man.Counts["contacts"] != 30 {
		t.Errorf("counts %v", man.Counts)
	}
}

// Losing Redis loses no export: the outbox relays the task again.
func TestExportCompletesAfterRedisIsFlushed(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	id := requestExport(t, s, owner.PersonalOrg, owner.Token)
	relay := s.App.NewRelay()
	if n, err := relay.RelayOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("relayed %d (%v), want the export task", n, err)
	}
	if err := s.App.Redis.FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	startWorker(t, s)
	waitStatus(t, s, id, "ready", 30*time.Second)
}
