package load

import (
	"context"
	"fmt"
	"time"

	"apistarter/internal/auth"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/orgs"
)

type permStep struct {
	Name      string  `json:"name"`
	Ops       int     `json:"ops"`
	NsPerOp   float64 `json:"ns_per_op"`
	OpsPerSec float64 `json:"ops_per_sec"`
	Note      string  `json:"note"`
}

type permComparison struct {
	Name    string  `json:"name"`
	Speedup float64 `json:"speedup"`
	Pass    bool    `json:"pass"`
	Note    string  `json:"note"`
}

type permResult struct {
	Steps       []permStep       `json:"steps"`
	Comparisons []permComparison `json:"comparisons"`
}

// missingCache looks up like the real cache (paying for the round trip) but
// never finds: every request then probes memberships in PostgreSQL.
type missingCache struct{ *orgs.PermissionCache }

func (m missingCache) Lookup(ctx context.Context, userID int64, slug string) (auth.CachedRole, bool) {
	m.PermissionCache.Lookup(ctx, userID, slug)
	return auth.CachedRole{}, false
}

// measurePermissions times, in this process against the benchmark's
// PostgreSQL and Redis, the permission lookup from each cache layer and from
// the database, and the whole per-request scope resolution (session + org +
// role, one SQL statement) with the cache hit and missed. One client, back
// to back: latency, not throughput.
func measurePermissions(ctx context.Context, e *env, rep *report) error {
	o := e.o
	d := time.Second
	if o.Short {
		d = 200 * time.Millisecond
	}
	tokens, err := auth.NewTokens(e.cfg.JWTSigningKeys, e.cfg.JWTIssuer, e.cfg.JWTAudience)
	if err != nil {
		return err
	}
	q := sqlc.New(e.Pool)
	slug, token := e.fix.Org.Slug, e.tokens[1]
	user := e.fix.Members[0]
	local := orgs.NewPermissionCache(e.rdb, time.Hour, orgs.DefaultLocalEntries)
	remote := orgs.NewPermissionCache(e.rdb, time.Hour, 0)
	withCache := func(c auth.ScopeCache) *auth.Authenticator {
		a := auth.NewAuthenticator(tokens, q)
		a.UseScopeCache(c)
		return a
	}
	hit, miss := withCache(local), withCache(missingCache{remote})
	// Fill both layers.
	for _, a := range []*auth.Authenticator{withCache(remote), hit} {
		if _, _, err := a.Authenticate(ctx, token, slug, true); err != nil {
			return fmt.Errorf("authenticate: %w", err)
		}
	}
	res := &permResult{}
	step := func(name, note string, f func() error) (float64, error) {
		n := 0
		start := time.Now()
		for time.Since(start) < d {
			if err := f(); err != nil {
				return 0, fmt.Errorf("%s: %w", name, err)
			}
			n++
		}
		el := time.Since(start)
		s := permStep{Name: name, Ops: n, NsPerOp: float64(el.Nanoseconds()) / float64(n), OpsPerSec: float64(n) / el.Seconds(), Note: note}
		res.Steps = append(res.Steps, s)
		return s.NsPerOp, nil
	}
	found := func(c *orgs.PermissionCache) func() error {
		return func() error {
			if _, ok := c.Lookup(ctx, user.ID, slug); !ok {
				return fmt.Errorf("cache entry missing")
			}
			return nil
		}
	}
	localNs, err := step("permission check: cache hit, in-process", "local layer in front of Redis", found(local))
	if err != nil {
		return err
	}
	redisNs, err := step("permission check: cache hit, Redis", "one GET", found(remote))
	if err != nil {
		return err
	}
	dbNs, err := step("permission check: membership query", "SELECT role FROM memberships", func() error {
		var role string
		return e.Pool.QueryRow(ctx, `SELECT role FROM memberships WHERE organization_id = $1 AND user_id = $2`, e.fix.Org.ID, user.ID).Scan(&role)
	})
	if err != nil {
		return err
	}
	resolve := func(a *auth.Authenticator) func() error {
		return func() error {
			_, acc, err := a.Authenticate(ctx, token, slug, true)
			if err == nil && acc.Role == "" {
				err = fmt.Errorf("no role")
			}
			return err
		}
	}
	if _, err := step("scope resolution per request, cache hit", "session + org in 1 query, no membership probe", resolve(hit)); err != nil {
		return err
	}
	if _, err := step("scope resolution per request, cache miss", "session + org + membership in 1 query, then SET", resolve(miss)); err != nil {
		return err
	}
	for _, c := range []struct {
		name string
		ns   float64
	}{{"cache hit (in-process) vs database", localNs}, {"cache hit (Redis) vs database", redisNs}} {
		sp := dbNs / c.ns
		res.Comparisons = append(res.Comparisons, permComparison{Name: "permission " + c.name, Speedup: sp, Pass: sp >= 10,
			Note: "membership query time ÷ cache hit time"})
	}
	rep.Permissions = res
	return nil
}
