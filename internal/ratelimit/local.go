package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// localCapacity bounds the fallback's memory: about this many keys are
// remembered (two generations of half the size each).
const localCapacity = 20000

// localLimiter is the per-process fallback used while Redis is unreachable.
// Its limits hold per process, not per cluster: good enough for an outage.
type localLimiter struct {
	mu      sync.Mutex
	buckets *generations[*rate.Limiter]
}

func newLocalLimiter(capacity int) *localLimiter {
	return &localLimiter{buckets: newGenerations[*rate.Limiter](capacity)}
}

func (l *localLimiter) allow(key string, r Rate, now time.Time) Result {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.buckets.get(key)
	if !ok {
		lim = rate.NewLimiter(rate.Every(r.Period/time.Duration(r.Limit)), r.Limit)
		l.buckets.put(key, lim)
	}
	res := Result{Limit: r.Limit, limited: true}
	rv := lim.ReserveN(now, 1)
	if delay := rv.DelayFrom(now); !rv.OK() || delay > 0 {
		rv.CancelAt(now)
		res.RetryAfter = delay
	} else {
		res.Allowed = true
	}
	tokens := lim.TokensAt(now)
	res.Remaining = int(tokens)
	res.ResetAfter = time.Duration((float64(r.Limit) - tokens) * float64(r.Period) / float64(r.Limit))
	return res
}

// generations is a bounded map that forgets the least recently used keys
// roughly: when the current generation is full it becomes the old one and
// the previous old one is dropped; a key found in the old generation moves
// to the current one. Not safe for concurrent use.
type generations[V any] struct {
	half     int
	cur, old map[string]V
}

func newGenerations[V any](capacity int) *generations[V] {
	half := max(capacity/2, 1)
	return &generations[V]{half: half, cur: make(map[string]V), old: make(map[string]V)}
}

func (g *generations[V]) get(key string) (V, bool) {
	if v, ok := g.cur[key]; ok {
		return v, true
	}
	v, ok := g.old[key]
	if ok {
		delete(g.old, key)
		g.put(key, v)
	}
	return v, ok
}

func (g *generations[V]) put(key string, v V) {
	if _, ok := g.cur[key]; !ok && len(g.cur) >= g.half {
		g.old = g.cur
		g.cur = make(map[string]V, g.half)
	}
	g.cur[key] = v
}

func (g *generations[V]) delete(key string) {
	delete(g.cur, key)
	delete(g.old, key)
}

func (g *generations[V]) len() int { return len(g.cur) + len(g.old) }
