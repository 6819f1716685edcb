package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"apistarter/bench/harness"
	"apistarter/internal/mail/mailtest"
	"apistarter/internal/testutil"
)

// TestRedisSentinelFailover: with REDIS_SENTINEL_ADDRS the caches, the rate
// limits (both on App.Redis) and the queue (relay enqueue, worker) follow a
// Sentinel failover of a SIGKILLed primary, without a restart.
func TestRedisSentinelFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts five Redis processes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	ha, err := harness.StartRedisHA(ctx, dir, dir)
	if errors.Is(err, harness.ErrNoSentinel) {
		t.Skip("skipped: redis-sentinel is not installed (apt-get install redis-sentinel)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ha.Stop)

	smtp := mailtest.Start(t)
	s := testutil.NewServer(t, append(withSMTP(smtp),
		// The address is a dead one on purpose: only the Sentinels may say
		// where the primary is.
		testutil.WithEnv("REDIS_URL", "redis://127.0.0.1:1/0"),
		testutil.WithEnv("REDIS_SENTINEL_ADDRS", ha.SentinelAddrs()),
		testutil.WithEnv("REDIS_SENTINEL_MASTER", harness.SentinelMaster),
		testutil.WithEnv("RATELIMIT_ENABLED", "true"),
	)...)
	startWorker(t, s)

	check := func(phase string) {
		t.Helper()
		s.Run(t, []testutil.Scenario{{Name: phase + " ready", Method: "GET", URL: "/health/ready/", ExpectedStatus: 200}})
		if err := s.App.Redis.Set(ctx, "probe", phase, time.Minute).Err(); err != nil {
			t.Fatalf("%s: cache set: %v", phase, err)
		}
		id := enqueueEmail(t, s, "email "+phase, true)
		testutil.Eventually(t, 20*time.Second, phase+": email task completed", func() bool { return readOutbox(t, s, id).Completed })
	}
	check("before")
	smtp.WaitFor(t, 1, 10*time.Second)

	old, err := ha.KillPrimary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now, err := ha.WaitPromoted(ctx, old, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("primary %s killed, %s promoted", old, now)
	// Same process, same clients: the first commands after the kill may
	// fail, then everything works against the promoted replica.
	testutil.Eventually(t, 30*time.Second, "cache writes accepted after failover", func() bool {
		return s.App.Redis.Set(ctx, "probe", "after", time.Minute).Err() == nil
	})
	if v, err := s.App.Redis.Get(ctx, "probe").Result(); err != nil || v != "after" {
		t.Fatalf("cache read after failover: %q %v", v, err)
	}
	check("after")
	smtp.WaitFor(t, 2, 10*time.Second)
}
