package app_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"apistarter/internal/jobs"
	"apistarter/internal/mail"
	"apistarter/internal/mail/mailtest"
	"apistarter/internal/testutil"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// withSMTP points the app's mailer at a mailtest server.
func withSMTP(srv *mailtest.Server) []testutil.Option {
	return []testutil.Option{
		testutil.WithEnv("MAIL_BACKEND", "smtp"),
		testutil.WithEnv("SMTP_HOST", srv.Host()),
		testutil.WithEnv("SMTP_PORT", strconv.Itoa(srv.Port())),
		testutil.WithEnv("SMTP_TLS", "none"),
	}
}

// fastWorker shortens every delay so tests finish in milliseconds.
func fastWorker(w *jobs.Worker) {
	w.RetryDelay = func(int) time.Duration { return 20 * time.Millisecond }
	w.PollInterval = 20 * time.Millisecond
	w.ShutdownTimeout = 5 * time.Second
	w.Relay.Interval = 50 * time.Millisecond
}

// startWorker runs the app's worker (and relay) until the returned stop is
// called or the test ends; stop waits for Run to return.
func startWorker(t *testing.T, s *testutil.Server, adjust ...func(*jobs.Worker)) (stop func()) {
	t.Helper()
	w := s.App.NewWorker()
	fastWorker(w)
	for _, f := range adjust {
		f(w)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("worker: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Errorf("worker did not stop within 30s")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// startProbeScheduler adds a periodic job "probe" running every second and
// runs the worker and a scheduler until the test ends; each run of the probe
// sends on the returned channel.
func startProbeScheduler(t *testing.T, s *testutil.Server) <-chan struct{} {
	t.Helper()
	ran := make(chan struct{}, 10)
	s.App.Jobs.AddPeriodic(jobs.Periodic{Name: "probe", Schedule: "@every 1s", Description: "test probe",
		Run: func(context.Context) (jobs.Result, error) { ran <- struct{}{}; return jobs.Result{"ok": 1}, nil }})
	startWorker(t, s)
	sched := s.App.NewScheduler()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sched.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return ran
}

// enqueueEmail writes an email task through the outbox in a transaction that
// commits or rolls back.
func enqueueEmail(t *testing.T, s *testutil.Server, subject string, commit bool) uuid.UUID {
	t.Helper()
	msg := mail.Message{To: []string{"bob@example.com"}, Subject: subject, Text: "Your link: https://example.com/#token=secret-token"}
	return enqueueWith(t, s, commit, func(ctx context.Context, tx pgx.Tx) (uuid.UUID, error) {
		return s.App.Outbox.EnqueueEmail(ctx, tx, msg)
	})
}

func enqueue(t *testing.T, s *testutil.Server, task jobs.Task, commit bool) uuid.UUID {
	t.Helper()
	return enqueueWith(t, s, commit, func(ctx context.Context, tx pgx.Tx) (uuid.UUID, error) {
		return s.App.Outbox.Enqueue(ctx, tx, task)
	})
}

// enqueueWith runs write in a transaction that commits or rolls back.
func enqueueWith(t *testing.T, s *testutil.Server, commit bool, write func(context.Context, pgx.Tx) (uuid.UUID, error)) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	tx, err := s.App.DB.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	id, err := write(ctx, tx)
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	if commit {
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// outboxRow is the bookkeeping state of one outbox row.
type outboxRow struct {
	Relayed, Completed, Failed bool
	RelayCount                 int
	LastError, Payload         string
}

func readOutbox(t testing.TB, s *testutil.Server, id uuid.UUID) outboxRow {
	t.Helper()
	var r outboxRow
	err := s.App.DB.QueryRow(context.Background(), `SELECT relayed_at IS NOT NULL, completed_at IS NOT NULL, failed_at IS NOT NULL,
		relay_count, last_error, payload::text FROM outbox WHERE id = $1`, id).
		Scan(&r.Relayed, &r.Completed, &r.Failed, &r.RelayCount, &r.LastError, &r.Payload)
	if err != nil {
		t.Fatalf("read outbox %s: %v", id, err)
	}
	return r
}

// redisOf opens a client on the test's Redis database.
func redisOf(t testing.TB, s *testutil.Server) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(s.Env["REDIS_URL"])
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// inspectorOf inspects the test's asynq queues.
func inspectorOf(t testing.TB, s *testutil.Server) *asynq.Inspector {
	t.Helper()
	i := asynq.NewInspectorFromRedisClient(redisOf(t, s))
	return i
}

// taskGone reports that asynq no longer holds the task (done and deleted).
func taskGone(i *asynq.Inspector, queue string, id uuid.UUID) bool {
	_, err := i.GetTaskInfo(queue, id.String())
	return err != nil
}

// metricValue scrapes /metrics and returns the value of one series (0 when
// absent).
func metricValue(t testing.TB, s *testutil.Server, series string) float64 {
	t.Helper()
	for line := range strings.SplitSeq(s.Scrape(t), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}
