package jobs

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"apistarter/internal/db/sqlc"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Task outcomes as counted in tasks_processed_total.
const (
	OutcomeSuccess   = "success"
	OutcomeRetry     = "retry"
	OutcomeFailed    = "failed"    // retries exhausted or permanent
	OutcomeDuplicate = "duplicate" // outbox row already completed: not run again
	OutcomeSkipped   = "skipped"   // periodic job already running elsewhere
)

// Metrics are the counters of this process's worker, relay and scheduler.
// A nil *Metrics records nothing.
type Metrics struct {
	tasks     *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	relayed   *prometheus.CounterVec
	relayLag  prometheus.Histogram
	scheduler *prometheus.CounterVec
}

// NewMetrics registers the series on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tasks_processed_total", Help: "Tasks processed by this worker, by type and outcome.",
		}, []string{"type", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "task_duration_seconds", Help: "Task handler run time by type.",
			Buckets: []float64{.001, .005, .01, .05, .1, .5, 1, 5, 30, 120, 600},
		}, []string{"type"}),
		relayed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outbox_relayed_total", Help: "Outbox rows handed to the queue (enqueued) or found already there (already_queued).",
		}, []string{"result"}),
		relayLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "outbox_relay_lag_seconds", Help: "Time from an outbox row's commit to its first enqueue on the queue.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 120},
		}),
		scheduler: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scheduler_enqueues_total", Help: "Periodic job enqueues by job and result (enqueued, duplicate, error).",
		}, []string{"job", "result"}),
	}
	reg.MustRegister(m.tasks, m.duration, m.relayed, m.relayLag, m.scheduler)
	return m
}

func (m *Metrics) task(typ, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.tasks.WithLabelValues(typ, outcome).Inc()
	if outcome != OutcomeDuplicate && outcome != OutcomeSkipped {
		m.duration.WithLabelValues(typ).Observe(d.Seconds())
	}
}

func (m *Metrics) relay(result string, n int) {
	if m == nil || n == 0 {
		return
	}
	m.relayed.WithLabelValues(result).Add(float64(n))
}

// relayedAfter records the lag of a row enqueued for the first time
// (created_at is the insert time, at most the commit's few milliseconds early).
func (m *Metrics) relayedAfter(lag time.Duration) {
	if m == nil {
		return
	}
	m.relayLag.Observe(max(lag, 0).Seconds())
}

func (m *Metrics) scheduled(job, result string) {
	if m == nil {
		return
	}
	m.scheduler.WithLabelValues(job, result).Inc()
}

// Scrape-time bounds of the outbox backlog series.
const (
	// DefaultBacklogMax caps each outbox count: a larger backlog reads as
	// this value, so a scrape never counts an unbounded number of rows.
	DefaultBacklogMax = 100_000
	// DefaultBacklogTTL is how long one outbox count serves scrapes:
	// several scrapers (or a scrape loop) cost one query per TTL.
	DefaultBacklogTTL = 5 * time.Second
)

// StatusCollector reads queue depth, worker presence and the outbox backlog
// at scrape time, so any process can report them whoever did the work.
// Every scrape is bounded: Redis and PostgreSQL each get at most the
// timeout, the outbox counts walk partial indexes and stop at BacklogMax,
// and they are reused for BacklogTTL.
type StatusCollector struct {
	inspector *asynq.Inspector
	ping      func(context.Context) error
	db        *pgxpool.Pool

	// Timeout bounds one scrape's Redis and PostgreSQL reads (default 2 s).
	Timeout time.Duration
	// BacklogMax and BacklogTTL: see DefaultBacklogMax, DefaultBacklogTTL.
	BacklogMax int32
	BacklogTTL time.Duration

	mu        sync.Mutex
	backlog   *sqlc.OutboxBacklogRow
	backlogAt time.Time

	queueTasks, queueLatency, queuePaused, queueProcessed, queueFailed *prometheus.Desc
	outbox, outboxAge, servers, busy, redisUp                          *prometheus.Desc
}

