package ratelimit

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"
)

func TestDisabledLimiterAllowsEverything(t *testing.T) {
	l, _ := New(Options{Enabled: false})
	for range 100 {
		if !l.Allow(context.Background(), Scope{Name: "x", Rate: PerHour(1)}, "k").Allowed {
			t.Fatal("disabled limiter refused")
		}
	}
}

// With Redis unreachable the limiter keeps limiting per process, and never
// refuses because of the outage.
func TestRedisDownFallsBackToLocalLimits(t *testing.T) {
	t.Parallel()
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = dead.Close() })
	var logs bytes.Buffer
	l, _ := New(Options{Enabled: true, Redis: dead, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	scope := Scope{Name: "test", Rate: PerMinute(3)}
	var got []bool
	for range 5 {
		got = append(got, l.Allow(context.Background(), scope, "u:1").Allowed)
	}
	want := []bool{true, true, true, false, false}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("fallback decisions %v, want %v", got, want)
		}
	}
	if l.redisUsable() {
		t.Fatal("limiter keeps calling a dead Redis")
	}
	// Redis is tried again a few seconds later; the outage is logged once a minute.
	base := time.Now()
	l.now = func() time.Time { return base.Add(redisRetryAfter + time.Second) }
	if !l.redisUsable() {
		t.Fatal("Redis never tried again")
	}
	l.Allow(context.Background(), scope, "u:1")
	if n := strings.Count(logs.String(), "redis unavailable"); n != 1 {
		t.Fatalf("outage logged %d times, want once", n)
	}
	l.now = func() time.Time { return base.Add(2 * time.Minute) }
	l.Allow(context.Background(), scope, "u:1")
	if n := strings.Count(logs.String(), "redis unavailable"); n != 2 {
		t.Fatalf("outage logged %d times after a minute, want twice", n)
	}
	// A cancelled request does not mark Redis as down.
	l2, _ := New(Options{Enabled: true, Redis: dead})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l2.Allow(ctx, scope, "u:1")
	if !l2.redisUsable() {
		t.Fatal("a cancelled request tripped the Redis circuit")
	}
	b := l.NewBackoff("login", 2, time.Second, time.Minute, time.Hour)
	b.Failure(context.Background(), "k", "net:a")
	b.Failure(context.Background(), "k", "net:a")
	if b.Locked(context.Background(), "k", "net:a") <= 0 {
		t.Fatal("fallback backoff does not lock")
	}
	if b.Locked(context.Background(), "k", "net:b") != 0 {
		t.Fatal("fallback backoff locks another source")
	}
	b.Clear(context.Background(), "k")
	if b.Locked(context.Background(), "k", "net:a") != 0 {
		t.Fatal("fallback backoff not cleared")
	}
}

// Refusals are counted by scope (ratelimit_refused_total), passes are not.
func TestRefusalsAreCountedByScope(t *testing.T) {
	t.Parallel()
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = dead.Close() })
	l, _ := New(Options{Enabled: true, Redis: dead, Log: slog.New(slog.DiscardHandler)})
	login, search := Scope{Name: "login", Rate: PerMinute(2)}, Scope{Name: "search", Rate: PerMinute(5)}
	for range 5 {
		l.Allow(context.Background(), login, "u:1")
		l.Allow(context.Background(), search, "u:1")
	}
	for scope, want := range map[string]float64{"login": 3, "search": 0} {
		var m dto.Metric
		if err := l.refused.WithLabelValues(scope).Write(&m); err != nil {
			t.Fatal(err)
		}
		if got := m.GetCounter().GetValue(); got != want {
			t.Errorf("%s refusals = %v, want %v", scope, got, want)
		}
	}
	if n := len(l.Collectors()); n != 1 {
		t.Errorf("%d collectors, want 1", n)
	}
}
