package harness

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"apistarter/internal/auth"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Rig is one run's environment: the settings of the apistarter processes
// (App), the SMTP sink, a pool on the database, and what to undo at the
// end, which Close does newest first.
type Rig struct {
	Name    string // the command, prefix of the progress lines
	Log     io.Writer
	App     *App
	Sink    *Sink
	Pool    *pgxpool.Pool
	RedisDB int // the leased database of the shared Redis
	undo    []func()
}

// NewRig resolves the binary, empties the log directory <Out>/<logs>,
// makes a working directory, starts the SMTP sink and picks the API's port.
func NewRig(name string, o *Options, logs string, log io.Writer) (r *Rig, err error) {
	r = &Rig{Name: name, Log: log}
	defer r.CloseOnError(&err)
	bin, err := filepath.Abs(o.Bin)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("binary %s missing (run make build): %w", o.Bin, err)
	}
	logDir, err := filepath.Abs(filepath.Join(o.Out, logs))
	if err != nil {
		return nil, err
	}
	_ = os.RemoveAll(logDir)
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "apistarter-"+name+"-")
	if err != nil {
		return nil, err
	}
	r.Defer(func() { _ = os.RemoveAll(dir) })
	r.App = &App{Bin: bin, Dir: dir, LogDir: logDir, Extra: map[string]string{}}
	if r.Sink, err = StartSink(); err != nil {
		return nil, err
	}
	r.Defer(r.Sink.Close)
	r.App.SMTPPort = r.Sink.Port()
	if r.App.HTTPPort, err = FreePort(); err != nil {
		return nil, err
	}
	return r, nil
}

// NewOwnRig is NewRig for the commands that run production-like on servers
// of their own (faults, cluster): a throwaway PostgreSQL cluster (see
// StartPostgres), the rate limits on except for the harness's own load
// (LiftLoadLimits), and stale exports recovered after 20 s rather than 35
// min, so that a killed export runner is seen within the run.
func NewOwnRig(ctx context.Context, name string, o *Options, logs string, log io.Writer) (r *Rig, pg *PgCluster, err error) {
	if r, err = NewRig(name, o, logs, log); err != nil {
		return nil, nil, err
	}
	defer r.CloseOnError(&err)
	r.App.LiftLoadLimits()
	r.App.Extra["EXPORT_STALE_AFTER"] = "20s"
	if pg, err = r.StartPostgres(ctx, o.PgBin); err != nil {
		return nil, nil, err
	}
	return r, pg, nil
}

// CloseOnError closes the rig when *err is set; a set-up defers it so that
// a failure half-way stops what was started. (Its receiver is bound when
// deferred: a `return nil, err` clearing the named result does not hide
// the rig from it.)
func (r *Rig) CloseOnError(err *error) {
	if *err != nil {
		r.Close()
	}
}

// Defer adds f to what Close undoes.
func (r *Rig) Defer(f func()) { r.undo = append(r.undo, f) }

// Close undoes everything, newest first.
func (r *Rig) Close() {
	for i := len(r.undo) - 1; i >= 0; i-- {
		r.undo[i]()
	}
	r.undo = nil
}

// Logf writes a progress line.
func (r *Rig) Logf(format string, args ...any) {
	fmt.Fprintf(r.Log, r.Name+": "+format+"\n", args...)
}

// UseSharedServers points the processes at a fresh database of the shared
// PostgreSQL (dropped at the end when drop is set) and at a leased,
// flushed database of the shared Redis.
func (r *Rig) UseSharedServers(ctx context.Context, s *Servers, drop bool) error {
	lease, err := LeaseRedisDB(ctx, s.Redis, s.RedisDB)
	if err != nil {
		return err
	}
	r.Defer(lease.Release)
	r.App.RedisURL, r.RedisDB = lease.URL(), lease.DB
	if r.App.DatabaseURL, err = WithDatabase(s.PgAdmin, s.DB); err != nil {
		return err
	}
	r.Logf("database %s (recreated), redis db %d, logs in %s", s.DB, lease.DB, r.App.LogDir)
	if drop {
		r.DropAtClose(s.PgAdmin, s.DB)
	}
	return RecreateDatabase(ctx, s.PgAdmin, s.DB)
}

// DropAtClose drops the database name at the end.
func (r *Rig) DropAtClose(adminURL, name string) {
	r.Defer(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := DropDatabase(ctx, adminURL, name); err != nil {
			r.Logf("%v", err)
		}
	})
}

// StartPostgres starts a throwaway PostgreSQL cluster with an empty
// database apistarter, which the processes use.
func (r *Rig) StartPostgres(ctx context.Context, pgBin string) (*PgCluster, error) {
	pg, err := StartPgCluster(ctx, pgBin)
	if err != nil {
		return nil, err
	}
	r.Defer(func() { pg.Destroy(r.Log, r.App.LogDir) })
	r.App.DatabaseURL = pg.URL("apistarter")
	return pg, RecreateDatabase(ctx, pg.URL("postgres"), "apistarter")
}

// Migrate applies the migrations and opens Pool on url (the database
// itself, not a pooler) with up to maxConns connections (0: pgx's default).
func (r *Rig) Migrate(ctx context.Context, url string, maxConns int) error {
	if err := r.App.Migrate(ctx); err != nil {
		return err
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return err
	}
	if maxConns > 0 {
		cfg.MaxConns = int32(maxConns)
	}
	if r.Pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return err
	}
	r.Defer(r.Pool.Close)
	return nil
}

// Seeder writes to Pool; its users' password hash is made by the app's own
// hasher and parameters, so logging in costs what it costs in production
// and no rehash happens on the first login.
func (r *Rig) Seeder(ctx context.Context) (*Seeder, error) {
	cfg, err := r.App.Config()
	if err != nil {
		return nil, err
	}
	hasher := auth.NewHasher(auth.PasswordParams{MemoryKiB: cfg.PasswordHashMemoryKiB, Time: cfg.PasswordHashTime, Threads: cfg.PasswordHashThreads})
	hash, err := hasher.Hash(ctx, Password)
	if err != nil {
		return nil, err
	}
	return &Seeder{Pool: r.Pool, Progress: r.Log, Hash: hash}, nil
}

// Start starts an apistarter command (serve, worker, scheduler) as the
// process name, stopped at Close; port is a serve process's own (0: the
// App's).
func (r *Rig) Start(ctx context.Context, name, command string, port int) (*Proc, error) {
	p, err := r.App.Start(ctx, name, command, port)
	if err != nil {
		return nil, err
	}
	r.Defer(func() { r.Stop(30*time.Second, p) })
	return p, nil
}

// Client is a client of the API at base (the App's when empty), closed at
// Close.
func (r *Rig) Client(base string, conns int, timeout time.Duration) *Client {
	if base == "" {
		base = r.App.BaseURL()
	}
	c := NewClient(base, conns, timeout)
	r.Defer(c.Close)
	return c
}

// Stop stops the processes (SIGTERM, SIGKILL after timeout; stopped ones
// are skipped) and logs those that had to be killed.
func (r *Rig) Stop(timeout time.Duration, procs ...*Proc) {
	for _, p := range procs {
		if p != nil {
			if err := p.Stop(timeout); err != nil {
				r.Logf("%v", err)
			}
		}
	}
}
