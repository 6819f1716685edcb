package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
)

// DefaultPeriodicRetention keeps a finished periodic task (and so its task
// id) in Redis this long, so a scheduler that ticks late for the same period
// is still refused.
const DefaultPeriodicRetention = time.Hour

// Scheduler enqueues the periodic jobs of a Registry on their schedules. It
// is safe to run several: each period's task has a deterministic id
// (PeriodTaskID), so only the first scheduler's enqueue succeeds; the others
// get a conflict. The worker additionally holds an advisory lock per job.
type Scheduler struct {
	Redis     asynq.RedisConnOpt
	Registry  *Registry
	Log       *slog.Logger
	Metrics   *Metrics // optional
	Retention time.Duration
	// Now is the clock; tests inject one. time.Now when nil.
	Now func() time.Time
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Run schedules until ctx ends. asynq's Scheduler provides the cron timing
// and the entries shown in the dashboard; the enqueue itself is ours, since
// asynq gives every tick of an entry the same options and the task id must
// change per period.
func (s *Scheduler) Run(ctx context.Context) error {
	table := s.Registry.Periodic()
	client := asynq.NewClient(s.Redis)
	defer client.Close()
	byType := make(map[string]Periodic, len(table))
	for _, p := range table {
		byType[p.TaskType()] = p
	}
	sched := asynq.NewScheduler(s.Redis, &asynq.SchedulerOpts{
		Location: time.UTC,
		Logger:   asynqLogger{s.Log},
		LogLevel: asynq.WarnLevel,
		PreEnqueueFunc: func(task *asynq.Task, _ []asynq.Option) {
			if p, ok := byType[task.Type()]; ok {
				_, _ = s.Enqueue(ctx, client, p, s.now())
			}
		},
	})
	for _, p := range table {
		// The registered options are what the dashboard shows. The empty
		// TaskID makes asynq's own enqueue fail before reaching Redis: the
		// real enqueue, with the period's id, happened in PreEnqueueFunc.
		opts := append(s.options(p), asynq.TaskID(""))
		if _, err := sched.Register(p.Schedule, asynq.NewTask(p.TaskType(), nil), opts...); err != nil {
			return fmt.Errorf("jobs: scheduler: register %s: %w", p.Name, err)
		}
	}
	if err := sched.Start(); err != nil {
		return fmt.Errorf("jobs: scheduler: %w", err)
	}
	s.Log.Info("scheduler started", "jobs", len(table))
	<-ctx.Done()
	sched.Shutdown()
	s.Log.Info("scheduler stopped")
	return nil
}

func (s *Scheduler) options(p Periodic) []asynq.Option {
	retention := s.Retention
	if retention <= 0 {
		retention = DefaultPeriodicRetention
	}
	return []asynq.Option{asynq.Queue(p.Queue), asynq.MaxRetry(0), asynq.Timeout(p.Timeout), asynq.Retention(retention)}
}

// Enqueue enqueues p's run for the period containing now. It reports false
// without error when that period's run was already enqueued (by this or
// another scheduler).
func (s *Scheduler) Enqueue(ctx context.Context, client *asynq.Client, p Periodic, now time.Time) (bool, error) {
	id := p.PeriodTaskID(now)
	ectx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := client.EnqueueContext(ectx, asynq.NewTask(p.TaskType(), nil), append(s.options(p), asynq.TaskID(id))...)
	switch {
	case err == nil:
		s.Metrics.scheduled(p.Name, "enqueued")
		s.Log.Info("periodic job enqueued", "job", p.Name, "task_id", id)
		return true, nil
	case errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask):
		s.Metrics.scheduled(p.Name, "duplicate")
		s.Log.Debug("periodic job already enqueued for this period", "job", p.Name, "task_id", id)
		return false, nil
	default:
		s.Metrics.scheduled(p.Name, "error")
		s.Log.Warn("periodic job enqueue failed", "job", p.Name, "task_id", id, "error", err.Error())
		return false, fmt.Errorf("jobs: scheduler: enqueue %s: %w", p.Name, err)
	}
}

// asynqLogger sends asynq's own log lines to slog.
type asynqLogger struct{ log *slog.Logger }

func (l asynqLogger) Debug(args ...any) { l.log.Debug(fmt.Sprint(args...), "source", "asynq") }
func (l asynqLogger) Info(args ...any)  { l.log.Info(fmt.Sprint(args...), "source", "asynq") }
func (l asynqLogger) Warn(args ...any)  { l.log.Warn(fmt.Sprint(args...), "source", "asynq") }
func (l asynqLogger) Error(args ...any) { l.log.Error(fmt.Sprint(args...), "source", "asynq") }

// Fatal logs at error level; asynq itself never calls it.
func (l asynqLogger) Fatal(args ...any) { l.log.Error(fmt.Sprint(args...), "source", "asynq") }
