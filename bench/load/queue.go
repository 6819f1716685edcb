package load

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"apistarter/internal/jobs"
	"apistarter/internal/mail"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

type queueResult struct {
	Name       string  `json:"name"`
	Tasks      int     `json:"tasks"`
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"per_second"`
	Lost       int     `json:"lost"`
	Duplicates int     `json:"duplicates"`
	Target     string  `json:"target,omitempty"`
	Pass       *bool   `json:"pass,omitempty"`
	Note       string  `json:"note"`
	VsPgbench  float64 `json:"ratio_to_pgbench_select"`
	VsRedisGet float64 `json:"ratio_to_redis_get"`
}

// measureQueue commits tasks through the transactional outbox (one task per
// transaction, 16 writers, as request handlers do) and times commit →
// done: no-op tasks until their rows are completed, emails until the SMTP
// sink has every one.
func measureQueue(ctx context.Context, e *env, rep *report) error {
	o := e.o
	n := o.tasks
	// storage:delete with no keys is the cheapest registered handler: the
	// figure is the queue's own cost.
	noop, err := jobs.NewTask("storage:delete", jobs.QueueMaintenance, map[string][]string{"keys": {}}, 3)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := enqueue(ctx, e.Pool, o.concurrency, n, func(ctx context.Context, out *jobs.Outbox, tx pgx.Tx, _ int) error {
		_, err := out.Enqueue(ctx, tx, noop)
		return err
	}); err != nil {
		return err
	}
	done, last, err := waitCompleted(ctx, e.Pool, "storage:delete", start, n, queueTimeout(n))
	if err != nil {
		return err
	}
	noopPass := false
	q := queueResult{Name: "no-op tasks via outbox → worker", Tasks: n, Lost: n - done, Target: "≥ 5,500/s", Pass: &noopPass,
		Note: "commit → row completed; real worker process"}
	if done > 0 {
		q.Seconds = last.Sub(start).Seconds()
		q.PerSecond = float64(done) / q.Seconds
	}
	noopPass = q.PerSecond >= 5500 && q.Lost == 0
	rep.Queue = append(rep.Queue, q)
	e.Logf("  no-op tasks: %d/%d in %.2f s", done, n, q.Seconds)

	run := time.Now().UnixNano()
	rcpts := make([]string, n)
	for i := range rcpts {
		rcpts[i] = fmt.Sprintf("q%d-%d@bench.example.com", run, i)
	}
	start = time.Now()
	err = enqueue(ctx, e.Pool, o.concurrency, n, func(ctx context.Context, out *jobs.Outbox, tx pgx.Tx, i int) error {
		msg := mail.Message{To: []string{rcpts[i]}, Subject: fmt.Sprintf("Benchmark message %d", i),
			Text: "This message measures the outbox, the relay, the worker and SMTP.\n"}
		_, err := out.EnqueueEmail(ctx, tx, msg)
		return err
	})
	if err != nil {
		return err
	}
	got := e.Sink.WaitDelivered(rcpts, queueTimeout(n))
	elapsed := time.Since(start)
	_, dups := e.Sink.Delivered(rcpts)
	pass := false
	q = queueResult{Name: "emails via outbox → SMTP sink", Tasks: n, Seconds: elapsed.Seconds(),
		PerSecond: float64(got) / elapsed.Seconds(), Lost: n - got, Duplicates: dups, Target: "≥ 3,300/s", Pass: &pass,
		Note: fmt.Sprintf("commit → accepted by SMTP; %d duplicates", dups)}
	pass = q.PerSecond >= 3300 && q.Lost == 0 && dups == 0
	rep.Queue = append(rep.Queue, q)
	e.Logf("  emails: %d/%d in %.2f s", got, n, elapsed.Seconds())
	return nil
}

func queueTimeout(n int) time.Duration { return 30*time.Second + time.Duration(n)*10*time.Millisecond }

// enqueue commits n transactions, each writing task i through write, from
// writers goroutines.
func enqueue(ctx context.Context, pool *pgxpool.Pool, writers, n int, write func(ctx context.Context, out *jobs.Outbox, tx pgx.Tx, i int) error) error {
	out := jobs.NewOutbox()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					return write(ctx, out, tx, i)
				})
				if err != nil {
					errs <- fmt.Errorf("enqueue: %w", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// waitCompleted polls until n rows of taskType created since start are
// completed (or timeout), and returns how many and when the last one was.
func waitCompleted(ctx context.Context, pool *pgxpool.Pool, taskType string, start time.Time, n int, timeout time.Duration) (int, time.Time, error) {
	var done int
	var last *time.Time
	var err error
	// The figure comes from max(completed_at), not from when the poll saw
	// it, so a slow poll keeps the count query off the machine it measures.
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(timeout)
	for {
		err = pool.QueryRow(ctx, `SELECT count(*), max(completed_at) FROM outbox
			WHERE task_type = $1 AND created_at >= $2 AND completed_at IS NOT NULL`, taskType, start.Add(-time.Second)).Scan(&done, &last)
		if err != nil || done >= n {
			break
		}
		select {
		case <-ctx.Done():
		case <-deadline:
		case <-tick.C:
			continue
		}
		break
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("outbox progress: %w", err)
	}
	if last == nil {
		return done, time.Now(), ctx.Err()
	}
	return done, *last, ctx.Err()
}
