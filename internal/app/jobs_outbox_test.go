package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"apistarter/internal/db"
	"apistarter/internal/jobs"
	"apistarter/internal/logctx"
	"apistarter/internal/mail/mailtest"
	"apistarter/internal/testutil"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
)

func TestOutboxEmailIsSentOnlyWhenItsTransactionCommits(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t)
	s := testutil.NewServer(t, withSMTP(smtp)...)
	startWorker(t, s)

	enqueueEmail(t, s, "rolled back", false)
	id := enqueueEmail(t, s, "committed", true)

	msgs := smtp.WaitFor(t, 1, 10*time.Second)
	testutil.Eventually(t, 10*time.Second, "outbox row completed", func() bool { return readOutbox(t, s, id).Completed })
	if got := len(smtp.Messages()); got != 1 {
		t.Fatalf("got %d mails, want exactly 1", got)
	}
	if msgs[0].Subject != "committed" || !strings.Contains(msgs[0].Text, "secret-token") {
		t.Fatalf("unexpected mail: subject %q", msgs[0].Subject)
	}
	if want := id.String() + "@localhost"; !strings.Contains(msgs[0].Header.Get("Message-Id"), want) {
		t.Errorf("Message-ID %q, want it derived from the task id %s", msgs[0].Header.Get("Message-Id"), want)
	}
	var rows int
	if err := s.App.DB.QueryRow(context.Background(), `SELECT count(*) FROM outbox`).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("outbox has %d rows (err %v); the rolled-back task must leave none", rows, err)
	}
	if row := readOutbox(t, s, id); row.Payload != `{"to": ["bob@example.com"], "subject": "committed"}` {
		t.Errorf("payload of a completed email: %q, want recipients and subject only", row.Payload)
	}
}

// Redis loses everything after the relay handed the task over: the relay
// notices the loss (not its two-minute timeout) and hands the task over
// again, and the mail arrives exactly once.
// Then a late re-relay of the finished task (asynq has forgotten it) is
// acknowledged without a second execution.
func TestOutboxSurvivesRedisFlushAndNeverRunsACompletedTaskTwice(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t)
	s := testutil.NewServer(t, withSMTP(smtp)...)
	ctx := context.Background()
	insp := inspectorOf(t, s)

	id := enqueueEmail(t, s, "survives flush", true)
	relay := s.App.NewRelay()
	if n, err := relay.RelayOnce(ctx); err != nil || n != 1 {
		t.Fatalf("relay once: %d, %v", n, err)
	}
	if info, err := insp.GetTaskInfo(jobs.QueueEmail, id.String()); err != nil || info.State != asynq.TaskStatePending {
		t.Fatalf("task not pending in asynq after relay: %v %v", info, err)
	}
	if n, err := relay.RelayOnce(ctx); err != nil || n != 0 {
		t.Fatalf("a freshly relayed row was relayed again: %d, %v", n, err)
	}
	if err := redisOf(t, s).FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}

	startWorker(t, s, func(w *jobs.Worker) { w.Relay.Timeout = time.Hour })
	smtp.WaitFor(t, 1, 15*time.Second)
	testutil.Eventually(t, 10*time.Second, "outbox row completed", func() bool { return readOutbox(t, s, id).Completed })
	if row := readOutbox(t, s, id); row.RelayCount != 2 {
		t.Errorf("relay_count = %d, want 2 (first relay, then after the flush)", row.RelayCount)
	}

	// A relay that claimed the row just before it completed enqueues it
	// once more, after asynq deleted the finished task.
	client := asynq.NewClientFromRedisClient(redisOf(t, s))
	if _, err := client.Enqueue(asynq.NewTask(jobs.TaskEmail, []byte(`{"to":["bob@example.com"],"subject":"survives flush","text":"again"}`)),
		asynq.TaskID(id.String()), asynq.Queue(jobs.QueueEmail)); err != nil {
		t.Fatalf("re-enqueue: %v", err)
	}
	testutil.Eventually(t, 10*time.Second, "re-enqueued task processed", func() bool { return taskGone(insp, jobs.QueueEmail, id) })
	if got := len(smtp.Messages()); got != 1 {
		t.Fatalf("got %d mails, want exactly 1", got)
	}
}

