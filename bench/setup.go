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
	"apistarter/internal/config"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

// benchEnv is one run's services, processes and seeded data.
type benchEnv struct {
	opts   *options
	log    io.Writer // progress lines
	app    *harness.App
	cfg    *config.Config
	lease  *harness.RedisLease
	sink   *harness.Sink
	pool   *pgxpool.Pool
	rdb    *redis.Client
	seeder *harness.Seeder
	serve  *harness.Proc
	worker *harness.Proc
	client *harness.Client

	fix      *harness.Fixture
	tokens   []string // tokens[0] is the owner's
	imageIDs []int64
	dbURL    string
}

func setUp(ctx context.Context, o *options, log io.Writer) (env *benchEnv, err error) {
	env = &benchEnv{opts: o, log: log}
	// `return nil, err` has already cleared env when this runs.
	e := env
	defer func() {
		if err != nil {
			e.tearDown(log)
			env = nil
		}
	}()
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("binary %s missing (run make build): %w", o.bin, err)
	}
	logDir, err := filepath.Abs(filepath.Join(o.outDir, "logs"))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, err
	}
	for _, name := range []string{"serve.log", "worker.log"} {
		_ = os.Remove(filepath.Join(logDir, name))
	}
	dir, err := os.MkdirTemp("", "apistarter-bench-")
	if err != nil {
		return nil, err
	}
	env.app = &harness.App{Bin: bin, Dir: dir, LogDir: logDir}

	if env.lease, err = harness.LeaseRedisDB(ctx, o.redisAddr, o.redisDB); err != nil {
		return nil, err
	}
	env.app.RedisURL = env.lease.URL()
	if env.sink, err = harness.StartSink(); err != nil {
		return nil, err
	}
	env.app.SMTPPort = env.sink.Port()
	if env.app.HTTPPort, err = harness.FreePort(); err != nil {
		return nil, err
	}
	if env.dbURL, err = harness.WithDatabase(o.pgAdmin, o.dbName); err != nil {
		return nil, err
	}
	env.app.DatabaseURL = env.dbURL
	if env.cfg, err = env.app.Config(); err != nil {
		return nil, err
	}

	fmt.Fprintf(log, "bench: database %s (recreated), redis db %d, logs in %s\n", o.dbName, env.lease.DB, logDir)
	if err := harness.RecreateDatabase(ctx, o.pgAdmin, o.dbName); err != nil {
		return nil, err
	}
	if err := env.app.Migrate(ctx); err != nil {
		return nil, err
	}
	pcfg, err := pgxpool.ParseConfig(env.dbURL)
	if err != nil {
		return nil, err
	}
	pcfg.MaxConns = int32(o.concurrency)
	if env.pool, err = pgxpool.NewWithConfig(ctx, pcfg); err != nil {
		return nil, err
	}
	env.rdb = redis.NewClient(&redis.Options{Addr: o.redisAddr, DB: env.lease.DB})
	env.seeder = &harness.Seeder{Pool: env.pool, Progress: log}

	// The app's own hasher and parameters: logging in costs what it costs
	// in production, and no rehash happens on the first login.
	hasher := auth.NewHasher(auth.PasswordParams{MemoryKiB: env.cfg.PasswordHashMemoryKiB, Time: env.cfg.PasswordHashTime, Threads: env.cfg.PasswordHashThreads})
	hash, err := hasher.Hash(ctx, harness.Password)
	if err != nil {
		return nil, err
	}
	if env.fix, err = env.seeder.Standard(ctx, hash, "bench", o.members, o.contacts, o.tags); err != nil {
		return nil, err
	}

	if env.serve, err = env.app.StartServe(ctx, "serve"); err != nil {
		return nil, err
	}
	if env.worker, err = env.app.StartWorker("worker"); err != nil {
		return nil, err
	}
	env.client = harness.NewClient(env.app.BaseURL(), 2*o.concurrency, time.Minute)
	if env.tokens, err = harness.LoginAll(ctx, env.client, env.fix.Users()); err != nil {
		return nil, err
	}
	img, err := harness.JPEG(800, 600)
	if err != nil {
		return nil, err
	}
	for i := range 4 {
		id, err := env.client.UploadImage(ctx, env.tokens[0], env.fix.Org.Slug, fmt.Sprintf("seed-%d.jpg", i), img)
		if err != nil {
			return nil, err
		}
		env.imageIDs = append(env.imageIDs, id)
	}
	fmt.Fprintf(log, "bench: serve pid %d on %s, worker pid %d; %d users logged in, %d images uploaded\n",
		env.serve.Pid(), env.app.BaseURL(), env.worker.Pid(), len(env.tokens), len(env.imageIDs))
	return env, nil
}

// stopApp stops the API and the worker (idempotent).
func (e *benchEnv) stopApp(log io.Writer) {
	for _, p := range []*harness.Proc{e.serve, e.worker} {
		if p != nil {
			if err := p.Stop(30 * time.Second); err != nil {
				fmt.Fprintln(log, "bench:", err)
			}
		}
	}
}

func (e *benchEnv) tearDown(log io.Writer) {
	e.stopApp(log)
	if e.client != nil {
		e.client.Close()
	}
	if e.pool != nil {
		e.pool.Close()
	}
	if e.rdb != nil {
		_ = e.rdb.Close()
	}
	if e.sink != nil {
		e.sink.Close()
	}
	if e.lease != nil {
		e.lease.Release()
	}
	if e.app != nil && e.app.Dir != "" {
		_ = os.RemoveAll(e.app.Dir)
	}
	if e.opts.dropAfter {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, db := range []string{e.opts.dbName, e.opts.pgbenchDB} {
			if err := harness.DropDatabase(ctx, e.opts.pgAdmin, db); err != nil {
				fmt.Fprintln(log, "bench:", err)
			}
		}
	}
}
