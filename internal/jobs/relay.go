package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"apistarter/internal/db/sqlc"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
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

// Relay moves committed outbox rows to asynq.
//
// New rows go as soon as they commit (NOTIFY, then a short poll). A row
// already relayed goes again when its task may be gone from Redis:
//   - its lease lapsed: the worker running it died (see Worker.Lease);
//   - Redis lost its data (a flush, a restart without persistence, a
//     failover to a replica that missed writes): the relay notices within
//     Interval through a counter of its own in Redis, and hands over again
//     every unfinished row relayed before then that no live lease holds;
//   - nothing was heard of it for Timeout: the fallback for losses nobody
//     noticed (e.g. eviction).
//
// Re-relaying is safe: while asynq holds a task, the same id is refused as a
// conflict; a copy that does reach a worker finds its row completed, or
// leased by the copy that runs, and is not run. Several relays may run:
// rows are claimed with SKIP LOCKED.
type Relay struct {
	DB *pgxpool.Pool
	// Listen is where LISTEN outbox connects: a session of its own, so not
	// through a transaction pooler. DB when nil.
	Listen *pgxpool.Pool
	Redis  asynq.RedisConnOpt
	Log    *slog.Logger
	// Metrics is optional.
	Metrics *Metrics
	// Timeout after which an unfinished row nobody holds is relayed again.
	Timeout time.Duration
	// Interval is the poll fallback when no notification arrives, and how
	// often relayed rows are checked (lapsed leases, Redis data loss).
	Interval  time.Duration
	BatchSize int
}

func (r *Relay) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return DefaultRelayTimeout
}

func (r *Relay) interval() time.Duration {
	if r.Interval > 0 {
		return r.Interval
	}
	return DefaultRelayInterval
}

// relayConns are what a relay talks to Redis through.
type relayConns struct {
	client    *asynq.Client
	inspector *asynq.Inspector
	watch     *lossWatch
}

func (r *Relay) open() (*relayConns, func()) {
	c := &relayConns{client: asynq.NewClient(r.Redis), inspector: asynq.NewInspector(r.Redis)}
	rc, _ := r.Redis.MakeRedisClient().(redis.UniversalClient)
	if rc != nil {
		c.watch = newLossWatch(rc)
	}
	return c, func() {
		_ = c.client.Close()
		_ = c.inspector.Close()
		if rc != nil {
			_ = rc.Close()
		}
	}
}

