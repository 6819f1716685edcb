package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"apistarter/bench/harness"
	"apistarter/internal/mail/mailtest"
	"apistarter/internal/testutil"
)

// pooledServer serves the app with DATABASE_URL through a PgBouncer in
// transaction mode and DATABASE_DIRECT_URL straight to PostgreSQL.
func pooledServer(t testing.TB, opts ...testutil.Option) (*testutil.Server, *harness.PgBouncer) {
	t.Helper()
	direct := testutil.PostgresURL(t)
	pb, err := harness.StartPgBouncer(context.Background(), direct, t.TempDir(), harness.PgBouncerOptions{PoolSize: 8})
	if errors.Is(err, harness.ErrNoPgBouncer) {
		t.Skip("skipped: pgbouncer is not installed (apt-get install pgbouncer)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pb.Stop)
	s := testutil.NewServer(t, append(opts,
		testutil.WithEnv("DATABASE_URL", pb.URL(direct)),
		testutil.WithEnv("DATABASE_DIRECT_URL", direct),
		testutil.WithEnv("DATABASE_POOLER", "pgbouncer"),
	)...)
	if got := int(s.App.DB.Config().ConnConfig.Port); got != pb.Port {
		t.Fatalf("DATABASE_URL pool on port %d, want pgbouncer's %d", got, pb.Port)
	}
	return s, pb
}

var mailedToken = regexp.MustCompile(`#token=([A-Za-z0-9_\-.]+)`)

// call sends a JSON request and decodes a JSON object answer.
func call(t testing.TB, s *testutil.Server, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	status, b := s.Send(t, method, path, token, body, map[string]string{"Content-Type": "application/json"})
	out := map[string]any{}
	_ = json.Unmarshal([]byte(b), &out)
	if len(out) == 0 {
		out["raw"] = b
	}
	return status, out
}

// TestThroughPgBouncerTransactionMode: API (register by email, login,
// contacts create and list under concurrency), outbox relay and worker
// (emails), and an export (session advisory lock on the direct connection)
// all work with DATABASE_URL through PgBouncer in pool_mode=transaction.
func TestThroughPgBouncerTransactionMode(t *testing.T) {
	smtp := mailtest.Start(t)
	s, _ := pooledServer(t, withSMTP(smtp)...)
	startWorker(t, s)
	const password = "correct-horse-battery-staple"

	// Register: the verification email goes through outbox, relay, worker.
	if st, body := call(t, s, "POST", "/api/v1/auth/register/", "", `{"email":"carol@example.com"}`); st != 200 {
		t.Fatalf("register: %d %v", st, body)
	}
	msgs := smtp.WaitFor(t, 1, 20*time.Second)
	m := mailedToken.FindStringSubmatch(msgs[0].Text)
	if m == nil {
		t.Fatalf("no token link in the verification email")
	}
	if st, body := call(t, s, "POST", "/api/v1/auth/verify-registration", "", `{"token":"`+m[1]+`","password":"`+password+`"}`); st != 200 {
		t.Fatalf("verify registration: %d %v", st, body)
	}
	st, body := call(t, s, "POST", "/api/v1/token/pair", "", `{"email":"carol@example.com","password":"`+password+`"}`)
	if st != 200 {
		t.Fatalf("login: %d %v", st, body)
	}
	carol, _ := body["access"].(string)
	if st, body := call(t, s, "GET", "/api/v1/users/me", carol, ""); st != 200 {
		t.Fatalf("me: %d %v", st, body)
	}

	owner := s.CreateUser(t, "owner")
	s.CreateGroupOrg(t, owner, "acme")
	for i := range 30 {
		if st, body := call(t, s, "POST", "/api/v1/orgs/acme/contacts/", owner.Token, fmt.Sprintf(`{"display_name":"Contact %d"}`, i)); st != 201 && st != 200 {
			t.Fatalf("create contact %d: %d %v", i, st, body)
		}
	}
	// Concurrent lists: every pgx connection lands on changing server
	// connections, where a named prepared statement would be missing.
	var wg sync.WaitGroup
	errs := make(chan string, 200)
	for range 8 {
		wg.Go(func() {
			for range 15 {
				if st, body := call(t, s, "GET", "/api/v1/orgs/acme/contacts/?limit=20", owner.Token, ""); st != 200 {
					errs <- fmt.Sprintf("%d %v", st, body)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatalf("contacts list through pgbouncer: %s", e)
	}

	// Export: the runner's session advisory lock and snapshot use the
	// direct pool; the archive email arrives.
	st, body = call(t, s, "POST", "/api/v1/orgs/acme/exports/", owner.Token, "")
	if st != 202 && st != 200 && st != 201 {
		t.Fatalf("export: %d %v", st, body)
	}
	id, _ := body["id"].(string)
	smtp.WaitFor(t, 2, 30*time.Second)
	testutil.Eventually(t, 10*time.Second, "export ready", func() bool {
		_, job := call(t, s, "GET", "/api/v1/orgs/acme/exports/"+id+"/", owner.Token, "")
		return job["status"] == "ready"
	})
	if s.App.DirectDB == s.App.DB {
		t.Fatal("the direct pool must not be the pooled one")
	}
}
