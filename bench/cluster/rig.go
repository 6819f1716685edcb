package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"apistarter/bench/harness"
	"apistarter/internal/auth"

	"github.com/jackc/pgx/v5/pgxpool"
)

// slot is one apistarter process of the cluster and its restarts.
type slot struct {
	name    string // s1, worker-1, scheduler-1
	command string // serve, worker, scheduler
	port    int    // serve only
	proc    *harness.Proc
	starts  int
}

// rig is the cluster and the harness around it.
type rig struct {
	o      *options
	log    io.Writer
	logDir string
	dir    string
	bin    string

	pg      *harness.PgCluster
	bouncer *harness.PgBouncer
	redis   *harness.RedisHA
	sink    *harness.Sink
	lb      *balancer
	env     map[string]string
	direct  *pgxpool.Pool
	client  *harness.Client

	serves, workers, scheds []*slot

	fix      *harness.Fixture
	tokens   []string
	expOrgs  []exportOrg
	nextExp  int
	ledger   ledger
	phaseMu  sync.Mutex
	phaseNow string
}

// exportOrg is an org used only for exports, with its own owner, so each
// export's email goes to its own address.
type exportOrg struct {
	slug  string
	email string
	token string
}

func setUp(ctx context.Context, o *options, log io.Writer) (r *rig, err error) {
	for _, need := range []struct{ bin, pkg string }{{"haproxy", "haproxy"}, {"pgbouncer", "pgbouncer"}, {"redis-sentinel", "redis-sentinel"}, {"redis-server", "redis-server"}} {
		if !onPath(need.bin) {
			return nil, fmt.Errorf("%s is not installed (apt-get install %s)", need.bin, need.pkg)
		}
	}
	built := &rig{o: o, log: log}
	defer func() {
		if err != nil {
			built.tearDown()
		}
	}()
	r = built
	if r.bin, err = filepath.Abs(o.bin); err != nil {
		return nil, err
	}
	if _, err := os.Stat(r.bin); err != nil {
		return nil, fmt.Errorf("binary %s missing (run make build): %w", o.bin, err)
	}
	if r.logDir, err = filepath.Abs(filepath.Join(o.outDir, "logs-cluster")); err != nil {
		return nil, err
	}
	_ = os.RemoveAll(r.logDir)
	if err := os.MkdirAll(r.logDir, 0o755); err != nil {
		return nil, err
	}
	if r.dir, err = os.MkdirTemp("", "apistarter-cluster-"); err != nil {
		return nil, err
	}
	start := time.Now()
	if r.pg, err = harness.StartPgCluster(ctx, o.pgBin); err != nil {
		return nil, err
	}
	if err := harness.RecreateDatabase(ctx, r.pg.URL("postgres"), "apistarter"); err != nil {
		return nil, err
	}
	directURL := r.pg.URL("apistarter")
	if r.bouncer, err = harness.StartPgBouncer(ctx, directURL, r.logDir, harness.PgBouncerOptions{PoolSize: 20}); err != nil {
		return nil, err
	}
	if r.redis, err = harness.StartRedisHA(ctx, r.dir, r.logDir); err != nil {
		return nil, err
	}
	if r.sink, err = harness.StartSink(); err != nil {
		return nil, err
	}
	for i := range 2 {
		port, err := harness.FreePort()
		if err != nil {
			return nil, err
		}
		r.serves = append(r.serves, &slot{name: fmt.Sprintf("s%d", i+1), command: "serve", port: port})
		r.workers = append(r.workers, &slot{name: fmt.Sprintf("worker-%d", i+1), command: "worker"})
		r.scheds = append(r.scheds, &slot{name: fmt.Sprintf("scheduler-%d", i+1), command: "scheduler"})
	}
	if r.lb, err = startHAProxy(ctx, r.dir, r.logDir, []int{r.serves[0].port, r.serves[1].port}); err != nil {
		return nil, err
	}
	app := &harness.App{Bin: r.bin, Dir: r.dir, LogDir: r.logDir, DatabaseURL: r.bouncer.URL(directURL),
		RedisURL: "redis://" + r.redis.Nodes[0].Addr() + "/0", SMTPPort: r.sink.Port(), HTTPPort: r.lb.port,
		Extra: map[string]string{
			"DATABASE_DIRECT_URL":   directURL,
			"DATABASE_POOLER":       "pgbouncer",
			"REDIS_SENTINEL_ADDRS":  r.redis.SentinelAddrs(),
			"REDIS_SENTINEL_MASTER": harness.SentinelMaster,
			"RATELIMIT_ENABLED":     "true",
			"SHUTDOWN_DRAIN_DELAY":  "1s",
			"EXPORT_STALE_AFTER":    "20s",
			// Invitations are the harness's mail load, not abuse: lift the
			// per-user, per-org, per-recipient and export limits out of its way.
			"RATELIMIT_INVITATIONS_PER_USER":      "1000000/h",
			"RATELIMIT_INVITATIONS_PER_ORG":       "1000000/h",
			"RATELIMIT_INVITATIONS_PER_RECIPIENT": "1000000/h",
			"RATELIMIT_EXPORTS_PER_USER":          "1000000/h",
		}}
	r.env = app.Vars()
	fmt.Fprintf(log, "cluster: PostgreSQL :%d, PgBouncer :%d, Redis %s + %s, Sentinels %s, HAProxy :%d (%.1f s); logs in %s\n",
		r.pg.Port, r.bouncer.Port, r.redis.Nodes[0].Addr(), r.redis.Nodes[1].Addr(), r.redis.SentinelAddrs(), r.lb.port,
		time.Since(start).Seconds(), r.logDir)
	if err := app.Migrate(ctx); err != nil {
		return nil, err
	}
	if r.direct, err = pgxpool.New(ctx, directURL); err != nil {
		return nil, err
	}
	if err := r.seed(ctx, app); err != nil {
		return nil, err
	}
	for _, s := range r.serves {
		if err := r.start(ctx, s); err != nil {
			return nil, err
		}
	}
	for _, s := range append(slices.Clone(r.workers), r.scheds...) {
		if err := r.start(ctx, s); err != nil {
			return nil, err
		}
	}
	for _, s := range r.serves {
		if err := r.lb.waitFor(ctx, s.name, 20*time.Second, "UP", func(st string, _ int) bool { return st == "UP" }); err != nil {
			return nil, err
		}
	}
	r.client = harness.NewClient(r.lb.url(), 4*o.concurrency, 10*time.Second)
	for _, u := range r.fix.Users() {
		tok, err := r.login(ctx, u.Email)
		if err != nil {
			return nil, err
		}
		r.tokens = append(r.tokens, tok)
	}
	for i := range r.expOrgs {
		if r.expOrgs[i].token, err = r.login(ctx, r.expOrgs[i].email); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(log, "cluster: 2 serve, 2 worker, 2 scheduler processes up behind %s\n", r.lb.url())
	return r, nil
}

// login logs in through the balancer; logins are rate limited per client
// address (10 a minute), so a 429 is waited out.
func (r *rig) login(ctx context.Context, email string) (string, error) {
	deadline := time.Now().Add(90 * time.Second)
	for {
		tok, err := r.client.Login(ctx, email, harness.Password)
		if err == nil || !strings.Contains(err.Error(), "status 429") || time.Now().After(deadline) {
			return tok, err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(2 * time.Second): // waiting out the login rate limit
		}
	}
}

func (r *rig) seed(ctx context.Context, app *harness.App) error {
	cfg, err := app.Config()
	if err != nil {
		return err
	}
	hasher := auth.NewHasher(auth.PasswordParams{MemoryKiB: cfg.PasswordHashMemoryKiB, Time: cfg.PasswordHashTime, Threads: cfg.PasswordHashThreads})
	hash, err := hasher.Hash(ctx, harness.Password)
	if err != nil {
		return err
	}
	seeder := &harness.Seeder{Pool: r.direct, Progress: r.log}
	if r.fix, err = seeder.Standard(ctx, hash, "cluster", 3, r.o.contacts, 20); err != nil {
		return err
	}
	n := 4 * r.o.exportsPer
	owners, err := seeder.Users(ctx, "exporter", n, hash)
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
		r.expOrgs = append(r.expOrgs, exportOrg{slug: org.Slug, email: u.Email})
	}
	return nil
}