// Run relays until ctx ends. It wakes on NOTIFY outbox (sent by
// Outbox.Enqueue, delivered at commit) and polls every Interval regardless.
func (r *Relay) Run(ctx context.Context) error {
	conns, closeConns := r.open()
	defer closeConns()

	wake := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.listen(ctx, wake)
	}()
	defer wg.Wait()

	var lastActive, lastDue time.Time
	failing := false
	for {
		// Due rows first: the Redis check must come before rows go into
		// a Redis that may have just lost the earlier ones.
		var n int
		var err error
		if time.Since(lastDue) >= r.interval() {
			n, err = r.drainDue(ctx, conns)
			lastDue = time.Now()
		}
		if err == nil {
			var m int
			m, err = r.drainNew(ctx, conns)
			n += m
		}
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
		wait := r.interval()
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
	conns, closeConns := r.open()
	defer closeConns()
	n, err := r.drainDue(ctx, conns)
	if err != nil {
		return n, err
	}
	m, err := r.drainNew(ctx, conns)
	return n + m, err
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

func (r *Relay) batchSize() int {
	if r.BatchSize > 0 {
		return r.BatchSize
	}
	return DefaultRelayBatch
}

// drainNew relays rows never relayed, in batches, until none is left.
func (r *Relay) drainNew(ctx context.Context, c *relayConns) (int, error) {
	size := r.batchSize()
	claim := func(q *sqlc.Queries) ([]claimedRow, error) {
		rows, err := q.ClaimNewOutbox(ctx, int32(size))
		return claimedNew(rows), err
	}
	total := 0
	for {
		n, claimed, err := r.relayBatch(ctx, c, claim)
		total += n
		if err != nil || claimed < size {
			return total, err
		}
	}
}

// drainDue relays again the rows whose task may be gone from Redis: lapsed
// leases, rows older than the timeout, and, when Redis lost its data, every
// row relayed before the loss was seen.
func (r *Relay) drainDue(ctx context.Context, c *relayConns) (int, error) {
	q := sqlc.New(r.DB)
	now, err := q.OutboxClock(ctx)
	if err != nil {
		return 0, fmt.Errorf("jobs: relay: clock: %w", err)
	}
	before := now.Add(-r.timeout())
	if c.watch != nil {
		lost, err := c.watch.check(ctx)
		if err != nil {
			return 0, fmt.Errorf("jobs: relay: watch redis: %w", err)
		}
		if lost {
			// Rows relayed from now on go into the Redis that is there now.
			r.Log.Warn("outbox relay: Redis lost its data; relaying unfinished tasks again")
			c.watch.lostAt = now
		}
		if !c.watch.lostAt.IsZero() {
			before = c.watch.lostAt
		}
	}
	size := r.batchSize()
	claim := func(q *sqlc.Queries) ([]claimedRow, error) {
		rows, err := q.ClaimDueOutbox(ctx, sqlc.ClaimDueOutboxParams{RelayedBefore: before, BatchSize: int32(size)})
		return claimedDue(rows), err
	}
	total := 0
	for {
		n, claimed, err := r.relayBatch(ctx, c, claim)
		total += n
		if err != nil {
			return total, err
		}
		if claimed < size {
			// Everything relayed before the loss has gone again.
			if c.watch != nil {
				c.watch.lostAt = time.Time{}
			}
			return total, nil
		}
	}
}

// relayBatch claims up to a batch of rows (marking them relayed) and
// enqueues them; rows Redis did not take are released for the next poll.
func (r *Relay) relayBatch(ctx context.Context, c *relayConns, claim func(*sqlc.Queries) ([]claimedRow, error)) (relayed, claimed int, err error) {
	q := sqlc.New(r.DB)
	rows, err := claim(q)
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
			err := enqueueRow(gctx, c.client, row)
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
				if err := settleFromQueue(ctx, q, c.inspector, row); err != nil {
					r.Log.Warn("outbox relay: settle from queue", "task_id", row.taskID(), "error", err.Error())
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

func enqueueRow(ctx context.Context, client *asynq.Client, row claimedRow) error {
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
		asynq.TaskID(row.taskID()), asynq.Queue(row.Queue), asynq.MaxRetry(int(row.MaxRetry)))
	return err
}

// settleFromQueue marks row completed or failed when asynq reports its task
// so; any other state leaves it alone.
func settleFromQueue(ctx context.Context, q *sqlc.Queries, inspector *asynq.Inspector, row claimedRow) error {
	info, err := inspector.GetTaskInfo(row.Queue, row.taskID())
	if err != nil {
		if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
			return nil
		}
		return err
	}
	switch info.State {
	case asynq.TaskStateCompleted:
		return q.CompleteOutbox(ctx, sqlc.CompleteOutboxParams{Ids: []uuid.UUID{row.ID}, Attempts: []int32{int32(info.Retried + 1)}})
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

// claimedRow is a row a relay claimed, new or due again.
type claimedRow sqlc.ClaimNewOutboxRow

// taskID is the asynq task id of the row's current copy.
func (r claimedRow) taskID() string {
	if r.TaskID != "" {
		return r.TaskID
	}
	return r.ID.String()
}

func claimedNew(rows []sqlc.ClaimNewOutboxRow) []claimedRow {
	out := make([]claimedRow, len(rows))
	for i, r := range rows {
		out[i] = claimedRow(r)
	}
	return out
}

func claimedDue(rows []sqlc.ClaimDueOutboxRow) []claimedRow {
	out := make([]claimedRow, len(rows))
	for i, r := range rows {
		out[i] = claimedRow(r)
	}
	return out
}

// OutboxRowID returns the outbox row an asynq task id names: the row id, or
// the row id and the relay count after a lapsed lease ("<uuid>:<n>").
// Other tasks (periodic jobs) have ids that are not row ids.
func OutboxRowID(taskID string) (uuid.UUID, bool) {
	s, _, _ := strings.Cut(taskID, ":")
	id, err := uuid.Parse(s)
	return id, err == nil && len(s) == 36
}
