package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"apistarter/internal/db/sqlc"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/robfig/cron/v3"
)

// ErrJobBusy is returned by RunLocked when another process runs the job.
var ErrJobBusy = errors.New("jobs: job is already running elsewhere")

// PeriodStart returns the start of the period of p that contains now: the
// latest activation of its schedule at or before now (UTC). Every scheduler
// computes the same value for the same tick, which makes it a shared key.
func (p Periodic) PeriodStart(now time.Time) time.Time {
	now = now.UTC()
	sched := p.schedule
	if sched == nil {
		sched, _ = cron.ParseStandard(p.Schedule)
	}
	switch s := sched.(type) {
	case nil:
		return now.Truncate(time.Second)
	case cron.ConstantDelaySchedule:
		// "@every d": aligned to multiples of d since the zero time, so every
		// scheduler agrees whenever it started.
		return now.Truncate(s.Delay)
	}
	// Next gives activations strictly after a time; widen the look-back
	// until one falls at or before now, then walk forward to the latest.
	for _, back := range []time.Duration{time.Minute, time.Hour, 25 * time.Hour, 8 * 24 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour} {
		t := sched.Next(now.Add(-back))
		if t.IsZero() || t.After(now) {
			continue
		}
		for n := sched.Next(t); !n.IsZero() && !n.After(now); n = sched.Next(n) {
			t = n
		}
		return t
	}
	return now.Truncate(time.Second)
}

// PeriodTaskID is the asynq task id of p's run for the period containing
// now. Two schedulers enqueueing the same period get the same id, so the
// second enqueue is refused as a conflict.
func (p Periodic) PeriodTaskID(now time.Time) string {
	return p.TaskType() + ":" + strconv.FormatInt(p.PeriodStart(now).Unix(), 10)
}

// lockKey is the advisory lock key of a job: the first 8 bytes of a hash of
// a namespaced name, so it cannot collide with other features' locks.
func lockKey(name string) int64 {
	sum := sha256.Sum256([]byte("apistarter:periodic:" + name))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// RunLocked runs p now, holding a PostgreSQL advisory lock keyed by its name
// for the whole run, so the same job never runs twice at once across all
// workers and `apistarter jobs run`. ErrJobBusy when the lock is taken.
func RunLocked(ctx context.Context, pool *pgxpool.Pool, p Periodic) (Result, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: %s: acquire connection: %w", p.Name, err)
	}
	defer conn.Release()
	q := sqlc.New(conn)
	key := lockKey(p.Name)
	locked, err := q.TryAdvisoryLock(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("jobs: %s: advisory lock: %w", p.Name, err)
	}
	if !locked {
		return nil, ErrJobBusy
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := q.AdvisoryUnlock(uctx, key); err != nil {
			// Never return a connection holding the lock to the pool.
			_ = conn.Conn().Close(uctx)
		}
	}()
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultPeriodicTimeout
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := p.Run(runCtx)
	if err != nil {
		return res, fmt.Errorf("jobs: %s: %w", p.Name, err)
	}
	return res, nil
}
