package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"apistarter/internal/db/sqlc"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"
)

// Relay defaults.
const (
	DefaultRelayTimeout  = 2 * time.Minute
	DefaultRelayInterval = time.Second
	DefaultRelayBatch    = 500
	// hotPoll and hotWindow: after activity the relay polls this often for
	// this long, which covers transactions whose NOTIFY was throttled away.
	hotPoll   = 10 * time.Millisecond
	hotWindow = time.Second
)

// Relay moves committed outbox rows to asynq, with the row id as task id.
//
// A row is due when it is neither completed nor failed and was never relayed,
// or was relayed more than Timeout ago: its task may have vanished from Redis
// (flush, restart, eviction). Re-relaying is safe: while asynq still holds
// the task, the same id is refused as a conflict; once asynq has forgotten a
// finished task, the worker finds the row completed and does not run it
// again. Several relays may run: rows are claimed with SKIP LOCKED.
type Relay struct {
	DB *pgxpool.Pool
	// Listen is where LISTEN outbox connects: a session of its own, so not
	// through a transaction pooler. DB when nil.
	Listen *pgxpool.Pool
	Redis  asynq.RedisConnOpt
	Log    *slog.Logger
	// Metrics is optional.
	Metrics *Metrics
	// Timeout after which an unfinished row is relayed again.
	Timeout time.Duration
	// Interval is the poll fallback when no notification arrives.
	Interval  time.Duration
	BatchSize int
}

func (r *Relay) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return DefaultRelayTimeout
}

// Run relays until ctx ends. It wakes on NOTIFY outbox (sent by
// Outbox.Enqueue, delivered at commit) and polls every Interval regardless.
func (r *Relay) Run(ctx context.Context) error {
	client := asynq.NewClient(r.Redis)
	defer client.Close()
	inspector := asynq.NewInspector(r.Redis)
	defer inspector.Close()

	wake := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.listen(ctx, wake)
	}()
	defer wg.Wait()

	interval := r.Interval
	if interval <= 0 {
		interval = DefaultRelayInterval
	}
	var lastActive time.Time
	failing := false
	for {
		n, err := r.drain(ctx, client, inspector)
		switch {
		case err != nil && ctx.Err() == nil:
			if !failing {
				r.Log.Error("outbox relay failing", "error", err.Error())
			}
			failing = true
		case err == nil && failing:
			r.Log.Info("outbox relay recovered")
			failing = false
		}
		if n > 0 {
			lastActive = time.Now()
		}
		wait := interval
		if time.Since(lastActive) < hotWindow && !failing {
			wait = hotPoll
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-wake:
			lastActive = time.Now()
		case <-timer.C:
		}
		timer.Stop()
	}
}

// RelayOnce relays every due row now and returns how many were handed over.
func (r *Relay) RelayOnce(ctx context.Context) (int, error) {
	client := asynq.NewClient(r.Redis)
	defer client.Close()
	inspector := asynq.NewInspector(r.Redis)
	defer inspector.Close()
	return r.drain(ctx, client, inspector)
}

