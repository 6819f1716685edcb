package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Options configure a Limiter.
type Options struct {
	// Enabled false (RATELIMIT_ENABLED=false) lets everything pass.
	Enabled bool
	Redis   *redis.Client
	// TrustedProxies are the IPs or CIDRs whose X-Forwarded-For is believed.
	TrustedProxies []string
	Log            *slog.Logger
}

// After a Redis error the limiter stays on the in-process fallback this long
// before trying Redis again, so an outage costs one slow call, not one per
// request.
const redisRetryAfter = 5 * time.Second

// Limiter decides whether a request may pass. It is safe for concurrent use.
type Limiter struct {
	enabled bool
	rdb     *redis.Client
	gcra    *redis_rate.Limiter
	local   *localLimiter
	ips     *IPResolver
	log     *slog.Logger
	now     func() time.Time

	redisDownUntil atomic.Int64 // unix nanos
	lastWarning    atomic.Int64 // unix nanos; outage logged at most once a minute

	refused *prometheus.CounterVec
}

// New builds a limiter. It fails on a malformed TRUSTED_PROXIES entry.
func New(o Options) (*Limiter, error) {
	ips, err := NewIPResolver(o.TrustedProxies)
	if err != nil {
		return nil, err
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	l := &Limiter{enabled: o.Enabled, rdb: o.Redis, ips: ips, log: log, now: time.Now, local: newLocalLimiter(localCapacity)}
	l.refused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ratelimit_refused_total", Help: "Requests refused by a rate limit, by scope.",
	}, []string{"scope"})
	if o.Redis != nil {
		l.gcra = redis_rate.NewLimiter(o.Redis)
	}
	return l, nil
}

// Enabled reports whether limits are enforced.
func (l *Limiter) Enabled() bool { return l.enabled }

// Collectors are the limiter's Prometheus series.
func (l *Limiter) Collectors() []prometheus.Collector {
	return []prometheus.Collector{l.refused}
}

// IPs returns the client-IP resolver.
func (l *Limiter) IPs() *IPResolver { return l.ips }

// Allow counts one request of ident (see Ident) against scope. The check
// and the update are one atomic Redis script (GCRA), so concurrent requests
// can never exceed the limit. When Redis fails the in-process fallback
// decides instead: requests are never refused because Redis is down.
func (l *Limiter) Allow(ctx context.Context, scope Scope, ident string) Result {
	if !l.enabled {
		return allowAll()
	}
	res := l.allow(ctx, scope, ident)
	if !res.Allowed {
		l.refused.WithLabelValues(scope.Name).Inc()
	}
	return res
}

func (l *Limiter) allow(ctx context.Context, scope Scope, ident string) Result {
	key := scope.Name + ":" + ident
	if l.redisUsable() {
		res, err := l.gcra.Allow(ctx, key, redis_rate.Limit{Rate: scope.Rate.Limit, Burst: scope.Rate.Limit, Period: scope.Rate.Period})
		if err == nil {
			return Result{
				Allowed: res.Allowed > 0, Limit: scope.Rate.Limit, Remaining: res.Remaining,
				RetryAfter: max(res.RetryAfter, 0), ResetAfter: max(res.ResetAfter, 0), limited: true,
			}
		}
		l.redisFailed(ctx, err)
	}
	return l.local.allow(key, scope.Rate, l.now())
}

func (l *Limiter) redisUsable() bool {
	return l.gcra != nil && l.now().UnixNano() >= l.redisDownUntil.Load()
}

// redisFailed switches to the fallback for a while and logs the outage at
// most once a minute. A request that ended (client gone) says nothing about
// Redis.
func (l *Limiter) redisFailed(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	now := l.now()
	l.redisDownUntil.Store(now.Add(redisRetryAfter).UnixNano())
	last := l.lastWarning.Load()
	if now.UnixNano()-last >= int64(time.Minute) && l.lastWarning.CompareAndSwap(last, now.UnixNano()) {
		l.log.Warn("ratelimit: redis unavailable, using per-process limits", "error", fmt.Sprint(err))
	}
}
