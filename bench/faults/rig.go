package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"apistarter/bench/harness"
	"apistarter/internal/auth"

	"github.com/jackc/pgx/v5/pgxpool"
)

// rig is the system under test and the harness around it: a dedicated
// PostgreSQL cluster and Redis server, the SMTP sink, the API, a worker and
// a scheduler as separate processes, and the seeded data.
type rig struct {
	opts   *options
	log    io.Writer
	logDir string
	pg     *harness.PgCluster
	redis  *redisServer
	sink   *harness.Sink
	app    *harness.App
	pool   *pgxpool.Pool
	client *harness.Client
	serve  *harness.Proc
	worker *harness.Proc
	sched  *harness.Proc
	// workers counts the workers started, for log names.
	workers int

	fix    *harness.Fixture
	big    harness.Org // large enough that a worker can be killed mid-export
	tokens []string

	tl      timeline
	mail    mailLedger
	exports []*exportReq
}

func setUp(ctx context.Context, o *options, log io.Writer) (r *rig, err error) {
	// "return nil, err" sets r to nil before deferred calls run: tear down
	// what was built through its own variable.
	built := &rig{opts: o, log: log}
	built.mail.run = time.Now().Unix()
	defer func() {
		if err != nil {
			built.tearDown()
			r = nil
		}
	}()
	r = built
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("binary %s missing (run make build): %w", o.bin, err)
	}
	if r.logDir, err = filepath.Abs(filepath.Join(o.outDir, "logs-faults")); err != nil {
		return nil, err
	}
	_ = os.RemoveAll(r.logDir)
	if err := os.MkdirAll(r.logDir, 0o755); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "apistarter-faults-")
	if err != nil {
		return nil, err
	}
	r.app = &harness.App{Bin: bin, Dir: dir, LogDir: r.logDir, Extra: map[string]string{
		// Production-like: rate limits on (they must degrade, not fail,
		// without Redis), stale exports recovered quickly.
		"RATELIMIT_ENABLED":  "true",
		"EXPORT_STALE_AFTER": "20s",
		// Invitations are the harness's mail load, not abuse: lift the
		// per-user, per-org, per-recipient and export limits out of its way.
		"RATELIMIT_INVITATIONS_PER_USER":      "1000000/h",
		"RATELIMIT_INVITATIONS_PER_ORG":       "1000000/h",
		"RATELIMIT_INVITATIONS_PER_RECIPIENT": "1000000/h",
		"RATELIMIT_EXPORTS_PER_USER":          "1000000/h",
	}}

	start := time.Now()
	if r.pg, err = harness.StartPgCluster(ctx, o.pgBin); err != nil {
		return nil, err
	}
	if r.redis, err = startRedis(ctx, r.logDir); err != nil {
		return nil, err
	}
	if r.sink, err = harness.StartSink(); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "faults: PostgreSQL on :%d, Redis on :%d, SMTP sink on :%d (%.1f s); logs in %s\n",
		r.pg.Port, r.redis.port, r.sink.Port(), time.Since(start).Seconds(), r.logDir)
	if err := harness.RecreateDatabase(ctx, r.pg.URL("postgres"), "apistarter"); err != nil {
		return nil, err
	}
	r.app.DatabaseURL = r.pg.URL("apistarter")
	r.app.RedisURL = "redis://" + r.redis.addr() + "/0"
	r.app.SMTPPort = r.sink.Port()
	if r.app.HTTPPort, err = harness.FreePort(); err != nil {
		return nil, err
	}
	if err := r.app.Migrate(ctx); err != nil {
		return nil, err
	}
	if r.pool, err = pgxpool.New(ctx, r.app.DatabaseURL); err != nil {
		return nil, err
	}
	cfg, err := r.app.Config()
	if err != nil {
		return nil, err
	}
	hasher := auth.NewHasher(auth.PasswordParams{MemoryKiB: cfg.PasswordHashMemoryKiB, Time: cfg.PasswordHashTime, Threads: cfg.PasswordHashThreads})
	hash, err := hasher.Hash(ctx, harness.Password)
	if err != nil {
		return nil, err
	}
	seeder := &harness.Seeder{Pool: r.pool, Progress: log}
	if r.fix, err = seeder.Standard(ctx, hash, "faults", 3, o.contacts, 20); err != nil {
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

	if r.serve, err = r.app.StartServe(ctx, "serve"); err != nil {
		return nil, err
	}
	if err := r.startWorker(); err != nil {
		return nil, err
	}
	if r.sched, err = r.app.StartCommand("scheduler", "scheduler"); err != nil {
		return nil, err
	}
	r.client = harness.NewClient(r.app.BaseURL(), 4*o.concurrency, 5*time.Second)
	if r.tokens, err = harness.LoginAll(ctx, r.client, r.fix.Users()); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "faults: serve pid %d on %s, worker pid %d, scheduler pid %d\n", r.serve.Pid(), r.app.BaseURL(), r.worker.Pid(), r.sched.Pid())
	return r, nil
}

// startWorker starts a new worker process (worker-1, worker-2...).
func (r *rig) startWorker() error {
	r.workers++
	p, err := r.app.StartWorker(fmt.Sprintf("worker-%d", r.workers))
	if err != nil {
		return err
	}
	r.worker = p
	return nil
}

func (r *rig) tearDown() {
	for _, p := range []*harness.Proc{r.serve, r.worker, r.sched} {
		if p != nil {
			if err := p.Stop(25 * time.Second); err != nil {
				fmt.Fprintln(r.log, "faults:", err)
			}
		}
	}
	if r.client != nil {
		r.client.Close()
	}
	if r.pool != nil {
		r.pool.Close()
	}
	if r.sink != nil {
		r.sink.Close()
	}
	if r.redis != nil {
		r.redis.destroy()
	}
	if r.pg != nil {
		r.pg.Destroy(r.log, r.logDir)
	}
	if r.app != nil && r.app.Dir != "" {
		_ = os.RemoveAll(r.app.Dir)
	}
}
