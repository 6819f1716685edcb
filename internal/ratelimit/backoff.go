package ratelimit

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Backoff locks a key (e.g. the hash of a login email) out for a growing
// time after repeated failures: from the Threshold-th failure within Window
// on, each further failure locks the key for Base·2^(n−Threshold), capped at
// Max. A success clears the key. Like Allow, it uses Redis when it can and a
// per-process fallback when it cannot, and it never refuses because Redis is
// down.
type Backoff struct {
	l         *Limiter
	name      string
	Threshold int
	Base, Max time.Duration
	Window    time.Duration

	mu    sync.Mutex
	local *generations[localFailures]
}

type localFailures struct {
	count       int
	firstAt     time.Time
	lockedUntil time.Time
}

// NewBackoff builds a backoff named name (its Redis key prefix).
func (l *Limiter) NewBackoff(name string, threshold int, base, maxLock, window time.Duration) *Backoff {
	return &Backoff{l: l, name: name, Threshold: threshold, Base: base, Max: maxLock, Window: window,
		local: newGenerations[localFailures](localCapacity)}
}

func (b *Backoff) keys(key string) (count, lock string) {
	return "backoff:" + b.name + ":n:" + key, "backoff:" + b.name + ":lock:" + key
}

// Locked returns how long key stays locked (0 when it is not).
func (b *Backoff) Locked(ctx context.Context, key string) time.Duration {
	if !b.l.enabled {
		return 0
	}
	if b.l.redisUsable() {
		_, lock := b.keys(key)
		ttl, err := b.l.rdb.PTTL(ctx, lock).Result()
		if err == nil {
			return max(ttl, 0) // -2: no key, -1: no expiry (never set by us)
		}
		b.l.redisFailed(ctx, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	f, _ := b.local.get(key)
	return max(f.lockedUntil.Sub(b.l.now()), 0)
}

// failureScript counts a failure and, from the threshold on, sets the lock
// with an exponentially growing TTL; atomic so concurrent failures count.
var failureScript = redis.NewScript(`
local n = redis.call("INCR", KEYS[1])
if n == 1 then redis.call("PEXPIRE", KEYS[1], ARGV[1]) end
local threshold = tonumber(ARGV[2])
if n >= threshold then
  local ms = tonumber(ARGV[3]) * 2 ^ math.min(n - threshold, 30)
  ms = math.min(ms, tonumber(ARGV[4]))
  redis.call("SET", KEYS[2], "1", "PX", math.floor(ms))
end
return n
`)

// Failure records a failed attempt for key.
func (b *Backoff) Failure(ctx context.Context, key string) {
	if !b.l.enabled {
		return
	}
	if b.l.redisUsable() {
		count, lock := b.keys(key)
		err := failureScript.Run(ctx, b.l.rdb, []string{count, lock},
			b.Window.Milliseconds(), b.Threshold, b.Base.Milliseconds(), b.Max.Milliseconds()).Err()
		if err == nil {
			return
		}
		b.l.redisFailed(ctx, err)
	}
	now := b.l.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	f, _ := b.local.get(key)
	if f.count == 0 || now.Sub(f.firstAt) > b.Window {
		f = localFailures{firstAt: now}
	}
	f.count++
	if f.count >= b.Threshold {
		f.lockedUntil = now.Add(b.lockFor(f.count))
	}
	b.local.put(key, f)
}

func (b *Backoff) lockFor(n int) time.Duration {
	d := b.Base << min(n-b.Threshold, 30)
	if d <= 0 || d > b.Max {
		return b.Max
	}
	return d
}

// Success clears key's failures and lock.
func (b *Backoff) Success(ctx context.Context, key string) {
	if !b.l.enabled {
		return
	}
	if b.l.redisUsable() {
		count, lock := b.keys(key)
		if err := b.l.rdb.Del(ctx, count, lock).Err(); err != nil {
			b.l.redisFailed(ctx, err)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.local.delete(key)
}
