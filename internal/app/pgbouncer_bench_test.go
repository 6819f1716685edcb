package app_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"apistarter/internal/testutil"
)

// BenchmarkContactsListPooler compares GET contacts (limit 20) with
// DATABASE_URL straight to PostgreSQL and through PgBouncer in transaction
// mode (cached-describe exec mode). Figures only, no assertion:
//
//	go test -run '^$' -bench BenchmarkContactsListPooler -benchtime 3s ./internal/app/
func BenchmarkContactsListPooler(b *testing.B) {
	for _, mode := range []string{"direct", "pgbouncer"} {
		b.Run(mode, func(b *testing.B) {
			var s *testutil.Server
			if mode == "direct" {
				s = testutil.NewServer(b)
			} else {
				s, _ = pooledServer(b)
			}
			owner := s.CreateUser(b, "owner")
			orgID := s.CreateGroupOrg(b, owner, "acme")
			if _, err := s.App.DB.Exec(b.Context(), `INSERT INTO contacts (organization_id, creator_id, display_name, slug)
				SELECT $1, $2, 'Contact ' || i, 'c-' || i FROM generate_series(1, 200) i`, orgID, owner.ID); err != nil {
				b.Fatal(err)
			}
			req := func() {
				r, _ := http.NewRequest("GET", s.URL+"/api/v1/orgs/acme/contacts/?limit=20", nil)
				r.Header.Set("Authorization", "Bearer "+owner.Token)
				resp, err := s.Client().Do(r)
				if err != nil {
					panic(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					panic(fmt.Sprintf("status %d", resp.StatusCode))
				}
			}
			req()
			b.Run("serial", func(b *testing.B) {
				for b.Loop() {
					req()
				}
			})
			b.Run("parallel", func(b *testing.B) {
				b.SetParallelism(4)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						req()
					}
				})
			})
		})
	}
}
