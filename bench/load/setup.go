package load

import (
	"context"
	"fmt"
	"io"
	"time"

	"apistarter/bench/harness"
	"apistarter/internal/config"

	"github.com/redis/go-redis/v9"
)

// env is one run's services, processes and seeded data.
type env struct {
	*harness.Rig
	o      *options
	cfg    *config.Config
	rdb    *redis.Client
	seeder *harness.Seeder
	serve  *harness.Proc
	worker *harness.Proc
	client *harness.Client

	fix      *harness.Fixture
	tokens   []string // tokens[0] is the owner's
	imageIDs []int64
}

func setUp(ctx context.Context, o *options, log io.Writer) (e *env, err error) {
	rig, err := harness.NewRig("bench", &o.Options, "logs", log)
	if err != nil {
		return nil, err
	}
	defer rig.CloseOnError(&err)
	e = &env{Rig: rig, o: o}
	if err := rig.UseSharedServers(ctx, &o.Servers, o.dropAfter); err != nil {
		return nil, err
	}
	if o.dropAfter {
		rig.DropAtClose(o.PgAdmin, o.pgbenchDB)
	}
	if e.cfg, err = rig.App.Config(); err != nil {
		return nil, err
	}
	if err := rig.Migrate(ctx, rig.App.DatabaseURL, o.concurrency); err != nil {
		return nil, err
	}
	e.rdb = redis.NewClient(&redis.Options{Addr: o.Redis, DB: rig.RedisDB})
	rig.Defer(func() { _ = e.rdb.Close() })
	if e.seeder, err = rig.Seeder(ctx); err != nil {
		return nil, err
	}
	if e.fix, err = e.seeder.Standard(ctx, "bench", o.members, o.contacts, o.tags); err != nil {
		return nil, err
	}
	if e.serve, err = rig.Start(ctx, "serve", "serve", 0); err != nil {
		return nil, err
	}
	if e.worker, err = rig.Start(ctx, "worker", "worker", 0); err != nil {
		return nil, err
	}
	e.client = rig.Client("", 2*o.concurrency, time.Minute)
	if e.tokens, err = harness.LoginAll(ctx, e.client, e.fix.Users()); err != nil {
		return nil, err
	}
	img, err := harness.JPEG(800, 600)
	if err != nil {
		return nil, err
	}
	for i := range 4 {
		id, err := e.client.UploadImage(ctx, e.tokens[0], e.fix.Org.Slug, fmt.Sprintf("seed-%d.jpg", i), img)
		if err != nil {
			return nil, err
		}
		e.imageIDs = append(e.imageIDs, id)
	}
	rig.Logf("serve pid %d on %s, worker pid %d; %d users logged in, %d images uploaded",
		e.serve.Pid(), rig.App.BaseURL(), e.worker.Pid(), len(e.tokens), len(e.imageIDs))
	return e, nil
}
