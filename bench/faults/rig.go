package faults

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"apistarter/bench/harness"
)

// rig is the system under test and the harness around it: a dedicated
// PostgreSQL cluster and Redis server, the SMTP sink, the API, a worker and
// a scheduler as separate processes, and the seeded data.
type rig struct {
	*harness.Rig
	o      *options
	pg     *harness.PgCluster
	redis  *harness.RedisNode
	client *harness.Client
	serve  *harness.Proc
	worker *harness.Proc
	sched  *harness.Proc
	// workers counts the workers started, for log names.
	workers int

	fix     *harness.Fixture
	big     harness.Org // large enough that a worker can be killed mid-export
	tokens  []string
	load    *harness.Steady
	tl      timeline
	exports []*harness.Export
}

// timeline is the steady load's and the readiness probe's outcomes.
type timeline struct {
	mu    sync.Mutex
	api   []harness.Sample
	ready []harness.Sample
}

func (t *timeline) add(kind *[]harness.Sample, s harness.Sample) {
	t.mu.Lock()
	*kind = append(*kind, s)
	t.mu.Unlock()
}

func (t *timeline) snapshot() (api, ready []harness.Sample) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]harness.Sample(nil), t.api...), append([]harness.Sample(nil), t.ready...)
}

func setUp(ctx context.Context, o *options, log io.Writer) (r *rig, err error) {
	start := time.Now()
	// Production-like: rate limits on (they must degrade, not fail, without
	// Redis), stale exports recovered quickly.
	base, pg, err := harness.NewOwnRig(ctx, "faults", &o.Options, "logs-faults", log)
	if err != nil {
		return nil, err
	}
	defer base.CloseOnError(&err)
	r = &rig{Rig: base, o: o, pg: pg}
	if r.redis, err = harness.StartRedis(ctx, "redis", filepath.Join(r.App.Dir, "redis"), r.App.LogDir); err != nil {
		return nil, err
	}
	r.Defer(func() { _ = r.redis.Stop() })
	r.App.RedisURL = "redis://" + r.redis.Addr() + "/0"
	r.Logf("PostgreSQL on :%d, Redis on :%d, SMTP sink on :%d (%.1f s); logs in %s",
		r.pg.Port, r.redis.Port, r.Sink.Port(), time.Since(start).Seconds(), r.App.LogDir)
	if err := r.Migrate(ctx, r.App.DatabaseURL, 0); err != nil {
		return nil, err
	}
	seeder, err := r.Seeder(ctx)
	if err != nil {
		return nil, err
	}
	if r.fix, err = seeder.Standard(ctx, "faults", 3, o.contacts, 20); err != nil {
		return nil, err
	}
	if o.has("worker-kill-export") {
		if r.big, err = seeder.GroupOrg(ctx, "faults-export", r.fix.Owner, nil); err != nil {
			return nil, err
		}
		if err := seeder.Contacts(ctx, &r.big, r.fix.Owner.ID, o.exportContacts, 20); err != nil {
			return nil, err
		}
	}
	if r.serve, err = r.Start(ctx, "serve", "serve", 0); err != nil {
		return nil, err
	}
	if err := r.startWorker(ctx); err != nil {
		return nil, err
	}
	if r.sched, err = r.Start(ctx, "scheduler", "scheduler", 0); err != nil {
		return nil, err
	}
	r.client = r.Client("", 4*o.concurrency, 5*time.Second)
	if r.tokens, err = harness.LoginAll(ctx, r.client, r.fix.Users()); err != nil {
		return nil, err
	}
	r.load = &harness.Steady{Client: r.client, Org: r.fix.Org, Tokens: r.tokens, Clients: o.concurrency, Rate: o.rate,
		MailRate: o.mailRate, Label: "faults", Record: func(s harness.Sample, invitation bool) {
			if !invitation {
				r.tl.add(&r.tl.api, s)
			}
		}}
	r.Logf("serve pid %d on %s, worker pid %d, scheduler pid %d", r.serve.Pid(), r.App.BaseURL(), r.worker.Pid(), r.sched.Pid())
	return r, nil
}

// steadyLoad runs the steady load and the readiness probe (every 100 ms)
// until ctx ends.
func (r *rig) steadyLoad(ctx context.Context) *sync.WaitGroup {
	wg := r.load.Run(ctx)
	wg.Go(func() {
		harness.Pace(ctx, 10, func() {
			if s := harness.Call(ctx, r.client, harness.Request{Method: "GET", Path: "/health/ready/"}, 200); ctx.Err() == nil {
				r.tl.add(&r.tl.ready, s)
			}
		})
	})
	return wg
}

// startWorker starts a new worker process (worker-1, worker-2...).
func (r *rig) startWorker(ctx context.Context) error {
	r.workers++
	p, err := r.Start(ctx, fmt.Sprintf("worker-%d", r.workers), "worker", 0)
	if err != nil {
		return err
	}
	r.worker = p
	return nil
}