// listen holds a dedicated connection with LISTEN outbox and signals wake on
// each notification, reconnecting with backoff. Polling covers any gap.
func (r *Relay) listen(ctx context.Context, wake chan<- struct{}) {
	backoff := time.Second
	for ctx.Err() == nil {
		err := r.listenOnce(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		r.Log.Warn("outbox relay: listen connection lost; polling meanwhile", "error", err.Error(), "retry_in", backoff.String())
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

func (r *Relay) listenOnce(ctx context.Context, wake chan<- struct{}) error {
	src := r.Listen
	if src == nil {
		src = r.DB
	}
	conn, err := pgx.ConnectConfig(ctx, src.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("jobs: relay: listen connect: %w", err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, "LISTEN outbox"); err != nil {
		return fmt.Errorf("jobs: relay: listen: %w", err)
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("jobs: relay: wait: %w", err)
		}
		select {
		case wake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}

// drain relays batches until no due row is left.
func (r *Relay) drain(ctx context.Context, client *asynq.Client, inspector *asynq.Inspector) (int, error) {
	batch := r.BatchSize
	if batch <= 0 {
		batch = DefaultRelayBatch
	}
	total := 0
	for {
		n, claimed, err := r.relayBatch(ctx, client, inspector, batch)
		total += n
		if err != nil || claimed < batch {
			return total, err
		}
	}
}

// relayBatch claims up to size due rows (marking them relayed) and enqueues
// them; rows Redis did not take are released for the next poll.
func (r *Relay) relayBatch(ctx context.Context, client *asynq.Client, inspector *asynq.Inspector, size int) (relayed, claimed int, err error) {
	q := sqlc.New(r.DB)
	rows, err := q.ClaimOutbox(ctx, sqlc.ClaimOutboxParams{TimeoutSeconds: r.timeout().Seconds(), BatchSize: int32(size)})
	if err != nil {
		return 0, 0, fmt.Errorf("jobs: relay: claim: %w", err)
	}
	if len(rows) == 0 {
		return 0, 0, nil
	}

	// Each enqueue is one Redis round trip; a few in parallel keep up with
	// thousands of rows per second. The first real failure (Redis down)
	// cancels the rest.
	done := make([]bool, len(rows))
	conflict := make([]bool, len(rows))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i, row := range rows {
		g.Go(func() error {
			err := enqueueRow(gctx, client, row)
			switch {
			case err == nil:
				done[i] = true
			case errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask):
				done[i], conflict[i] = true, true
			default:
				return err
			}
			return nil
		})
	}
	enqueueErr := g.Wait()

	var failed []uuid.UUID
	enqueued, already := 0, 0
	for i, row := range rows {
		switch {
		case !done[i]:
			failed = append(failed, row.ID)
		case !conflict[i]:
			enqueued++
			if row.RelayCount == 1 {
				r.Metrics.relayedAfter(time.Since(row.CreatedAt))
			}
		default:
			already++
			if row.RelayCount > 1 {
				// A re-relay found the task still in Redis. If asynq has
				// finished with it but the worker could not record that
				// (e.g. PostgreSQL was down), record it now so the row
				// stops being relayed.
				if err := settleFromQueue(ctx, q, inspector, row); err != nil {
					r.Log.Warn("outbox relay: settle from queue", "task_id", row.ID.String(), "error", err.Error())
				}
			}
		}
	}
	r.Metrics.relay("enqueued", enqueued)
	r.Metrics.relay("already_queued", already)
	if len(failed) > 0 {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := q.UnclaimOutbox(uctx, failed); err != nil {
			// They are relayed again after the timeout instead.
			r.Log.Warn("outbox relay: release unrelayed rows", "rows", len(failed), "error", err.Error())
		}
	}
	if enqueueErr != nil {
		return enqueued + already, len(rows), fmt.Errorf("jobs: relay: enqueue: %w", enqueueErr)
	}
	return enqueued + already, len(rows), nil
}

// Task headers: the originating request id, and the W3C traceparent of the
// request's span.
const (
	RequestIDHeader   = "request_id"
	TraceParentHeader = "traceparent"
)

func enqueueRow(ctx context.Context, client *asynq.Client, row sqlc.ClaimOutboxRow) error {
	var headers map[string]string
	if row.RequestID != "" || row.TraceParent != "" {
		headers = make(map[string]string, 2)
		if row.RequestID != "" {
			headers[RequestIDHeader] = row.RequestID
		}
		if row.TraceParent != "" {
			headers[TraceParentHeader] = row.TraceParent
		}
	}
	task := asynq.NewTaskWithHeaders(row.TaskType, row.Payload, headers)
	ectx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := client.EnqueueContext(ectx, task,
		asynq.TaskID(row.ID.String()), asynq.Queue(row.Queue), asynq.MaxRetry(int(row.MaxRetry)))
	return err
}

// settleFromQueue marks row completed or failed when asynq reports its task
// so; any other state leaves it alone.
func settleFromQueue(ctx context.Context, q *sqlc.Queries, inspector *asynq.Inspector, row sqlc.ClaimOutboxRow) error {
	info, err := inspector.GetTaskInfo(row.Queue, row.ID.String())
	if err != nil {
		if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
			return nil
		}
		return err
	}
	switch info.State {
	case asynq.TaskStateCompleted:
		return q.CompleteOutbox(ctx, sqlc.CompleteOutboxParams{ID: row.ID, Attempts: int32(info.Retried + 1)})
	case asynq.TaskStateArchived:
		return q.FailOutbox(ctx, sqlc.FailOutboxParams{ID: row.ID, LastError: truncate(info.LastErr), Attempts: int32(info.Retried + 1)})
	}
	return nil
}

// truncate bounds stored error text.
func truncate(s string) string {
	const max = 1000
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
