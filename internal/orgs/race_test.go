package orgs_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"apistarter/internal/orgs"
	"apistarter/internal/testutil"
)

// TestNoReadStartingAfterACommitSeesTheOldRole flips a member's role
// thousands of times (through the service and through raw SQL) while
// readers resolve the member's scope through the cache in a loop. A read
// that starts after a change committed, with no further change in flight,
// must return the new role.
func TestNoReadStartingAfterACommitSeesTheOldRole(t *testing.T) {
	t.Parallel()
	const readers = 4
	changes := int64(2000)
	if testing.Short() {
		changes = 200
	}
	s := testutil.NewServer(t)
	owner := s.CreateUser(t, "owner")
	target := s.CreateUser(t, "target")
	orgID := s.CreateGroupOrg(t, owner, "flip")
	s.AddMember(t, "flip", target, "member")
	ctx := context.Background()
	roleAfter := func(k int64) string { // role after k changes
		if k%2 == 0 {
			return orgs.RoleMember
		}
		return orgs.RoleAdmin
	}

	var started, completed, checked, reads atomic.Int64
	var stale atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range readers {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				k := completed.Load()
				s0 := started.Load()
				_, access, err := s.App.Auth.Authenticate(ctx, target.Token, "flip", true)
				if err != nil {
					t.Errorf("authenticate: %v", err)
					return
				}
				reads.Add(1)
				if s0 != k || started.Load() != s0 {
					continue // a change was in flight: either answer is right
				}
				checked.Add(1)
				if access.Role != roleAfter(k) {
					stale.Add(1)
					t.Errorf("after %d changes a new read saw %q, want %q", k, access.Role, roleAfter(k))
				}
			}
		})
	}

	for k := int64(1); k <= changes && !t.Failed(); k++ {
		started.Add(1)
		role := roleAfter(k)
		if k%3 == 0 { // raw SQL: no service, no hook, still visible
			if _, err := s.App.DB.Exec(ctx, `UPDATE memberships SET role = $1 WHERE user_id = $2 AND organization_id = $3`, role, target.ID, orgID); err != nil {
				t.Fatal(err)
			}
		} else {
			sc := orgs.Scope{OrgID: orgID, UserID: owner.ID, Role: orgs.RoleOwner}
			if _, err := s.App.Orgs.ChangeRole(ctx, sc, target.Slug, role); err != nil {
				t.Fatal(err)
			}
		}
		completed.Add(1)
		// Let the readers run against this state before the next change.
		want := reads.Load() + readers
		deadline := time.Now().Add(5 * time.Second)
		for reads.Load() < want && time.Now().Before(deadline) {
			time.Sleep(50 * time.Microsecond)
		}
	}
	close(done)
	wg.Wait()
	hits := cacheCount(t, s.App.Metrics.Registry, "hit")
	t.Logf("%d changes, %d reads, %d checked, %v cache hits, %d stale", completed.Load(), reads.Load(), checked.Load(), hits, stale.Load())
	if checked.Load() < changes/2 {
		t.Fatalf("only %d reads were checked", checked.Load())
	}
	if hits == 0 {
		t.Fatal("the cache was never hit: the test did not exercise it")
	}
}
