package ratelimit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"apistarter/internal/ratelimit"
	"apistarter/internal/testutil"

	"github.com/redis/go-redis/v9"
)

func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(testutil.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestGCRAHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	l, _ := ratelimit.New(ratelimit.Options{Enabled: true, Redis: redisClient(t)})
	scope := ratelimit.Scope{Name: "test", Rate: ratelimit.PerMinute(10)}
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if l.Allow(context.Background(), scope, "ip:1.2.3.4").Allowed {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	if allowed.Load() != 10 {
		t.Fatalf("%d of 50 concurrent requests allowed, limit 10", allowed.Load())
	}
	res := l.Allow(context.Background(), scope, "ip:1.2.3.4")
	if res.Allowed || res.RetryAfter <= 0 || res.RetryAfter > 6*time.Second {
		t.Fatalf("11th request: %+v", res)
	}
	if !l.Allow(context.Background(), scope, "ip:5.6.7.8").Allowed {
		t.Fatal("another identity shares the bucket")
	}
}

func TestBackoffLocksAfterThresholdAndGrows(t *testing.T) {
	t.Parallel()
	l, _ := ratelimit.New(ratelimit.Options{Enabled: true, Redis: redisClient(t)})
	b := l.NewBackoff("login", 3, 10*time.Second, time.Minute, time.Hour)
	ctx := context.Background()
	const net = "net:198.51.100.0/24"
	for i := range 2 {
		b.Failure(ctx, "alice", net)
		if d := b.Locked(ctx, "alice", net); d != 0 {
			t.Fatalf("locked after %d failures", i+1)
		}
	}
	b.Failure(ctx, "alice", net)
	first := b.Locked(ctx, "alice", net)
	if first <= 5*time.Second || first > 10*time.Second {
		t.Fatalf("first lock %v, want about 10s", first)
	}
	b.Failure(ctx, "alice", net)
	if second := b.Locked(ctx, "alice", net); second <= 15*time.Second || second > 20*time.Second {
		t.Fatalf("second lock %v, want about 20s", second)
	}
	for range 10 {
		b.Failure(ctx, "alice", net)
	}
	if capped := b.Locked(ctx, "alice", net); capped > time.Minute {
		t.Fatalf("lock %v above the cap", capped)
	}
	if b.Locked(ctx, "bob", net) != 0 {
		t.Fatal("another subject is locked")
	}
	b.Success(ctx, "alice", net)
	if b.Locked(ctx, "alice", net) != 0 {
		t.Fatal("success does not clear the lock")
	}
}

// A locked (subject, source) pair does not lock the subject from another
// source, and Clear lifts the subject's locks from every source.
func TestBackoffIsPerSourceAndClearLiftsEverySource(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	l, _ := ratelimit.New(ratelimit.Options{Enabled: true, Redis: rdb})
	b := l.NewBackoff("login", 2, time.Minute, time.Hour, time.Hour)
	ctx := context.Background()
	for _, src := range []string{"net:a", "net:b"} {
		b.Failure(ctx, "alice", src)
		b.Failure(ctx, "alice", src)
		if b.Locked(ctx, "alice", src) == 0 {
			t.Fatalf("%s not locked", src)
		}
	}
	if b.Locked(ctx, "alice", "net:c") != 0 {
		t.Fatal("failures from other sources lock a fresh source")
	}
	b.Failure(ctx, "bob", "net:a")
	b.Failure(ctx, "bob", "net:a")
	b.Clear(ctx, "alice")
	for _, src := range []string{"net:a", "net:b"} {
		if b.Locked(ctx, "alice", src) != 0 {
			t.Fatalf("%s still locked after Clear", src)
		}
	}
	// The counters are gone too: one more failure does not lock again.
	b.Failure(ctx, "alice", "net:a")
	if b.Locked(ctx, "alice", "net:a") != 0 {
		t.Fatal("Clear kept the failure count")
	}
	if b.Locked(ctx, "bob", "net:a") == 0 {
		t.Fatal("Clear lifted another subject's lock")
	}
}