func TestEmailRetriesUntilSMTPIsBackAndGivesUpOn5xx(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t)
	s := testutil.NewServer(t, withSMTP(smtp)...)
	insp := inspectorOf(t, s)
	startWorker(t, s)

	smtp.Close()
	id := enqueueEmail(t, s, "after restart", true)
	testutil.Eventually(t, 10*time.Second, "a failed attempt recorded", func() bool { return readOutbox(t, s, id).LastError != "" })
	testutil.Eventually(t, 10*time.Second, "a retry scheduled", func() bool {
		info, err := insp.GetTaskInfo(jobs.QueueEmail, id.String())
		return err == nil && info.Retried >= 1
	})
	if row := readOutbox(t, s, id); row.Completed || row.Failed || strings.Contains(row.LastError, "secret-token") {
		t.Fatalf("row after transient failure: %+v", row)
	}
	smtp.Restart(t)
	msgs := smtp.WaitFor(t, 1, 15*time.Second)
	if msgs[0].Subject != "after restart" {
		t.Fatalf("subject %q", msgs[0].Subject)
	}
	testutil.Eventually(t, 10*time.Second, "outbox row completed", func() bool { return readOutbox(t, s, id).Completed })

	// A 5xx reply is final: one attempt, the task archived, the row failed.
	smtp.FailNext(550, 1)
	id2 := enqueueEmail(t, s, "rejected", true)
	testutil.Eventually(t, 10*time.Second, "outbox row failed", func() bool { return readOutbox(t, s, id2).Failed })
	// The worker marks the row failed inside the handler; asynq archives the
	// task only after the handler returns, so wait for it to leave "active".
	var info *asynq.TaskInfo
	testutil.Eventually(t, 10*time.Second, "task no longer active", func() bool {
		var err error
		info, err = insp.GetTaskInfo(jobs.QueueEmail, id2.String())
		return err == nil && info.State != asynq.TaskStateActive
	})
	if info.State != asynq.TaskStateArchived || info.Retried != 0 {
		t.Fatalf("5xx task: state %v retried %d, want archived after one attempt", info.State, info.Retried)
	}
	row := readOutbox(t, s, id2)
	if !strings.Contains(row.LastError, "550") || strings.Contains(row.LastError, "secret-token") || strings.Contains(row.Payload, "secret-token") {
		t.Fatalf("failed row: %+v", row)
	}
	if got := len(smtp.Messages()); got != 1 {
		t.Fatalf("got %d mails, want 1", got)
	}
}

func TestWorkerFinishesRunningTaskOnShutdown(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	started := make(chan struct{})
	finished := make(chan struct{})
	s.App.Jobs.Handle("test:slow", func(ctx context.Context, _ []byte) error {
		close(started)
		select {
		case <-time.After(300 * time.Millisecond): // the work itself
		case <-ctx.Done():
			return ctx.Err()
		}
		close(finished)
		return nil
	})
	stop := startWorker(t, s)
	task, _ := jobs.NewTask("test:slow", jobs.QueueDefault, map[string]string{}, 3)
	id := enqueue(t, s, task, true)

	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("task did not start")
	}
	stop() // cancels the worker's context mid-task and waits for Run
	select {
	case <-finished:
	default:
		t.Fatal("worker returned before the running task finished")
	}
	if !readOutbox(t, s, id).Completed {
		t.Fatal("task finished during shutdown but was not recorded as completed")
	}
}

