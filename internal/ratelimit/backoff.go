package ratelimit

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Backoff locks a (subject, source) pair — e.g. (login email, client
// network) — out for a growing time after repeated failures: from the
// Threshold-th failure of the pair within Window on, each further failure
// locks the pair for Base·2^(n−Threshold), capped at Max. A success clears
// the pair; Clear clears every source of a subject at once. Like Allow, it
// uses Redis when it can and a per-process fallback when it cannot, and it
// never refuses because Redis is down.
type Backoff struct {
	l         *Limiter
	name      string
	Threshold int
	Base, Max time.Duration
	Window    time.Duration

	mu    sync.Mutex
	local *generations[map[string]localFailures] // subject → source → failures
}

type localFailures struct {
	count       int
	firstAt     time.Time
	lockedUntil time.Time
}

// maxLocalSources bounds the sources the fallback remembers per subject.
const maxLocalSources = 1000

// NewBackoff builds a backoff named name (its Redis key prefix).
func (l *Limiter) NewBackoff(name string, threshold int, base, maxLock, window time.Duration) *Backoff {
	return &Backoff{l: l, name: name, Threshold: threshold, Base: base, Max: maxLock, Window: window,
		local: newGenerations[map[string]localFailures](localCapacity)}
}

// keys are the failure counter and lock of one pair, and the set of the
// subject's sources (so Clear finds them without scanning).
func (b *Backoff) keys(subject, source string) (count, lock, sources string) {
	p := "backoff:" + b.name + ":"
	return p + "n:" + subject + ":" + source, p + "lock:" + subject + ":" + source, p + "src:" + subject
}

// Locked returns how long the pair stays locked (0 when it is not).
func (b *Backoff) Locked(ctx context.Context, subject, source string) time.Duration {
	if !b.l.enabled {
		return 0
	}
	if b.l.redisUsable() {
		_, lock, _ := b.keys(subject, source)
		ttl, err := b.l.rdb.PTTL(ctx, lock).Result()
		if err == nil {
			return max(ttl, 0) // -2: no key, -1: no expiry (never set by us)
		}
		b.l.redisFailed(ctx, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	srcs, _ := b.local.get(subject)
	return max(srcs[source].lockedUntil.Sub(b.l.now()), 0)
}

// failureScript counts a failure and, from the threshold on, sets the lock
// with an exponentially growing TTL; atomic so concurrent failures count.
// The source joins the subject's set, which outlives every key it names.
var failureScript = redis.NewScript(`
local n = redis.call("INCR", KEYS[1])
if n == 1 then redis.call("PEXPIRE", KEYS[1], ARGV[1]) end
local threshold = tonumber(ARGV[2])
if n >= threshold then
  local ms = tonumber(ARGV[3]) * 2 ^ math.min(n - threshold, 30)
  ms = math.min(ms, tonumber(ARGV[4]))
  redis.call("SET", KEYS[2], "1", "PX", math.floor(ms))
end
redis.call("SADD", KEYS[3], ARGV[5])
redis.call("PEXPIRE", KEYS[3], tonumber(ARGV[1]) + tonumber(ARGV[4]))
return n
`)

// Failure records a failed attempt for the pair.
func (b *Backoff) Failure(ctx context.Context, subject, source string) {
	if !b.l.enabled {
		return
	}
	if b.l.redisUsable() {
		count, lock, sources := b.keys(subject, source)
		err := failureScript.Run(ctx, b.l.rdb, []string{count, lock, sources},
			b.Window.Milliseconds(), b.Threshold, b.Base.Milliseconds(), b.Max.Milliseconds(), source).Err()
		if err == nil {
			return
		}
		b.l.redisFailed(ctx, err)
	}
	now := b.l.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	srcs, ok := b.local.get(subject)
	if !ok {
		srcs = make(map[string]localFailures)
		b.local.put(subject, srcs)
	}
	f := srcs[source]
	if f.count == 0 || now.Sub(f.firstAt) > b.Window {
		f = localFailures{firstAt: now}
	}
	f.count++
	if f.count >= b.Threshold {
		f.lockedUntil = now.Add(b.lockFor(f.count))
	}
	if _, known := srcs[source]; !known && len(srcs) >= maxLocalSources {
		b.forgetStale(srcs, now)
	}
	srcs[source] = f
}

// forgetStale drops the sources whose window and lock are over, or one
// arbitrary source when none is.
func (b *Backoff) forgetStale(srcs map[string]localFailures, now time.Time) {
	for k, f := range srcs {
		if now.Sub(f.firstAt) > b.Window && !f.lockedUntil.After(now) {
			delete(srcs, k)
		}
	}
	for k := range srcs {
		if len(srcs) < maxLocalSources {
			return
		}
		delete(srcs, k)
	}
}

func (b *Backoff) lockFor(n int) time.Duration {
	d := b.Base << min(n-b.Threshold, 30)
	if d <= 0 || d > b.Max {
		return b.Max
	}
	return d
}

// Success clears the pair's failures and lock.
func (b *Backoff) Success(ctx context.Context, subject, source string) {
	if !b.l.enabled {
		return
	}
	if b.l.redisUsable() {
		count, lock, _ := b.keys(subject, source)
		if err := b.l.rdb.Del(ctx, count, lock).Err(); err != nil {
			b.l.redisFailed(ctx, err)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if srcs, ok := b.local.get(subject); ok {
		delete(srcs, source)
	}
}

// clearScript deletes the counter and lock of every source of a subject.
var clearScript = redis.NewScript(`
local prefix = ARGV[1]
for _, src in ipairs(redis.call("SMEMBERS", KEYS[1])) do
  redis.call("DEL", prefix .. "n:" .. ARGV[2] .. ":" .. src, prefix .. "lock:" .. ARGV[2] .. ":" .. src)
end
redis.call("DEL", KEYS[1])
return 0
`)

// Clear forgets every failure and lock of subject, from every source.
func (b *Backoff) Clear(ctx context.Context, subject string) {
	if !b.l.enabled {
		return
	}
	if b.l.redisUsable() {
		_, _, sources := b.keys(subject, "")
		if err := clearScript.Run(ctx, b.l.rdb, []string{sources}, "backoff:"+b.name+":", subject).Err(); err != nil {
			b.l.redisFailed(ctx, err)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.local.delete(subject)
}
