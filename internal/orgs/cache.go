package orgs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"apistarter/internal/auth"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Bounds on the cache's use of Redis: a slow Redis costs a request at most
// cacheTimeout, and after a failure Redis is skipped for cacheBackoff.
const (
	cacheTimeout = 50 * time.Millisecond
	cacheBackoff = time.Second
)

// DefaultLocalEntries bounds the in-process layer of the permission cache.
const DefaultLocalEntries = 10000

// PermissionCache keeps (user, org slug) → org id, perm_version, role in
// Redis, shared by every process, with a small in-process copy in front so a
// hit usually costs no round trip at all. It implements auth.ScopeCache; see
// the package comment for why an entry can never grant or deny stale access.
type PermissionCache struct {
	rdb       *redis.Client
	ttl       time.Duration
	local     *localCache
	downUntil atomic.Int64 // unix nanoseconds; Redis is skipped until then
	results   *prometheus.CounterVec
	sources   *prometheus.CounterVec
}

var _ auth.ScopeCache = (*PermissionCache)(nil)

// NewPermissionCache uses rdb (its connection pool is shared) with a short
// per-command timeout; entries live for ttl. localEntries bounds the
// in-process layer (0 disables it).
func NewPermissionCache(rdb *redis.Client, ttl time.Duration, localEntries int) *PermissionCache {
	return &PermissionCache{
		rdb:   rdb.WithTimeout(cacheTimeout),
		ttl:   ttl,
		local: newLocalCache(localEntries),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "permission_cache_lookups_total",
			Help: "Permission cache lookups by result: hit (entry current), miss (absent or outdated), unavailable (Redis down or slow).",
		}, []string{"result"}),
		sources: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "permission_cache_entries_found_total",
			Help: "Permission cache entries found, by layer: local (in-process) or redis.",
		}, []string{"layer"}),
	}
}

// Collectors are the cache's Prometheus series.
func (c *PermissionCache) Collectors() []prometheus.Collector {
	return []prometheus.Collector{c.results, c.sources}
}

func cacheKey(userID int64, orgSlug string) string {
	return "perm:" + strconv.FormatInt(userID, 10) + ":" + orgSlug
}

// Lookup returns the entry for (user, org slug), if Redis has one and
// answers within the timeout.
func (c *PermissionCache) Lookup(ctx context.Context, userID int64, orgSlug string) (auth.CachedRole, bool) {
	key := cacheKey(userID, orgSlug)
	if e, ok := c.local.get(key); ok {
		c.sources.WithLabelValues("local").Inc()
		return e, true
	}
	if c.down() {
		c.results.WithLabelValues("unavailable").Inc()
		return auth.CachedRole{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, cacheTimeout)
	defer cancel()
	v, err := c.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return auth.CachedRole{}, false
	}
	if err != nil {
		c.fail()
		c.results.WithLabelValues("unavailable").Inc()
		return auth.CachedRole{}, false
	}
	e, err := decodeEntry(v)
	if err != nil {
		return auth.CachedRole{}, false
	}
	c.sources.WithLabelValues("redis").Inc()
	c.local.put(key, e, c.ttl)
	return e, true
}

// Observe counts the verdict and stores the fresh value on a miss.
func (c *PermissionCache) Observe(ctx context.Context, userID int64, orgSlug string, hit bool, fresh auth.CachedRole) {
	if hit {
		c.results.WithLabelValues("hit").Inc()
		return
	}
	c.results.WithLabelValues("miss").Inc()
	key := cacheKey(userID, orgSlug)
	c.local.put(key, fresh, c.ttl)
	if c.down() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, cacheTimeout)
	defer cancel()
	if err := c.rdb.Set(ctx, key, encodeEntry(fresh), c.ttl).Err(); err != nil {
		c.fail()
	}
}

func (c *PermissionCache) down() bool { return time.Now().UnixNano() < c.downUntil.Load() }

func (c *PermissionCache) fail() { c.downUntil.Store(time.Now().Add(cacheBackoff).UnixNano()) }

func encodeEntry(e auth.CachedRole) string {
	return strconv.FormatInt(e.OrgID, 10) + ":" + strconv.FormatInt(e.PermVersion, 10) + ":" + e.Role
}

func decodeEntry(v string) (auth.CachedRole, error) {
	parts := strings.SplitN(v, ":", 3)
	if len(parts) != 3 {
		return auth.CachedRole{}, fmt.Errorf("orgs: cache entry %q", v)
	}
	org, err1 := strconv.ParseInt(parts[0], 10, 64)
	ver, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err := errors.Join(err1, err2); err != nil || org <= 0 {
		return auth.CachedRole{}, fmt.Errorf("orgs: cache entry %q", v)
	}
	return auth.CachedRole{OrgID: org, PermVersion: ver, Role: parts[2]}, nil
}
