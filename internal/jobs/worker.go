package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"apistarter/internal/db/sqlc"
	"apistarter/internal/logctx"
	"apistarter/internal/tracing"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Worker defaults.
const (
	DefaultConcurrency     = 10
	DefaultShutdownTimeout = 20 * time.Second
	DefaultRetryBase       = 2 * time.Second
	DefaultRetryMax        = 5 * time.Minute
	// DefaultPollInterval is how often an idle worker looks for tasks, and
	// how often due retries are moved back to their queue.
	DefaultPollInterval = 50 * time.Millisecond
)

// Worker runs the handlers of a Registry on asynq, with the outbox
// bookkeeping around each task, and (optionally) the outbox relay.
type Worker struct {
	Redis asynq.RedisConnOpt
	DB    *pgxpool.Pool
	// LockDB holds the periodic jobs' session advisory locks: a direct
	// connection, not a transaction pooler. DB when nil.
	LockDB   *pgxpool.Pool
	Registry *Registry
	Log      *slog.Logger
	Metrics  *Metrics // optional
	// Tracer, when set, gives each task a span, the child of the request
	// span that wrote the task when it carries one.
	Tracer trace.Tracer
	// Relay, when set, runs alongside the worker.
	Relay *Relay

	Concurrency     int
	Queues          map[string]int // QueueWeights() when nil
	ShutdownTimeout time.Duration
	// RetryDelay is the wait before retry n+1 (n = retries so far);
	// Backoff(DefaultRetryBase, DefaultRetryMax) when nil.
	RetryDelay   func(n int) time.Duration
	PollInterval time.Duration
	// Lease is how long a running task's lease lasts without renewal
	// (DefaultLease when zero): a worker that dies has its tasks handed to
	// another worker about a lease later.
	Lease time.Duration

	ledger *ledger
}

// Backoff returns base·2^n with jitter (between half and all of it), capped
// at max.
func Backoff(base, max time.Duration) func(n int) time.Duration {
	return func(n int) time.Duration {
		d := max
		if n < 32 && base<<n > 0 && base<<n < max {
			d = base << n
		}
		return d/2 + rand.N(d/2+1)
	}
}

// Run processes tasks until ctx ends, then stops fetching, lets running
// tasks finish for up to ShutdownTimeout (unfinished ones go back to their
// queue) and returns.
func (w *Worker) Run(ctx context.Context) error {
	retry := w.RetryDelay
	if retry == nil {
		retry = Backoff(DefaultRetryBase, DefaultRetryMax)
	}
	poll := w.PollInterval
	if poll <= 0 {
		poll = DefaultPollInterval
	}
	queues := w.Queues
	if queues == nil {
		queues = QueueWeights()
	}
	srv := asynq.NewServer(w.Redis, asynq.Config{
		Concurrency:              orDefault(w.Concurrency, DefaultConcurrency),
		Queues:                   queues,
		ShutdownTimeout:          orDefaultDuration(w.ShutdownTimeout, DefaultShutdownTimeout),
		RetryDelayFunc:           func(n int, _ error, _ *asynq.Task) time.Duration { return retry(n) },
		IsFailure:                func(err error) bool { return !IsLater(err) },
		TaskCheckInterval:        poll,
		DelayedTaskCheckInterval: poll,
		Logger:                   asynqLogger{w.Log},
		LogLevel:                 asynq.WarnLevel,
		HealthCheckFunc: func(err error) {
			if err != nil {
				w.Log.Warn("worker: redis health check failed", "error", err.Error())
			}
		},
	})
	// The ledger outlives ctx: tasks still running at shutdown record
	// their outcome through it.
	w.ledger = newLedger(w.DB, w.Lease, w.Log)
	ledgerCtx, stopLedger := context.WithCancel(context.WithoutCancel(ctx))
	var ledgerDone sync.WaitGroup
	ledgerDone.Go(func() { w.ledger.run(ledgerCtx) })
	defer func() {
		stopLedger()
		ledgerDone.Wait()
	}()
	if err := srv.Start(w.middleware(asynq.HandlerFunc(w.dispatch))); err != nil {
		return fmt.Errorf("jobs: worker: %w", err)
	}
	w.Log.Info("worker started", "concurrency", orDefault(w.Concurrency, DefaultConcurrency), "queues", queues)

	var wg sync.WaitGroup
	if w.Relay != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = w.Relay.Run(ctx)
		}()
	}
	<-ctx.Done()
	w.Log.Info("worker stopping: waiting for running tasks")
	srv.Shutdown()
	wg.Wait()
	w.Log.Info("worker stopped")
	return nil
}

