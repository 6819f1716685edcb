package orgs_test

import (
	"context"
	"net"
	"testing"
	"time"

	"apistarter/internal/auth"
	"apistarter/internal/orgs"
	"apistarter/internal/testutil"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// silentRedis accepts connections and never answers: a hung Redis.
func silentRedis(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	return ln.Addr().String()
}

// closedPort returns an address nobody listens on: a stopped Redis.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestPermissionChecksAnswerFromPostgresWhenRedisIsDown: a stopped or hung
// Redis never changes an answer (no fail-open, no stale entry) and costs a
// bounded delay.
func TestPermissionChecksAnswerFromPostgresWhenRedisIsDown(t *testing.T) {
	t.Parallel()
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	member := s.CreateUser(t, "member")
	outsider := s.CreateUser(t, "outsider")
	orgID := s.CreateGroupOrg(t, owner, "down")
	s.AddMember(t, "down", member, "member")
	ctx := context.Background()

	// Warm the shared cache while Redis is up: these entries must not be
	// served after the role changes below.
	for _, u := range []*testutil.User{owner, member, outsider} {
		for range 2 {
			if _, _, err := s.App.Auth.Authenticate(ctx, u.Token, "down", true); err != nil {
				t.Fatal(err)
			}
		}
	}

	for name, addr := range map[string]string{"stopped": closedPort(t), "hung": silentRedis(t)} {
		t.Run(name, func(t *testing.T) {
			rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
			t.Cleanup(func() { _ = rdb.Close() })
			cache := orgs.NewPermissionCache(rdb, time.Hour, orgs.DefaultLocalEntries)
			reg := prometheus.NewRegistry()
			reg.MustRegister(cache.Collectors()...)
			a := auth.NewAuthenticator(s.App.Tokens, s.App.Queries)
			a.UseScopeCache(cache)
			check := func(u *testutil.User, want string) {
				t.Helper()
				start := time.Now()
				_, access, err := a.Authenticate(ctx, u.Token, "down", true)
				if err != nil {
					t.Fatalf("authenticate %s: %v", u.Username, err)
				}
				if !access.Exists || access.Role != want {
					t.Fatalf("%s: role %q (exists %v), want %q", u.Username, access.Role, access.Exists, want)
				}
				if d := time.Since(start); d > 2*time.Second {
					t.Fatalf("check took %v with Redis %s", d, name)
				}
			}
			check(owner, orgs.RoleOwner)
			check(member, orgs.RoleMember)
			check(outsider, "")
			setRole := func(u *testutil.User, role string) {
				if _, err := s.App.DB.Exec(ctx, `UPDATE memberships SET role = $1 WHERE user_id = $2 AND organization_id = $3`, role, u.ID, orgID); err != nil {
					t.Fatal(err)
				}
			}
			setRole(member, orgs.RoleAdmin)
			check(member, orgs.RoleAdmin)
			setRole(member, orgs.RoleMember)
			check(member, orgs.RoleMember)
			if n := cacheCount(t, reg, "unavailable"); n == 0 {
				t.Fatal("unavailable lookups not counted")
			}
		})
	}

	// Back on the live Redis, whose entries predate the changes: still right.
	if _, err := s.App.DB.Exec(ctx, `UPDATE memberships SET role = 'admin' WHERE user_id = $1 AND organization_id = $2`, member.ID, orgID); err != nil {
		t.Fatal(err)
	}
	_, access, err := s.App.Auth.Authenticate(ctx, member.Token, "down", true)
	if err != nil || access.Role != orgs.RoleAdmin {
		t.Fatalf("after Redis returns: %v %v", access, err)
	}
}
