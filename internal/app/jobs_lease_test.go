package app_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"apistarter/internal/jobs"
	"apistarter/internal/testutil"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
)

// leaseRow is the lease bookkeeping of one outbox row.
type leaseRow struct {
	TaskID     string
	RelayCount int
	Leased     bool // lease_until in the future
	Completed  bool
}

func readLease(t *testing.T, s *testutil.Server, id uuid.UUID) leaseRow {
	t.Helper()
	var r leaseRow
	err := s.App.DB.QueryRow(context.Background(), `SELECT task_id, relay_count, COALESCE(lease_until > now(), false), completed_at IS NOT NULL
		FROM outbox WHERE id = $1`, id).Scan(&r.TaskID, &r.RelayCount, &r.Leased, &r.Completed)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// blockingTask registers a task type whose runs block until release is
// closed; runs counts them.
func blockingTask(t *testing.T, s *testutil.Server, typ string) (started <-chan uuid.UUID, release chan struct{}, runs *atomic.Int32) {
	t.Helper()
	start := make(chan uuid.UUID, 10)
	release = make(chan struct{})
	runs = new(atomic.Int32)
	s.App.Jobs.Handle(typ, func(ctx context.Context, payload []byte) error {
		runs.Add(1)
		id, _ := asynq.GetTaskID(ctx)
		row, _ := jobs.OutboxRowID(id)
		start <- row
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	return start, release, runs
}

// A worker renews the lease of a task while it runs, so the relay leaves a
// long task alone however long it runs; a second copy of the task that
// reaches a worker meanwhile is not run.
func TestRunningTaskKeepsItsLeaseAndASecondCopyIsNotRun(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	started, release, runs := blockingTask(t, s, "test:block")
	startWorker(t, s, func(w *jobs.Worker) {
		w.Lease = time.Second
		w.Relay.Timeout = time.Second
	})
	id := enqueue(t, s, jobs.Task{Type: "test:block", Queue: jobs.QueueDefault, MaxRetry: 3}, true)
	if got := <-started; got != id {
		t.Fatalf("started %s, want %s", got, id)
	}
	// The lease moves on: renewed past three times its length after the
	// relay, by when the relay's timeout has long passed too, and the row
	// was still relayed only once.
	testutil.Eventually(t, 15*time.Second, "lease renewed well past its first term", func() bool {
		var renewed bool
		err := s.App.DB.QueryRow(context.Background(),
			`SELECT lease_until > relayed_at + interval '3 seconds' FROM outbox WHERE id = $1`, id).Scan(&renewed)
		return err == nil && renewed
	})
	if row := readLease(t, s, id); !row.Leased || row.RelayCount != 1 || row.Completed {
		t.Fatalf("row while its task runs: %+v, want leased, relayed once", row)
	}

	// A copy under another id (as after a lapsed lease) reaches the worker.
	client := asynq.NewClientFromRedisClient(redisOf(t, s))
	if _, err := client.Enqueue(asynq.NewTask("test:block", nil), asynq.TaskID(id.String()+":7"), asynq.Queue(jobs.QueueDefault)); err != nil {
		t.Fatal(err)
	}
	insp := inspectorOf(t, s)
	testutil.Eventually(t, 10*time.Second, "the copy acknowledged", func() bool {
		info, err := insp.GetTaskInfo(jobs.QueueDefault, id.String()+":7")
		return err != nil || info.State == asynq.TaskStateCompleted
	})
	close(release)
	testutil.Eventually(t, 10*time.Second, "row completed", func() bool { return readLease(t, s, id).Completed })
	if n := runs.Load(); n != 1 {
		t.Fatalf("the task ran %d times, want 1", n)
	}
	if row := readLease(t, s, id); row.Leased {
		t.Errorf("a completed row keeps its lease: %+v", row)
	}
}

// The worker running a task died (its lease lapsed; its copy is stuck in
// asynq's active set under the row id): the relay hands the task over under
// a new id within a poll, long before its timeout, and the stuck copy, when
// asynq brings it back, is not run again.
func TestTaskOfADeadWorkerRunsAgainWhenItsLeaseLapses(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	var runs atomic.Int32
	s.App.Jobs.Handle("test:count", func(context.Context, []byte) error { runs.Add(1); return nil })
	ctx := context.Background()
	id := enqueue(t, s, jobs.Task{Type: "test:count", Queue: jobs.QueueDefault, MaxRetry: 3}, true)
	relay := s.App.NewRelay()
	relay.Timeout = time.Hour
	if n, err := relay.RelayOnce(ctx); err != nil || n != 1 {
		t.Fatalf("relay once: %d, %v", n, err)
	}
	// What a worker SIGKILLed mid-task leaves: a lapsed lease, and the task
	// id held by its copy in Redis.
	testutil.Exec(t, s, `UPDATE outbox SET lease_until = now() - interval '1 second' WHERE id = $1`, id)

	if n, err := relay.RelayOnce(ctx); err != nil || n != 1 {
		t.Fatalf("relay after the lease lapsed: %d, %v", n, err)
	}
	row := readLease(t, s, id)
	if want := id.String() + ":2"; row.TaskID != want || row.RelayCount != 2 || row.Leased {
		t.Fatalf("row after re-relay: %+v, want task id %s, relayed twice, no lease", row, want)
	}
	insp := inspectorOf(t, s)
	for _, tid := range []string{id.String(), id.String() + ":2"} {
		if info, err := insp.GetTaskInfo(jobs.QueueDefault, tid); err != nil || info.State != asynq.TaskStatePending {
			t.Fatalf("task %s not pending: %v %v", tid, info, err)
		}
	}
	if n, err := relay.RelayOnce(ctx); err != nil || n != 0 {
		t.Fatalf("a re-relayed row was relayed again: %d, %v", n, err)
	}

	startWorker(t, s)
	testutil.Eventually(t, 10*time.Second, "both copies processed", func() bool {
		return taskGone(insp, jobs.QueueDefault, id) && readLease(t, s, id).Completed
	})
	testutil.Eventually(t, 10*time.Second, "the second copy processed", func() bool {
		info, err := insp.GetTaskInfo(jobs.QueueDefault, id.String()+":2")
		return err != nil || info.State == asynq.TaskStateCompleted
	})
	if n := runs.Load(); n != 1 {
		t.Fatalf("the task ran %d times, want 1", n)
	}
}