// dispatch runs the registered handler of the task's type, looked up at
// run time so a handler registered after the worker started still counts.
func (w *Worker) dispatch(ctx context.Context, t *asynq.Task) error {
	if name, ok := strings.CutPrefix(t.Type(), periodicPrefix); ok {
		if p, ok := w.Registry.Job(name); ok {
			return w.runPeriodic(ctx, p)
		}
	} else if h, ok := w.Registry.Handler(t.Type()); ok {
		return h(ctx, t.Payload())
	}
	// Not the task's fault (e.g. a rolling deploy: this worker is older
	// than the task): retry later without using up its retries.
	return &notCountedError{fmt.Errorf("no handler registered for task type %q", t.Type())}
}

// spanStatus records the handler's error on span.
func spanStatus(span trace.Span, next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		err := next.ProcessTask(ctx, t)
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		return err
	})
}

// notCountedError is a failure outside the task itself (outbox unreachable,
// no handler here): asynq retries it without counting it against the task's
// retries.
type notCountedError struct{ err error }

func (e *notCountedError) Error() string { return e.err.Error() }
func (e *notCountedError) Unwrap() error { return e.err }

// middleware wraps every task: request id and logger in ctx, the outbox
// check before (a completed row is not run again), the outbox update after,
// one log line and the metrics.
func (w *Worker) middleware(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		start := time.Now()
		id, _ := asynq.GetTaskID(ctx)
		queue, _ := asynq.GetQueueName(ctx)
		retried, _ := asynq.GetRetryCount(ctx)
		maxRetry, _ := asynq.GetMaxRetry(ctx)
		log := w.Log.With("task_type", t.Type(), "task_id", id, "queue", queue, "attempt", retried+1)
		handler := next
		if rid := t.Headers()[RequestIDHeader]; rid != "" {
			ctx = logctx.WithRequestID(ctx, rid)
			log = log.With("request_id", rid)
		}
		if w.Tracer != nil {
			ctx = tracing.WithRemoteParent(ctx, t.Headers()[TraceParentHeader])
			var span trace.Span
			ctx, span = w.Tracer.Start(ctx, "task "+t.Type(), trace.WithSpanKind(trace.SpanKindConsumer),
				trace.WithAttributes(attribute.String("task.type", t.Type()), attribute.String("task.id", id), attribute.Int("task.attempt", retried+1)))
			defer span.End()
			log = log.With("trace_id", span.SpanContext().TraceID().String())
			handler = spanStatus(span, next)
		}
		ctx = logctx.WithLogger(ctx, log)

		// Outbox tasks carry their row id; other tasks (periodic) do not.
		rowID, isRow := OutboxRowID(id)
		fromOutbox := false
		if isRow {
			st, err := w.ledger.take(ctx, rowID)
			switch {
			case err != nil:
				log.Warn("task deferred: outbox unavailable", "error", err.Error())
				return &notCountedError{fmt.Errorf("outbox: %w", err)}
			case st == leaseCompleted:
				// Already done: a relay retry or a Redis restore. Acking
				// it without running it again is what makes the outbox
				// run each task at most once to completion.
				w.Metrics.task(t.Type(), OutcomeDuplicate, 0)
				log.Info("task skipped: already completed", "outcome", OutcomeDuplicate)
				return nil
			case st == leaseHeld:
				// Another copy runs under a live lease; if its worker dies,
				// the lease lapses and the relay hands the task over again.
				w.Metrics.task(t.Type(), OutcomeDuplicate, 0)
				log.Info("task skipped: running elsewhere", "outcome", OutcomeDuplicate)
				return nil
			case st == leaseGranted:
				fromOutbox = true
			}
		}

		err := process(ctx, log, handler, t)
		d := time.Since(start)
		if err == nil {
			if fromOutbox {
				w.complete(ctx, log, rowID, retried+1)
			}
			w.Metrics.task(t.Type(), OutcomeSuccess, d)
			log.Info("task done", "outcome", OutcomeSuccess, "duration_ms", d.Milliseconds())
			return nil
		}
		if errors.Is(err, ErrJobBusy) {
			w.Metrics.task(t.Type(), OutcomeSkipped, d)
			log.Info("task skipped: job running elsewhere", "outcome", OutcomeSkipped)
			return nil
		}
		final := IsPermanent(err) || retried >= maxRetry
		outcome := OutcomeRetry
		if final {
			outcome = OutcomeFailed
		}
		if fromOutbox {
			w.recordFailure(ctx, log, rowID, err, final, retried+1)
		}
		w.Metrics.task(t.Type(), outcome, d)
		level := slog.LevelWarn
		if final {
			level = slog.LevelError
		}
		log.Log(ctx, level, "task failed", "outcome", outcome, "duration_ms", d.Milliseconds(), "error", err.Error())
		return err
	})
}