// NewStatusCollector reports through inspector and db; ping checks Redis.
func NewStatusCollector(inspector *asynq.Inspector, ping func(context.Context) error, db *pgxpool.Pool) *StatusCollector {
	return &StatusCollector{
		inspector: inspector, ping: ping, db: db, Timeout: 2 * time.Second,
		BacklogMax: DefaultBacklogMax, BacklogTTL: DefaultBacklogTTL,
		queueTasks:     prometheus.NewDesc("queue_tasks", "Tasks in a queue by state.", []string{"queue", "state"}, nil),
		queueLatency:   prometheus.NewDesc("queue_latency_seconds", "Age of the oldest pending task.", []string{"queue"}, nil),
		queuePaused:    prometheus.NewDesc("queue_paused", "1 when the queue is paused.", []string{"queue"}, nil),
		queueProcessed: prometheus.NewDesc("queue_processed_total", "Tasks processed from the queue by all workers.", []string{"queue"}, nil),
		queueFailed:    prometheus.NewDesc("queue_failed_total", "Task runs that failed, by all workers.", []string{"queue"}, nil),
		outbox:         prometheus.NewDesc("outbox_backlog", "Outbox rows: unrelayed (never sent to Redis), unfinished (not completed or failed), failed.", []string{"state"}, nil),
		outboxAge:      prometheus.NewDesc("outbox_oldest_unfinished_age_seconds", "Age of the oldest outbox row not yet completed or failed (0 when none).", nil, nil),
		servers:        prometheus.NewDesc("worker_processes", "Worker processes alive (by their Redis heartbeat).", nil, nil),
		busy:           prometheus.NewDesc("worker_busy", "Tasks running right now across all workers.", nil, nil),
		redisUp:        prometheus.NewDesc("redis_up", "1 when Redis answered this scrape.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *StatusCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.queueTasks, c.queueLatency, c.queuePaused, c.queueProcessed, c.queueFailed, c.outbox, c.outboxAge, c.servers, c.busy, c.redisUp} {
		ch <- d
	}
}

type queueSnapshot struct {
	queues  []*asynq.QueueInfo
	servers []*asynq.ServerInfo
	err     error
}

// Collect implements prometheus.Collector. A slow or absent Redis costs at
// most the timeout and reports redis_up 0.
func (c *StatusCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
	defer cancel()
	// The inspector takes no context: run it aside and stop waiting at the
	// deadline. The result channel is buffered so a late answer is dropped.
	res := make(chan queueSnapshot, 1)
	go func() { res <- c.snapshot(ctx) }()

	if row, err := c.outboxBacklog(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, float64(row.Unrelayed), "unrelayed")
		ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, float64(row.Unfinished), "unfinished")
		ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, float64(row.Failed), "failed")
		ch <- prometheus.MustNewConstMetric(c.outboxAge, prometheus.GaugeValue, row.OldestUnfinishedSeconds)
	}

	var snap queueSnapshot
	select {
	case snap = <-res:
	case <-ctx.Done():
		snap.err = ctx.Err()
	}
	if snap.err != nil {
		ch <- prometheus.MustNewConstMetric(c.redisUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.redisUp, prometheus.GaugeValue, 1)
	for _, q := range snap.queues {
		for state, n := range map[string]int{
			"pending": q.Pending, "active": q.Active, "scheduled": q.Scheduled, "retry": q.Retry,
			"archived": q.Archived, "completed": q.Completed, "aggregating": q.Aggregating,
		} {
			ch <- prometheus.MustNewConstMetric(c.queueTasks, prometheus.GaugeValue, float64(n), q.Queue, state)
		}
		ch <- prometheus.MustNewConstMetric(c.queueLatency, prometheus.GaugeValue, q.Latency.Seconds(), q.Queue)
		paused := 0.0
		if q.Paused {
			paused = 1
		}
		ch <- prometheus.MustNewConstMetric(c.queuePaused, prometheus.GaugeValue, paused, q.Queue)
		ch <- prometheus.MustNewConstMetric(c.queueProcessed, prometheus.CounterValue, float64(q.ProcessedTotal), q.Queue)
		ch <- prometheus.MustNewConstMetric(c.queueFailed, prometheus.CounterValue, float64(q.FailedTotal), q.Queue)
	}
	busy := 0
	for _, s := range snap.servers {
		busy += len(s.ActiveWorkers)
	}
	ch <- prometheus.MustNewConstMetric(c.servers, prometheus.GaugeValue, float64(len(snap.servers)))
	ch <- prometheus.MustNewConstMetric(c.busy, prometheus.GaugeValue, float64(busy))
}

// snapshot reads every queue Redis knows; our queues that nobody has used
// yet read as empty.
func (c *StatusCollector) snapshot(ctx context.Context) queueSnapshot {
	if err := c.ping(ctx); err != nil {
		return queueSnapshot{err: err}
	}
	known, err := c.inspector.Queues()
	if err != nil {
		return queueSnapshot{err: err}
	}
	names := slices.Collect(maps.Keys(QueueWeights()))
	for _, q := range known {
		if !slices.Contains(names, q) {
			names = append(names, q)
		}
	}
	slices.Sort(names)
	var snap queueSnapshot
	for _, name := range names {
		if !slices.Contains(known, name) {
			snap.queues = append(snap.queues, &asynq.QueueInfo{Queue: name})
			continue
		}
		info, err := c.inspector.GetQueueInfo(name)
		if err != nil {
			return queueSnapshot{err: err}
		}
		snap.queues = append(snap.queues, info)
	}
	servers, err := c.inspector.Servers()
	if err != nil {
		return queueSnapshot{err: err}
	}
	snap.servers = servers
	return snap
}

// outboxBacklog returns the cached counts while fresh, else counts again
// under ctx's deadline. Scrapes arriving together share one query.
func (c *StatusCollector) outboxBacklog(ctx context.Context) (sqlc.OutboxBacklogRow, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.backlog != nil && time.Since(c.backlogAt) < c.BacklogTTL {
		return *c.backlog, nil
	}
	row, err := sqlc.New(c.db).OutboxBacklog(ctx, c.BacklogMax)
	if err != nil {
		return row, err
	}
	c.backlog, c.backlogAt = &row, time.Now()
	return row, nil
}
