package jobs_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"apistarter/internal/jobs"
	"apistarter/internal/testutil"
)

func periodic(t *testing.T, schedule string) jobs.Periodic {
	t.Helper()
	r := jobs.NewRegistry()
	r.AddPeriodic(jobs.Periodic{Name: "probe", Schedule: schedule, Run: func(context.Context) (jobs.Result, error) { return nil, nil }})
	p, _ := r.Job("probe")
	return p
}

func TestPeriodStartIsTheLatestActivation(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct{ schedule, now, want string }{
		{"@daily", "2025-03-10T13:45:10Z", "2025-03-10T00:00:00Z"},
		{"@daily", "2025-03-10T00:00:00.004Z", "2025-03-10T00:00:00Z"}, // the tick itself, a little late
		{"@weekly", "2025-03-12T08:00:00Z", "2025-03-09T00:00:00Z"},    // Sunday midnight
		{"*/5 * * * *", "2025-03-10T13:47:59Z", "2025-03-10T13:45:00Z"},
		{"0 3 * * *", "2025-03-10T02:59:59Z", "2025-03-09T03:00:00Z"},
		{"@monthly", "2025-03-31T23:00:00Z", "2025-03-01T00:00:00Z"},
		{"@every 5m", "2025-03-10T13:47:59Z", "2025-03-10T13:45:00Z"},
		{"@every 1s", "2025-03-10T13:47:59.999Z", "2025-03-10T13:47:59Z"},
	} {
		p := periodic(t, tc.schedule)
		if got := p.PeriodStart(at(tc.now)); !got.Equal(at(tc.want)) {
			t.Errorf("%s at %s: period starts %s, want %s", tc.schedule, tc.now, got.Format(time.RFC3339), tc.want)
		}
	}
	p := periodic(t, "@daily")
	if a, b := p.PeriodTaskID(at("2025-03-10T00:00:01Z")), p.PeriodTaskID(at("2025-03-10T23:59:59Z")); a != b || a != "periodic:probe:1741564800" {
		t.Errorf("task ids within one day differ or are malformed: %q %q", a, b)
	}
}

func TestRegistryRefusesBadEntries(t *testing.T) {
	t.Parallel()
	run := func(context.Context) (jobs.Result, error) { return nil, nil }
	for name, f := range map[string]func(r *jobs.Registry){
		"bad schedule": func(r *jobs.Registry) { r.AddPeriodic(jobs.Periodic{Name: "x", Schedule: "every day", Run: run}) },
		"bad name":     func(r *jobs.Registry) { r.AddPeriodic(jobs.Periodic{Name: "X y", Schedule: "@daily", Run: run}) },
		"duplicate job": func(r *jobs.Registry) {
			r.AddPeriodic(jobs.Periodic{Name: "outbox-prune", Schedule: "@daily", Run: run})
		},
		"duplicate task":  func(r *jobs.Registry) { r.Handle("email:send", func(context.Context, []byte) error { return nil }) },
		"reserved prefix": func(r *jobs.Registry) { r.Handle("periodic:x", func(context.Context, []byte) error { return nil }) },
	} {
		t.Run(name, func(t *testing.T) {
			r := jobs.NewRegistry()
			r.AddPeriodic(jobs.Periodic{Name: "outbox-prune", Schedule: "@daily", Run: run})
			r.Handle("email:send", func(context.Context, []byte) error { return nil })
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f(r)
		})
	}
}

func TestResultAndPermanent(t *testing.T) {
	t.Parallel()
	if got := (jobs.Result{"kept": 1, "deleted": 3}).String(); got != "deleted=3 kept=1" {
		t.Errorf("Result.String = %q", got)
	}
	base := errors.New("550 mailbox unavailable")
	err := jobs.Permanent(base)
	if !jobs.IsPermanent(err) || !errors.Is(err, base) || jobs.IsPermanent(base) {
		t.Errorf("Permanent: %v", err)
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	t.Parallel()
	b := jobs.Backoff(2*time.Second, 5*time.Minute)
	for n, want := range map[int]time.Duration{0: 2 * time.Second, 1: 4 * time.Second, 5: 64 * time.Second, 8: 5 * time.Minute, 60: 5 * time.Minute} {
		for range 50 {
			if d := b(n); d < want/2 || d > want {
				t.Fatalf("Backoff(%d) = %v, want within [%v, %v]", n, d, want/2, want)
			}
		}
	}
}

// The advisory lock keeps one job from running twice at once, across
// processes (here: two runs on one pool, i.e. two connections).
func TestRunLockedRefusesAConcurrentRun(t *testing.T) {
	t.Parallel()
	pool, _ := testutil.Pool(t)
	entered, release := make(chan struct{}), make(chan struct{})
	p := periodic(t, "@daily")
	p.Run = func(ctx context.Context) (jobs.Result, error) {
		close(entered)
		<-release
		return jobs.Result{"done": 1}, nil
	}
	errc := make(chan error, 1)
	go func() {
		_, err := jobs.RunLocked(context.Background(), pool, p)
		errc <- err
	}()
	<-entered
	other := p
	other.Run = func(context.Context) (jobs.Result, error) { t.Error("second run entered"); return nil, nil }
	if _, err := jobs.RunLocked(context.Background(), pool, other); !errors.Is(err, jobs.ErrJobBusy) {
		t.Fatalf("concurrent run: %v, want ErrJobBusy", err)
	}
	close(release)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// Released: it can run again.
	other.Run = func(context.Context) (jobs.Result, error) { return jobs.Result{"done": 1}, nil }
	if res, err := jobs.RunLocked(context.Background(), pool, other); err != nil || res["done"] != 1 {
		t.Fatalf("run after release: %v %v", res, err)
	}
}

// PERIODIC_JOB_SCHEDULES replaces a job's schedule; the period, and so the
// task id, follow the new schedule.
func TestRescheduleReplacesTheScheduleOfAKnownJob(t *testing.T) {
	t.Parallel()
	r := jobs.NewRegistry()
	r.AddPeriodic(jobs.Periodic{Name: "probe", Schedule: "@daily", Run: func(context.Context) (jobs.Result, error) { return nil, nil }})
	if err := r.Reschedule("probe", "@every 10s"); err != nil {
		t.Fatal(err)
	}
	p, _ := r.Job("probe")
	now := time.Date(2025, 3, 10, 13, 47, 59, 0, time.UTC)
	if p.Schedule != "@every 10s" || !p.PeriodStart(now).Equal(now.Truncate(10*time.Second)) {
		t.Fatalf("after Reschedule: schedule %q, period starts %s", p.Schedule, p.PeriodStart(now))
	}
	if err := r.Reschedule("prbe", "@hourly"); !errors.Is(err, jobs.ErrUnknownJob) || !strings.Contains(err.Error(), "probe") {
		t.Errorf("unknown job: %v, want ErrUnknownJob naming the known jobs", err)
	}
	if err := r.Reschedule("probe", "every day"); err == nil {
		t.Error("bad spec accepted")
	}
	if p, _ := r.Job("probe"); p.Schedule != "@every 10s" {
		t.Errorf("a refused override changed the schedule to %q", p.Schedule)
	}
}