func TestRequestIDTravelsWithTheTask(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	ctx := logctx.WithRequestID(context.Background(), "req-abc_123")
	task, _ := jobs.NewTask("test:probe", jobs.QueueDefault, map[string]int{"n": 1}, 1)
	var id uuid.UUID
	err := db.InTx(ctx, s.App.DB, func(tx pgx.Tx) error {
		var err error
		id, err = s.App.Outbox.Enqueue(ctx, tx, task)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	relay := s.App.NewRelay()
	if _, err := relay.RelayOnce(ctx); err != nil {
		t.Fatal(err)
	}
	info, err := inspectorOf(t, s).GetTaskInfo(jobs.QueueDefault, id.String())
	if err != nil {
		t.Fatal(err)
	}
	if info.Headers[jobs.RequestIDHeader] != "req-abc_123" || info.MaxRetry != 1 || string(info.Payload) != `{"n": 1}` && string(info.Payload) != `{"n":1}` {
		t.Fatalf("task in asynq: headers %v max retry %d payload %s", info.Headers, info.MaxRetry, info.Payload)
	}
}

// A task whose handler this worker lacks (a rolling deploy) waits, without
// using up its retries, until a handler exists.
func TestTaskWithoutHandlerWaitsForOne(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	startWorker(t, s)
	task, _ := jobs.NewTask("test:late", jobs.QueueDefault, map[string]int{}, 1)
	id := enqueue(t, s, task, true)
	insp := inspectorOf(t, s)
	// max_retry is 1: three failed attempts would have archived it.
	testutil.Eventually(t, 10*time.Second, "three attempts without a handler", func() bool {
		return metricValue(t, s, `tasks_processed_total{outcome="retry",type="test:late"}`) >= 3
	})
	if info, err := insp.GetTaskInfo(jobs.QueueDefault, id.String()); err != nil || info.State == asynq.TaskStateArchived || info.Retried != 0 {
		t.Fatalf("task without handler: %+v %v", info, err)
	}
	if row := readOutbox(t, s, id); !strings.Contains(row.LastError, "no handler") || row.Failed {
		t.Fatalf("outbox row: %+v", row)
	}
	ran := make(chan struct{})
	s.App.Jobs.Handle("test:late", func(context.Context, []byte) error { close(ran); return nil })
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("task did not run once its handler was registered")
	}
	testutil.Eventually(t, 10*time.Second, "outbox row completed", func() bool { return readOutbox(t, s, id).Completed })
}

func TestPanickingHandlerIsRecordedAsFailure(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	s.App.Jobs.Handle("test:panics", func(context.Context, []byte) error { panic("boom") })
	startWorker(t, s)
	task, _ := jobs.NewTask("test:panics", jobs.QueueDefault, map[string]int{}, 0)
	id := enqueue(t, s, task, true)
	testutil.Eventually(t, 10*time.Second, "outbox row failed", func() bool { return readOutbox(t, s, id).Failed })
	if row := readOutbox(t, s, id); !strings.Contains(row.LastError, "panicked: boom") {
		t.Fatalf("last_error %q", row.LastError)
	}
}

// Once an email task is over, its row keeps what an operator needs (type,
// recipients, subject, attempts, error) and no longer the body with its
// single-use token or signed link.
func TestFinishedEmailTaskKeepsRecipientAndSubjectButNoLink(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t)
	s := testutil.NewServer(t, withSMTP(smtp)...)
	startWorker(t, s)

	done := enqueueEmail(t, s, "Reset your password", true)
	testutil.Eventually(t, 10*time.Second, "email completed", func() bool { return readOutbox(t, s, done).Completed })
	smtp.FailNext(550, 1)
	failed := enqueueEmail(t, s, "Confirm your address", true)
	testutil.Eventually(t, 10*time.Second, "email failed for good", func() bool { return readOutbox(t, s, failed).Failed })

	for _, c := range []struct {
		id             uuid.UUID
		subject, error string
	}{{done, "Reset your password", ""}, {failed, "Confirm your address", "550"}} {
		var typ, payload, lastError string
		var attempts int
		var to []string
		var subject *string
		err := s.App.DB.QueryRow(context.Background(), `SELECT task_type, payload::text, payload->>'subject',
			ARRAY(SELECT jsonb_array_elements_text(payload->'to')), attempts, last_error FROM outbox WHERE id = $1`, c.id).
			Scan(&typ, &payload, &subject, &to, &attempts, &lastError)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(payload, "secret-token") || strings.Contains(payload, "https://") {
			t.Errorf("%s: payload still holds the link: %s", c.subject, payload)
		}
		if typ != jobs.TaskEmail || subject == nil || *subject != c.subject || len(to) != 1 || to[0] != "bob@example.com" || attempts != 1 {
			t.Errorf("%s: row lost what operators need: type %q subject %v to %v attempts %d", c.subject, typ, subject, to, attempts)
		}
		if c.error == "" && lastError != "" || !strings.Contains(lastError, c.error) {
			t.Errorf("%s: last_error %q, want it to contain %q", c.subject, lastError, c.error)
		}
	}
}