// process runs the handler, turning a panic into an error so that the
// outbox and the metrics still record the failure.
func process(ctx context.Context, log *slog.Logger, next asynq.Handler, t *asynq.Task) (err error) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("task handler panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("jobs: handler panicked: %v", r)
		}
	}()
	return next.ProcessTask(ctx, t)
}

// complete records the task done, retrying briefly: if it cannot be
// recorded, its lease lapses, the relay hands the task over again and it
// runs twice.
func (w *Worker) complete(ctx context.Context, log *slog.Logger, id uuid.UUID, attempts int) {
	ctx = context.WithoutCancel(ctx)
	delay := 100 * time.Millisecond
	deadline := time.Now().Add(15 * time.Second)
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := w.ledger.complete(cctx, id, attempts)
		cancel()
		if err == nil {
			return
		}
		if time.Now().Add(delay).After(deadline) {
			w.ledger.release(id)
			log.Error("task done but not recorded; it may run again", "error", err.Error())
			return
		}
		time.Sleep(delay) // backoff between attempts, not synchronisation
		delay *= 2
	}
}

// recordFailure notes the error on the row; on a final failure it marks the
// row failed so the relay leaves it alone.
func (w *Worker) recordFailure(ctx context.Context, log *slog.Logger, id uuid.UUID, taskErr error, final bool, attempts int) {
	defer w.ledger.release(id)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	q := sqlc.New(w.DB)
	var err error
	if final {
		err = q.FailOutbox(ctx, sqlc.FailOutboxParams{ID: id, LastError: truncate(taskErr.Error()), Attempts: int32(attempts)})
	} else {
		err = q.NoteOutboxError(ctx, sqlc.NoteOutboxErrorParams{ID: id, LastError: truncate(taskErr.Error()), Attempts: int32(attempts)})
	}
	if err != nil {
		log.Warn("could not record task failure in outbox", "error", err.Error())
	}
}

// runPeriodic runs p under its advisory lock and logs what it did.
func (w *Worker) runPeriodic(ctx context.Context, p Periodic) error {
	lockDB := w.LockDB
	if lockDB == nil {
		lockDB = w.DB
	}
	res, err := RunLocked(ctx, lockDB, p)
	if err != nil {
		return err
	}
	logctx.Logger(ctx).Info("periodic job finished", "job", p.Name, "result", res.String())
	return nil
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func orDefaultDuration(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}
