package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"

	"apistarter/internal/jobs"
	"apistarter/internal/testutil"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

func redisOpt(t *testing.T) jobs.RedisOpt {
	t.Helper()
	opt, err := redis.ParseURL(testutil.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	return jobs.RedisOpt{Options: opt}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Two schedulers ticking for the same period: only one enqueue succeeds.
func TestTwoSchedulersEnqueueOncePerPeriod(t *testing.T) {
	t.Parallel()
	ropt := redisOpt(t)
	reg := jobs.NewRegistry()
	reg.AddPeriodic(jobs.Periodic{Name: "cleanup", Schedule: "@hourly", Run: func(context.Context) (jobs.Result, error) { return nil, nil }})
	p, _ := reg.Job("cleanup")
	client := asynq.NewClient(ropt)
	defer client.Close()
	a := &jobs.Scheduler{Redis: ropt, Registry: reg, Log: quietLog()}
	b := &jobs.Scheduler{Redis: ropt, Registry: reg, Log: quietLog()}

	t0 := time.Date(2025, 3, 10, 14, 0, 0, 3e6, time.UTC) // the 14:00 tick, slightly late
	ctx := context.Background()
	for _, step := range []struct {
		s    *jobs.Scheduler
		at   time.Time
		want bool
	}{
		{a, t0, true},
		{b, t0.Add(40 * time.Millisecond), false}, // same tick, other scheduler
		{a, t0.Add(20 * time.Minute), false},      // same period, even much later
		{b, t0.Add(time.Hour), true},              // next period: whoever ticks first
		{a, t0.Add(time.Hour + time.Second), false},
	} {
		got, err := step.s.Enqueue(ctx, client, p, step.at)
		if err != nil || got != step.want {
			t.Fatalf("enqueue at %s: %v, %v; want %v", step.at.Format(time.TimeOnly), got, err, step.want)
		}
	}
	insp := asynq.NewInspector(ropt)
	defer insp.Close()
	tasks, err := insp.ListPendingTasks(jobs.QueueMaintenance)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 2 {
		t.Fatalf("%d tasks pending, want 2 (one per period)", len(tasks))
	}
}

// The same, with two real schedulers running side by side on an every-second
// schedule: each second's run is enqueued once, the other scheduler is
// refused.
func TestTwoRunningSchedulersNeverDuplicateARun(t *testing.T) {
	t.Parallel()
	ropt := redisOpt(t)
	reg := jobs.NewRegistry()
	reg.AddPeriodic(jobs.Periodic{Name: "tick", Schedule: "@every 1s", Run: func(context.Context) (jobs.Result, error) { return nil, nil }})
	metricsA, metricsB := prometheus.NewRegistry(), prometheus.NewRegistry()
	ma, mb := jobs.NewMetrics(metricsA), jobs.NewMetrics(metricsB)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, m := range []*jobs.Metrics{ma, mb} {
		s := &jobs.Scheduler{Redis: ropt, Registry: reg, Log: quietLog(), Metrics: m}
		wg.Go(func() {
			if err := s.Run(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	count := func(result string) float64 {
		total := 0.0
		for _, reg := range []*prometheus.Registry{metricsA, metricsB} {
			families, _ := reg.Gather()
			for _, f := range families {
				if f.GetName() != "scheduler_enqueues_total" {
					continue
				}
				for _, m := range f.GetMetric() {
					for _, l := range m.GetLabel() {
						if l.GetName() == "result" && l.GetValue() == result {
							total += m.GetCounter().GetValue()
						}
					}
				}
			}
		}
		return total
	}
	if !testutil.Poll(15*time.Second, func() bool { return count("duplicate") >= 3 }) {
		t.Fatalf("schedulers never met on a period: enqueued %v duplicate %v", count("enqueued"), count("duplicate"))
	}
	cancel()
	wg.Wait()

	insp := asynq.NewInspector(ropt)
	defer insp.Close()
	tasks, err := insp.ListPendingTasks(jobs.QueueMaintenance, asynq.PageSize(1000))
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(tasks))
	for i, task := range tasks {
		ids[i] = task.ID
	}
	sort.Strings(ids)
	if float64(len(ids)) != count("enqueued") {
		t.Fatalf("%d tasks in Redis but %v successful enqueues: %v", len(ids), count("enqueued"), ids)
	}
	if count("error") != 0 {
		t.Errorf("%v enqueue errors", count("error"))
	}
}
