package orgs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"apistarter/internal/auth"
	"apistarter/internal/orgs"
	"apistarter/internal/testutil"

	"github.com/prometheus/client_golang/prometheus"
)

// cacheCount reads permission_cache_lookups_total{result} from registry.
func cacheCount(t testing.TB, reg prometheus.Gatherer, result string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "permission_cache_lookups_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestRoleChangesAreVisibleOnTheNextRequest: with the cache warm, a removal,
// a demotion and an addition (through the API and through raw SQL) are
// seen by the very next request.
func TestRoleChangesAreVisibleOnTheNextRequest(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	reg := s.App.Metrics.Registry
	owner := s.CreateUser(t, "owner")
	member := s.CreateUser(t, "member")
	admin := s.CreateUser(t, "admin")
	newcomer := s.CreateUser(t, "newcomer")
	rawcomer := s.CreateUser(t, "rawcomer")
	s.CreateGroupOrg(t, owner, "fresh")
	s.AddMember(t, "fresh", member, "member")
	s.AddMember(t, "fresh", admin, "admin")
	org := "/api/v1/orgs/fresh/"

	// Warm the cache: the second request of each user is a hit.
	for range 2 {
		call(t, s, "GET", org+"members/", member.Token, "", 200, nil)
		call(t, s, "PATCH", org, admin.Token, `{"name":"Fresh"}`, 200, nil)
		call(t, s, "GET", org, newcomer.Token, "", 404, nil)
		call(t, s, "GET", org, rawcomer.Token, "", 404, nil)
	}
	if hits := cacheCount(t, reg, "hit"); hits < 4 {
		t.Fatalf("cache hits %v after warming, want ≥ 4", hits)
	}

	t.Run("removed member is denied", func(t *testing.T) {
		call(t, s, "DELETE", org+"members/"+member.Slug+"/", owner.Token, "", 204, nil)
		call(t, s, "GET", org+"members/", member.Token, "", 404, nil)
	})
	t.Run("demoted admin loses admin rights", func(t *testing.T) {
		call(t, s, "PATCH", org+"members/"+admin.Slug+"/", owner.Token, `{"role":"member"}`, 200, nil)
		call(t, s, "PATCH", org, admin.Token, `{"name":"Nope"}`, 403, nil)
		call(t, s, "GET", org, admin.Token, "", 200, nil)
	})
	t.Run("invited member gets in", func(t *testing.T) {
		call(t, s, "POST", org+"invitations/", owner.Token, `{"email":"`+newcomer.Email+`"}`, 201, nil)
		call(t, s, "POST", "/api/v1/invitations/accept", newcomer.Token, `{"token":"`+invitationToken(t, s, newcomer.Email)+`"}`, 200, nil)
		call(t, s, "GET", org, newcomer.Token, "", 200, nil)
	})
	t.Run("raw SQL writes are seen too", func(t *testing.T) {
		s.AddMember(t, "fresh", rawcomer, "member")
		call(t, s, "GET", org, rawcomer.Token, "", 200, nil)
		if _, err := s.App.DB.Exec(context.Background(), `UPDATE memberships SET role = 'admin' WHERE user_id = $1 AND organization_id = (SELECT id FROM organizations WHERE slug = 'fresh')`, rawcomer.ID); err != nil {
			t.Fatal(err)
		}
		call(t, s, "PATCH", org, rawcomer.Token, `{"name":"Raw"}`, 200, nil)
		if _, err := s.App.DB.Exec(context.Background(), `DELETE FROM memberships WHERE user_id = $1 AND organization_id = (SELECT id FROM organizations WHERE slug = 'fresh')`, rawcomer.ID); err != nil {
			t.Fatal(err)
		}
		call(t, s, "GET", org, rawcomer.Token, "", 404, nil)
	})
	t.Run("deleted org is gone for cached members", func(t *testing.T) {
		call(t, s, "GET", org, owner.Token, "", 200, nil)
		call(t, s, "DELETE", org, owner.Token, "", 204, nil)
		call(t, s, "GET", org, owner.Token, "", 404, nil)
	})
	if misses := cacheCount(t, reg, "miss"); misses == 0 {
		t.Fatal("no cache misses counted")
	}
}

// TestCacheIsSharedAndOutdatedEntriesAreIgnored: a second process finds the
// first one's entry in Redis, and an entry written for an older
// perm_version (say, by a reader that lost a race with a commit) is never
// served.
func TestCacheIsSharedAndOutdatedEntriesAreIgnored(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	member := s.CreateUser(t, "member")
	orgID := s.CreateGroupOrg(t, owner, "shared")
	s.AddMember(t, "shared", member, "member")
	ctx := context.Background()
	process := func() (*auth.Authenticator, *prometheus.Registry) {
		c := orgs.NewPermissionCache(s.App.Redis, time.Hour, orgs.DefaultLocalEntries)
		reg := prometheus.NewRegistry()
		reg.MustRegister(c.Collectors()...)
		a := auth.NewAuthenticator(s.App.Tokens, s.App.Queries)
		a.UseScopeCache(c)
		return a, reg
	}
	role := func(a *auth.Authenticator) string {
		t.Helper()
		_, access, err := a.Authenticate(ctx, member.Token, "shared", true)
		if err != nil {
			t.Fatal(err)
		}
		return access.Role
	}
	first, _ := process()
	if r := role(first); r != orgs.RoleMember {
		t.Fatalf("role %q", r)
	}
	second, reg := process()
	if r := role(second); r != orgs.RoleMember || cacheCount(t, reg, "hit") != 1 {
		t.Fatalf("second process: role %q, hits %v", r, cacheCount(t, reg, "hit"))
	}

	var pv int64
	if err := s.App.DB.QueryRow(ctx, `SELECT perm_version FROM organizations WHERE id = $1`, orgID).Scan(&pv); err != nil {
		t.Fatal(err)
	}
	key := fmt.Sprintf("perm:%d:shared", member.ID)
	for _, poison := range []string{
		fmt.Sprintf("%d:%d:owner", orgID, pv-1), // an older version
		fmt.Sprintf("%d:%d:owner", orgID+1, pv), // another org's entry
		"garbage",
	} {
		if err := s.App.Redis.Set(ctx, key, poison, time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
		third, reg := process()
		if r := role(third); r != orgs.RoleMember {
			t.Fatalf("entry %q served: role %q", poison, r)
		}
		if cacheCount(t, reg, "hit") != 0 {
			t.Fatalf("entry %q counted as a hit", poison)
		}
	}
}
