package cluster

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"

	"apistarter/bench/harness"
)

// slot is one apistarter process of the cluster and its restarts.
type slot struct {
	name    string // s1, worker-1, scheduler-1
	command string // serve, worker, scheduler
	port    int    // serve only
	proc    *harness.Proc
	starts  int
	logs    []string // of every process it ran
}

// rig is the cluster and the harness around it.
type rig struct {
	*harness.Rig
	o      *options
	redis  *harness.RedisHA
	lb     *balancer
	client *harness.Client

	serves, workers, scheds []*slot

	fix     *harness.Fixture
	tokens  []string
	expOrgs []exportOrg
	nextExp int
	load    *harness.Steady
	steps   stepClock
	ledger  ledger

	jobs             []string  // the periodic jobs
	rollFrom, rollTo time.Time // the rolling worker and scheduler restart
}

// exportOrg is an org used only for exports, with its own owner, so each
// export's email goes to its own address.
type exportOrg struct {
	slug  string
	owner harness.User
	token string
}

func setUp(ctx context.Context, o *options, log io.Writer) (r *rig, err error) {
	for _, bin := range []string{"haproxy", "pgbouncer", "redis-sentinel", "redis-server"} {
		if _, ok := harness.LookBin(bin); !ok {
			return nil, fmt.Errorf("%s is not installed (apt-get install %s)", bin, bin)
		}
	}
	start := time.Now()
	base, pg, err := harness.NewOwnRig(ctx, "cluster", &o.Options, "logs-cluster", log)
	if err != nil {
		return nil, err
	}
	defer base.CloseOnError(&err)
	r = &rig{Rig: base, o: o}
	directURL, logDir := r.App.DatabaseURL, r.App.LogDir
	bouncer, err := harness.StartPgBouncer(ctx, directURL, logDir, harness.PgBouncerOptions{PoolSize: 20})
	if err != nil {
		return nil, err
	}
	r.Defer(bouncer.Stop)
	if r.redis, err = harness.StartRedisHA(ctx, r.App.Dir, logDir); err != nil {
		return nil, err
	}
	r.Defer(r.redis.Stop)
	for i := range 2 {
		port, err := harness.FreePort()
		if err != nil {
			return nil, err
		}
		r.serves = append(r.serves, &slot{name: fmt.Sprintf("s%d", i+1), command: "serve", port: port})
		r.workers = append(r.workers, &slot{name: fmt.Sprintf("worker-%d", i+1), command: "worker"})
		r.scheds = append(r.scheds, &slot{name: fmt.Sprintf("scheduler-%d", i+1), command: "scheduler"})
	}
	if r.lb, err = startHAProxy(ctx, r.App.Dir, logDir, []int{r.serves[0].port, r.serves[1].port}); err != nil {
		return nil, err
	}
	r.Defer(r.lb.stop)
	r.App.DatabaseURL, r.App.RedisURL, r.App.HTTPPort = bouncer.URL(directURL), "redis://"+r.redis.Nodes[0].Addr()+"/0", r.lb.port
	maps.Copy(r.App.Extra, map[string]string{"DATABASE_DIRECT_URL": directURL, "DATABASE_POOLER": "pgbouncer",
		"REDIS_SENTINEL_ADDRS": r.redis.SentinelAddrs(), "REDIS_SENTINEL_MASTER": harness.SentinelMaster,
		"SHUTDOWN_DRAIN_DELAY": "1s"})
	r.Logf("PostgreSQL :%d, PgBouncer :%d, Redis %s + %s, Sentinels %s, HAProxy :%d (%.1f s); logs in %s",
		pg.Port, bouncer.Port, r.redis.Nodes[0].Addr(), r.redis.Nodes[1].Addr(), r.redis.SentinelAddrs(), r.lb.port,
		time.Since(start).Seconds(), logDir)
	if err := r.Migrate(ctx, directURL, 0); err != nil {
		return nil, err
	}
	if err := r.seed(ctx); err != nil {
		return nil, err
	}
	// Each run of a periodic job is a "task done" or "task failed" line
	// of the worker, at info; the schedulers' enqueues too.
	if r.jobs, err = r.App.JobNames(ctx); err != nil {
		return nil, err
	}
	r.App.Extra["PERIODIC_JOB_SCHEDULES"] = scheduleAll(r.jobs, o.period)
	r.App.CommandExtra = map[string]map[string]string{"worker": {"LOG_LEVEL": "info"}, "scheduler": {"LOG_LEVEL": "info"}}
	for _, s := range slices.Concat(r.serves, r.workers, r.scheds) {
		if err := r.start(ctx, s); err != nil {
			return nil, err
		}
	}
	for _, s := range r.serves {
		if err := r.lb.waitFor(ctx, s.name, 20*time.Second, "UP", func(st string, _ int) bool { return st == "UP" }); err != nil {
			return nil, err
		}
	}
	r.client = r.Client(r.lb.url(), 4*o.concurrency, 10*time.Second)
	if r.tokens, err = harness.LoginAll(ctx, r.client, r.fix.Users()); err != nil {
		return nil, err
	}
	for i := range r.expOrgs {
		tok, err := harness.LoginAll(ctx, r.client, []harness.User{r.expOrgs[i].owner})
		if err != nil {
			return nil, err
		}
		r.expOrgs[i].token = tok[0]
	}
	r.load = &harness.Steady{Client: r.client, Org: r.fix.Org, Tokens: r.tokens, Clients: o.concurrency, Rate: o.rate,
		MailRate: o.mailRate, Label: "cluster", Record: func(s harness.Sample, _ bool) {
			r.ledger.record(r.steps.at(s.Start), s.Status, s.OK)
		}}
	r.Logf("2 serve, 2 worker, 2 scheduler processes up behind %s; %d periodic jobs every %s", r.lb.url(), len(r.jobs), o.period)
	return r, nil
}

func (r *rig) seed(ctx context.Context) error {
	seeder, err := r.Seeder(ctx)
	if err != nil {
		return err
	}
	if r.fix, err = seeder.Standard(ctx, "cluster", 3, r.o.contacts, 20); err != nil {
		return err
	}
	owners, err := seeder.Users(ctx, "exporter", 4*r.o.exportsPer)
	if err != nil {
		return err
	}
	for i, u := range owners {
		org, err := seeder.GroupOrg(ctx, fmt.Sprintf("exp-%d", i+1), u, nil)
		if err != nil {
			return err
		}
		if err := seeder.Contacts(ctx, &org, u.ID, 200, 5); err != nil {
			return err
		}
		r.expOrgs = append(r.expOrgs, exportOrg{slug: org.Slug, owner: u})
	}
	return nil
}

// start starts the slot's process; a serve process has started when its
// /health/ready/ answers 200.
func (r *rig) start(ctx context.Context, s *slot) error {
	s.starts++
	p, err := r.Start(ctx, fmt.Sprintf("%s-%d", s.name, s.starts), s.command, s.port)
	if err != nil {
		return err
	}
	s.proc = p
	s.logs = append(s.logs, p.LogPath)
	return nil
}

// stepClock is when each step began.
type stepClock struct {
	mu     sync.Mutex
	starts []time.Time
	names  []string
}

func (c *stepClock) set(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.starts, c.names = append(c.starts, time.Now()), append(c.names, name)
}

// at is the step under way at t.
func (c *stepClock) at(t time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.starts) - 1; i >= 0; i-- {
		if !c.starts[i].After(t) {
			return c.names[i]
		}
	}
	return ""
}
