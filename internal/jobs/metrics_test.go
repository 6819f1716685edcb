package jobs_test

import (
	"context"
	"testing"
	"time"

	"apistarter/internal/jobs"
	"apistarter/internal/testutil"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// newStatusCollector builds the scrape-time collector on a fresh database
// and Redis database.
func newStatusCollector(t *testing.T) (*jobs.StatusCollector, *pgxpool.Pool) {
	t.Helper()
	pool, _ := testutil.Pool(t)
	opt, err := redis.ParseURL(testutil.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opt)
	t.Cleanup(func() { _ = rc.Close() })
	c := jobs.NewStatusCollector(asynq.NewInspectorFromRedisClient(rc),
		func(ctx context.Context) error { return rc.Ping(ctx).Err() }, pool)
	return c, pool
}

// backlog scrapes c and returns outbox_backlog by state (absent: missing).
func backlog(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "outbox_backlog" {
			continue
		}
		for _, m := range f.GetMetric() {
			out[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
		}
	}
	return out
}

func insertOutboxRows(t *testing.T, pool *pgxpool.Pool, n int, failed bool) {
	t.Helper()
	_, err := pool.Exec(context.Background(), `INSERT INTO outbox (id, task_type, queue, payload, failed_at)
		SELECT gen_random_uuid(), 'probe', 'default', '{}', CASE WHEN $2 THEN now() END FROM generate_series(1, $1)`, n, failed)
	if err != nil {
		t.Fatal(err)
	}
}

// A scrape never counts more than BacklogMax rows per state, however large
// the outbox grows (failed rows are never pruned).
func TestOutboxBacklogScrapeStopsCountingAtBacklogMax(t *testing.T) {
	t.Parallel()
	c, pool := newStatusCollector(t)
	c.BacklogMax = 3
	c.BacklogTTL = 0
	insertOutboxRows(t, pool, 2, false)
	insertOutboxRows(t, pool, 2, true)
	if got := backlog(t, c); got["unfinished"] != 2 || got["unrelayed"] != 2 || got["failed"] != 2 {
		t.Fatalf("backlog below the cap: %v, want 2 of each", got)
	}
	insertOutboxRows(t, pool, 5, false)
	insertOutboxRows(t, pool, 5, true)
	if got := backlog(t, c); got["unfinished"] != 3 || got["unrelayed"] != 3 || got["failed"] != 3 {
		t.Fatalf("backlog above the cap: %v, want 3 (BacklogMax) of each", got)
	}
}

// A scrape while the outbox cannot be read (here: locked by a migration)
// gives up at its deadline instead of waiting with the lock queue; the
// series is left out of that scrape.
func TestOutboxBacklogScrapeGivesUpAtItsDeadline(t *testing.T) {
	t.Parallel()
	c, pool := newStatusCollector(t)
	c.Timeout = 300 * time.Millisecond
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	done := make(chan map[string]float64, 1)
	go func() { done <- backlog(t, c) }()
	select {
	case got := <-done:
		if len(got) != 0 {
			t.Fatalf("backlog read through an exclusive lock: %v", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("scrape still waiting on the locked outbox after 30 s")
	}
}
