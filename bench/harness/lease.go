package harness

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// The tests lease Redis databases 1–15 of the shared server with these keys
// (internal/testutil/redis.go); the harness takes part in the same protocol
// so it never flushes a database a test is using, and vice versa.
const (
	leaseKeyFmt = "apistarter:testlease:%d"
	leaseTTL    = 15 * time.Minute
)

// RedisLease is one leased, flushed Redis database.
type RedisLease struct {
	Addr string
	DB   int
	ctl  *redis.Client
	db   *redis.Client
	key  string
	tok  string
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// URL is redis://addr/db.
func (l *RedisLease) URL() string { return fmt.Sprintf("redis://%s/%d", l.Addr, l.DB) }

// LeaseRedisDB leases a database of the Redis at addr, preferring prefer,
// waiting up to a minute for one to be free, and flushes it. The lease is
// kept alive until Release.
func LeaseRedisDB(ctx context.Context, addr string, prefer int) (*RedisLease, error) {
	ctl := redis.NewClient(&redis.Options{Addr: addr})
	tok := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	order := []int{prefer}
	for n := 15; n >= 1; n-- {
		if n != prefer {
			order = append(order, n)
		}
	}
	var l *RedisLease
	var err error
	waitErr := Poll(ctx, time.Minute, "a free redis database at "+addr, func() bool {
		for _, n := range order {
			key := fmt.Sprintf(leaseKeyFmt, n)
			var ok bool
			if ok, err = ctl.SetNX(ctx, key, tok, leaseTTL).Result(); err != nil || ok {
				l = &RedisLease{Addr: addr, DB: n, ctl: ctl, key: key, tok: tok}
				return true
			}
		}
		return false
	})
	if l == nil || err != nil {
		ctl.Close()
		return nil, fmt.Errorf("harness: redis lease: %w", errors.Join(waitErr, err))
	}
	l.db, l.stop, l.done = redis.NewClient(&redis.Options{Addr: addr, DB: l.DB}), make(chan struct{}), make(chan struct{})
	go l.keepAlive()
	if err := l.db.FlushDB(ctx).Err(); err != nil {
		l.Release()
		return nil, fmt.Errorf("harness: flush redis db %d: %w", l.DB, err)
	}
	return l, nil
}

func (l *RedisLease) keepAlive() {
	defer close(l.done)
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.ctl.Expire(context.Background(), l.key, leaseTTL)
		}
	}
}

// Release flushes the database and gives the lease back.
func (l *RedisLease) Release() { l.once.Do(l.release) }

func (l *RedisLease) release() {
	close(l.stop)
	<-l.done
	ctx := context.Background()
	_ = l.db.FlushDB(ctx).Err()
	if v, _ := l.ctl.Get(ctx, l.key).Result(); v == l.tok {
		l.ctl.Del(ctx, l.key)
	}
	_ = l.db.Close()
	_ = l.ctl.Close()
}