// environ is the process environment; serve processes get their own port.
func (r *rig) environ(s *slot) []string {
	v := maps.Clone(r.env)
	if s.command == "serve" {
		v["HTTP_ADDR"] = "127.0.0.1:" + strconv.Itoa(s.port)
	}
	out := make([]string, 0, len(v))
	for _, k := range slices.Sorted(maps.Keys(v)) {
		out = append(out, k+"="+v[k])
	}
	return out
}

// start starts the slot's process; a serve process is started when its
// /health/ready/ answers 200.
func (r *rig) start(ctx context.Context, s *slot) error {
	s.starts++
	p, err := harness.StartProc(fmt.Sprintf("%s-%d", s.name, s.starts), r.bin, []string{s.command}, r.environ(s), r.dir, r.logDir)
	if err != nil {
		return err
	}
	s.proc = p
	if s.command == "serve" {
		return harness.WaitHTTP(ctx, fmt.Sprintf("http://127.0.0.1:%d/health/ready/", s.port), p, 60*time.Second)
	}
	select {
	case <-p.Done():
		return fmt.Errorf("%s exited at start:\n%s", s.name, p.Tail(20))
	case <-time.After(300 * time.Millisecond):
	}
	return nil
}

func (r *rig) tearDown() {
	for _, s := range append(append(slices.Clone(r.serves), r.workers...), r.scheds...) {
		if s.proc != nil {
			if err := s.proc.Stop(30 * time.Second); err != nil {
				fmt.Fprintln(r.log, "cluster:", err)
			}
		}
	}
	if r.client != nil {
		r.client.Close()
	}
	r.lb.stop()
	if r.direct != nil {
		r.direct.Close()
	}
	if r.sink != nil {
		r.sink.Close()
	}
	if r.redis != nil {
		r.redis.Stop()
	}
	r.bouncer.Stop()
	if r.pg != nil {
		r.pg.Destroy(r.log, r.logDir)
	}
	if r.dir != "" {
		_ = os.RemoveAll(r.dir)
	}
}

func onPath(bin string) bool {
	for _, d := range []string{"/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"} {
		if _, err := os.Stat(filepath.Join(d, bin)); err == nil {
			return true
		}
	}
	return false
}
