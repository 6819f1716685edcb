package orgs_test

import (
	"context"
	"io"
	"testing"
	"time"

	"apistarter/internal/auth"
	"apistarter/internal/orgs"
	"apistarter/internal/testutil"

	"github.com/redis/go-redis/v9"
)

// missCache pays for a lookup but always misses, then fills: the cost of a
// cold or outdated entry.
type missCache struct{ *orgs.PermissionCache }

func (m missCache) Lookup(ctx context.Context, userID int64, slug string) (auth.CachedRole, bool) {
	m.PermissionCache.Lookup(ctx, userID, slug)
	return auth.CachedRole{}, false
}

type benchEnv struct {
	s     *testutil.Server
	count *testutil.QueryCounter
	user  *testutil.User
	slug  string
	orgID int64
}

func newBenchEnv(b *testing.B) benchEnv {
	b.Helper()
	s, count := testutil.NewCountingServer(b)
	owner := s.CreateUser(b, "owner")
	user := s.CreateUser(b, "member")
	orgID := s.CreateGroupOrg(b, owner, "bench")
	s.AddMember(b, "bench", user, "admin")
	return benchEnv{s: s, count: count, user: user, slug: "bench", orgID: orgID}
}

// BenchmarkPermissionCheck resolves session + org scope (what every org
// request pays) with the cache hit, missed, and absent, and the bare
// building blocks: a Redis GET and the membership query alone.
func BenchmarkPermissionCheck(b *testing.B) {
	e := newBenchEnv(b)
	ctx := context.Background()
	resolve := func(b *testing.B, a *auth.Authenticator) {
		b.Helper()
		if _, _, err := a.Authenticate(ctx, e.user.Token, e.slug, true); err != nil {
			b.Fatal(err)
		}
		before := e.count.Count()
		b.ResetTimer()
		for b.Loop() {
			_, access, err := a.Authenticate(ctx, e.user.Token, e.slug, true)
			if err != nil || access.Role != orgs.RoleAdmin {
				b.Fatalf("%v %v", access, err)
			}
		}
		b.ReportMetric(float64(e.count.Count()-before)/float64(b.N), "queries/op")
	}
	cache := orgs.NewPermissionCache(e.s.App.Redis, time.Hour, orgs.DefaultLocalEntries)
	redisOnly := orgs.NewPermissionCache(e.s.App.Redis, time.Hour, 0)
	b.Run("scope/cache-hit-local", func(b *testing.B) {
		a := auth.NewAuthenticator(e.s.App.Tokens, e.s.App.Queries)
		a.UseScopeCache(cache)
		resolve(b, a)
	})
	b.Run("scope/cache-hit-redis", func(b *testing.B) {
		a := auth.NewAuthenticator(e.s.App.Tokens, e.s.App.Queries)
		a.UseScopeCache(redisOnly)
		resolve(b, a)
	})
	b.Run("scope/cache-miss", func(b *testing.B) {
		a := auth.NewAuthenticator(e.s.App.Tokens, e.s.App.Queries)
		a.UseScopeCache(missCache{redisOnly})
		resolve(b, a)
	})
	b.Run("scope/no-cache", func(b *testing.B) {
		resolve(b, auth.NewAuthenticator(e.s.App.Tokens, e.s.App.Queries))
	})
	b.Run("parts/cache-lookup-local", func(b *testing.B) {
		a := auth.NewAuthenticator(e.s.App.Tokens, e.s.App.Queries)
		a.UseScopeCache(cache)
		if _, _, err := a.Authenticate(ctx, e.user.Token, e.slug, true); err != nil {
			b.Fatal(err)
		}
		if _, ok := cache.Lookup(ctx, e.user.ID, e.slug); !ok {
			b.Fatal("cache not warm")
		}
		for b.Loop() {
			cache.Lookup(ctx, e.user.ID, e.slug)
		}
	})
	b.Run("parts/redis-get", func(b *testing.B) {
		rdb := e.s.App.Redis.WithTimeout(50 * time.Millisecond)
		rdb.Set(ctx, "bench:k", "1:1:admin", time.Hour)
		for b.Loop() {
			if err := rdb.Get(ctx, "bench:k").Err(); err != nil && err != redis.Nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parts/membership-query", func(b *testing.B) {
		var role string
		for b.Loop() {
			if err := e.s.App.DB.QueryRow(ctx, `SELECT role FROM memberships WHERE organization_id = $1 AND user_id = $2`,
				e.orgID, e.user.ID).Scan(&role); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOrgRequest is a whole authenticated org request over HTTP
// (GET /orgs/{slug}/), reporting the SQL statements it costs.
func BenchmarkOrgRequest(b *testing.B) {
	e := newBenchEnv(b)
	url := "/api/v1/orgs/" + e.slug + "/"
	get := func() {
		resp := e.s.Do(b, "GET", url, e.user.Token, nil, nil)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	get()
	before := e.count.Count()
	for b.Loop() {
		get()
	}
	b.ReportMetric(float64(e.count.Count()-before)/float64(b.N), "queries/op")
}

// TestAuthAndScopeCostOneQuery pins the acceptance target: session and
// scope are one SQL statement, with the cache cold, warm or outdated.
func TestAuthAndScopeCostOneQuery(t *testing.T) {
	t.Parallel()
	s, count := testutil.NewCountingServer(t)
	owner := s.CreateUser(t, "owner")
	s.CreateGroupOrg(t, owner, "one")
	ctx := context.Background()
	for i, step := range []string{"cold", "warm", "warm", "outdated"} {
		if step == "outdated" {
			if _, err := s.App.DB.Exec(ctx, `UPDATE organizations SET perm_version = perm_version + 1 WHERE slug = 'one'`); err != nil {
				t.Fatal(err)
			}
		}
		before := count.Count()
		_, access, err := s.App.Auth.Authenticate(ctx, owner.Token, "one", true)
		if err != nil || access.Role != orgs.RoleOwner {
			t.Fatalf("%s: %v %v", step, access, err)
		}
		if n := count.Count() - before; n != 1 {
			t.Fatalf("step %d (%s): %d statements, want 1", i, step, n)
		}
	}
	before := count.Count()
	call(t, s, "GET", "/api/v1/orgs/one/", owner.Token, "", 200, nil)
	t.Logf("GET /orgs/{slug}/ costs %d SQL statements (1 for session+scope, 1 for the org row)", count.Count()-before)
	if hits := cacheCount(t, s.App.Metrics.Registry, "hit"); hits < 2 {
		t.Fatalf("hits %v, want ≥ 2", hits)
	}
}
