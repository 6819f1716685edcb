package testutil

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisAddr is the Redis every test shares; each test leases its own database.
const RedisAddr = "127.0.0.1:6379"

const leaseTTL = 15 * time.Minute

// RedisURL leases one of Redis databases 1–15 for this test, flushes it, and
// flushes and releases it when the test ends. Database 0 is left for `make run`.
func RedisURL(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	ctl := redis.NewClient(&redis.Options{Addr: RedisAddr})
	t.Cleanup(func() { _ = ctl.Close() })
	token := fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano())
	deadline := time.Now().Add(3 * time.Minute)
	for {
		for n := 1; n <= 15; n++ {
			key := fmt.Sprintf("apistarter:testlease:%d", n)
			ok, err := ctl.SetNX(ctx, key, token, leaseTTL).Result()
			if err != nil {
				t.Fatalf("testutil: redis lease: %v (is redis running? make test starts it)", err)
			}
			if !ok {
				continue
			}
			c := redis.NewClient(&redis.Options{Addr: RedisAddr, DB: n})
			if err := c.FlushDB(ctx).Err(); err != nil {
				t.Fatalf("testutil: flush redis db %d: %v", n, err)
			}
			t.Cleanup(func() {
				_ = c.FlushDB(context.Background()).Err()
				_ = c.Close()
				if v, _ := ctl.Get(context.Background(), key).Result(); v == token {
					ctl.Del(context.Background(), key)
				}
			})
			return fmt.Sprintf("redis://%s/%d", RedisAddr, n)
		}
		if time.Now().After(deadline) {
			t.Fatal("testutil: no free redis database within 3 minutes")
		}
		time.Sleep(50 * time.Millisecond) // polling for a free lease, with a deadline
	}
}
