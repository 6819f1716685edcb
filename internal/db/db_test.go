package db_test

import (
	"context"
	"testing"
	"time"

	"apistarter/internal/db"
	"apistarter/internal/testutil"
)

// Every pooled session ends a transaction left idle too long, so a stuck
// request cannot keep a connection and its locks.
func TestPoolSessionsHaveIdleInTransactionTimeout(t *testing.T) {
	t.Parallel()
	url := testutil.PostgresURL(t)
	for _, tt := range []struct {
		name string
		opts []db.Option
		want string
	}{
		{"default", nil, "30s"},
		{"configured", []db.Option{db.WithIdleInTxTimeout(1500 * time.Millisecond)}, "1500ms"},
	} {
		pool, err := db.Open(context.Background(), url, tt.opts...)
		if err != nil {
			t.Fatal(err)
		}
		// Several connections at once: the setting is on every session, not just one.
		conns := make([]string, 0, 3)
		tx := make([]func(), 0, 3)
		for range 3 {
			c, err := pool.Acquire(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var v string
			if err := c.QueryRow(context.Background(), "SHOW idle_in_transaction_session_timeout").Scan(&v); err != nil {
				t.Fatal(err)
			}
			conns = append(conns, v)
			tx = append(tx, c.Release)
		}
		for _, release := range tx {
			release()
		}
		pool.Close()
		for i, v := range conns {
			if v != tt.want {
				t.Errorf("%s: session %d has idle_in_transaction_session_timeout %q, want %q", tt.name, i, v, tt.want)
			}
		}
	}
}
