package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"apistarter/internal/db/sqlc"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultLease is how long a running task's lease lasts without a renewal.
// The worker renews it every third of that, so a worker that died is
// noticed within a lease, and a busy one has three chances to renew.
const DefaultLease = 6 * time.Second

// ledgerBatch bounds the rows of one bookkeeping statement.
const ledgerBatch = 256

// leaseState is what the outbox says about a task about to run.
type leaseState int

const (
	leaseGranted   leaseState = iota // run it; this worker holds the lease
	leaseNoRow                       // no outbox row: not an outbox task
	leaseCompleted                   // done already: a copy of a finished task
	leaseHeld                        // another copy runs under a live lease
)

type completion struct {
	id       uuid.UUID
	attempts int32
}

// ledger is a worker's bookkeeping of its outbox tasks: it takes a task's
// lease before the task runs, renews the leases of running tasks
// (heartbeat) and records completions. Calls from concurrent tasks share
// statements (see group), so the bookkeeping costs a few statements per
// batch of tasks instead of two per task.
type ledger struct {
	db    *pgxpool.Pool
	lease time.Duration
	log   *slog.Logger

	leases *group[uuid.UUID, leaseState]
	dones  *group[completion, struct{}]

	mu      sync.Mutex
	running map[uuid.UUID]int
}

func newLedger(db *pgxpool.Pool, lease time.Duration, log *slog.Logger) *ledger {
	if lease <= 0 {
		lease = DefaultLease
	}
	l := &ledger{db: db, lease: lease, log: log, running: map[uuid.UUID]int{}}
	l.leases = newGroup(ledgerBatch, l.leaseBatch)
	l.dones = newGroup(ledgerBatch, l.completeBatch)
	return l
}

// run serves the ledger until ctx ends.
func (l *ledger) run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { l.leases.loop(ctx) })
	wg.Go(func() { l.dones.loop(ctx) })
	wg.Go(func() { l.heartbeat(ctx) })
	wg.Wait()
}

// take asks for the lease of the task's row.
func (l *ledger) take(ctx context.Context, id uuid.UUID) (leaseState, error) {
	st, err := l.leases.do(ctx, id)
	if err == nil && st == leaseGranted {
		l.mu.Lock()
		l.running[id]++
		l.mu.Unlock()
	}
	return st, err
}

// release forgets a task that stopped without completing (its failure
// record let go of the lease).
func (l *ledger) release(id uuid.UUID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.running[id]--; l.running[id] <= 0 {
		delete(l.running, id)
	}
}

// complete records the task done; the lease goes with it.
func (l *ledger) complete(ctx context.Context, id uuid.UUID, attempts int) error {
	_, err := l.dones.do(ctx, completion{id: id, attempts: int32(attempts)})
	return err
}

func (l *ledger) leaseBatch(ctx context.Context, ids []uuid.UUID) ([]leaseState, error) {
	rows, err := sqlc.New(l.db).LeaseOutbox(ctx, sqlc.LeaseOutboxParams{Ids: ids, LeaseSeconds: l.lease.Seconds()})
	if err != nil {
		return nil, fmt.Errorf("jobs: lease tasks: %w", err)
	}
	state := make(map[uuid.UUID]leaseState, len(rows))
	for _, r := range rows {
		switch {
		case r.Leased:
			state[r.ID] = leaseGranted
		case !r.Found:
			state[r.ID] = leaseNoRow
		case r.Completed:
			state[r.ID] = leaseCompleted
		default:
			state[r.ID] = leaseHeld
		}
	}
	out := make([]leaseState, len(ids))
	for i, id := range ids {
		st, ok := state[id]
		if !ok {
			return nil, fmt.Errorf("jobs: lease tasks: no answer for %s", id)
		}
		out[i] = st
		if st == leaseGranted {
			// Two copies of one task in the same batch: the first runs.
			state[id] = leaseHeld
		}
	}
	return out, nil
}

func (l *ledger) completeBatch(ctx context.Context, cs []completion) ([]struct{}, error) {
	ids := make([]uuid.UUID, len(cs))
	attempts := make([]int32, len(cs))
	for i, c := range cs {
		ids[i], attempts[i] = c.id, c.attempts
	}
	if err := sqlc.New(l.db).CompleteOutbox(ctx, sqlc.CompleteOutboxParams{Ids: ids, Attempts: attempts}); err != nil {
		return nil, fmt.Errorf("jobs: record completed tasks: %w", err)
	}
	l.mu.Lock()
	for _, id := range ids {
		delete(l.running, id)
	}
	l.mu.Unlock()
	return make([]struct{}, len(cs)), nil
}

// heartbeat renews the leases of the running tasks every third of a lease.
func (l *ledger) heartbeat(ctx context.Context) {
	t := time.NewTicker(l.lease / 3)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		l.mu.Lock()
		ids := make([]uuid.UUID, 0, len(l.running))
		for id := range l.running {
			ids = append(ids, id)
		}
		l.mu.Unlock()
		if len(ids) == 0 {
			continue
		}
		slices.SortFunc(ids, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
		rctx, cancel := context.WithTimeout(ctx, l.lease/3)
		err := sqlc.New(l.db).RenewOutboxLeases(rctx, sqlc.RenewOutboxLeasesParams{Ids: ids, LeaseSeconds: l.lease.Seconds()})
		cancel()
		switch {
		case err != nil && !failing && ctx.Err() == nil:
			// The leases lapse if this lasts: the relay then hands these
			// tasks to another worker, and they may run twice.
			l.log.Warn("worker: cannot renew task leases", "tasks", len(ids), "error", err.Error())
			failing = true
		case err == nil && failing:
			l.log.Info("worker: task leases renewed again")
			failing = false
		}
	}
}
