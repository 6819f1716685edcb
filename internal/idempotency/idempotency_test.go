package idempotency_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"apistarter/internal/apperr"
	"apistarter/internal/idempotency"
	"apistarter/internal/testutil"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func setup(t *testing.T) (*pgxpool.Pool, *idempotency.Store, int64) {
	t.Helper()
	pool, _ := testutil.Pool(t)
	var uid int64
	err := pool.QueryRow(context.Background(), `INSERT INTO users (email, slug) VALUES ('u@example.com', 'u') RETURNING id`).Scan(&uid)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pool.Exec(context.Background(), `CREATE TABLE effects (n int)`)
	if err != nil {
		t.Fatal(err)
	}
	return pool, idempotency.NewStore(pool), uid
}

// effect is an operation that inserts a row and answers status.
func effect(status int, calls *atomic.Int32) idempotency.Op {
	return func(ctx context.Context, tx pgx.Tx) (idempotency.Response, error) {
		calls.Add(1)
		if _, err := tx.Exec(ctx, `INSERT INTO effects VALUES (1)`); err != nil {
			return idempotency.Response{}, err
		}
		return idempotency.Response{Status: status, ContentType: "application/json", Body: []byte(`{"n": 1}`)}, nil
	}
}

func count(t *testing.T, pool *pgxpool.Pool, table string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReplayReturnsTheStoredResponse(t *testing.T) {
	t.Parallel()
	pool, store, uid := setup(t)
	ctx := context.Background()
	req := idempotency.Request{Key: "k", UserID: uid, Method: "POST", Path: "/p", Fingerprint: "f1"}
	var calls atomic.Int32
	first, err := store.Run(ctx, req, effect(400, &calls))
	if err != nil {
		t.Fatal(err)
	}
	second, err := store.Run(ctx, req, effect(200, &calls))
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 || second.Status != 400 || string(second.Body) != string(first.Body) || second.ContentType != first.ContentType {
		t.Errorf("calls %d, replay %+v", calls.Load(), second)
	}
	if count(t, pool, "effects") != 1 {
		t.Errorf("effect ran twice")
	}
	req.Fingerprint = "f2"
	if _, err := store.Run(ctx, req, effect(200, &calls)); !errors.Is(err, idempotency.ErrKeyMismatch) {
		t.Errorf("other fingerprint: %v", err)
	}
	req.Path = "/other"
	if _, err := store.Run(ctx, req, effect(200, &calls)); err != nil || calls.Load() != 2 {
		t.Errorf("other path: %v, calls %d", err, calls.Load())
	}
}

func TestFailuresAreNotStored(t *testing.T) {
	t.Parallel()
	pool, store, uid := setup(t)
	ctx := context.Background()
	req := idempotency.Request{Key: "k", UserID: uid, Method: "POST", Path: "/p", Fingerprint: "f"}
	var calls atomic.Int32
	res, err := store.Run(ctx, req, effect(503, &calls))
	if err != nil || res.Status != 503 {
		t.Fatalf("503: %+v %v", res, err)
	}
	boom := apperr.Invalid("No ids provided for deletion")
	_, err = store.Run(ctx, req, func(ctx context.Context, tx pgx.Tx) (idempotency.Response, error) {
		_, _ = effect(200, &calls)(ctx, tx)
		return idempotency.Response{}, boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error: %v", err)
	}
	if count(t, pool, "effects") != 0 || count(t, pool, "idempotency_records") != 0 {
		t.Errorf("a failed run left effects or a record")
	}
	if res, err := store.Run(ctx, req, effect(201, &calls)); err != nil || res.Status != 201 || count(t, pool, "effects") != 1 {
		t.Errorf("after failures: %+v %v", res, err)
	}
}

func TestWithoutKeyNothingIsStored(t *testing.T) {
	t.Parallel()
	pool, store, uid := setup(t)
	var calls atomic.Int32
	req := idempotency.Request{UserID: uid, Method: "POST", Path: "/p", Fingerprint: "f"}
	for range 2 {
		if _, err := store.Run(context.Background(), req, effect(200, &calls)); err != nil {
			t.Fatal(err)
		}
	}
	if calls.Load() != 2 || count(t, pool, "effects") != 2 || count(t, pool, "idempotency_records") != 0 {
		t.Errorf("calls %d", calls.Load())
	}
}

func TestConcurrentSameKeyRunsOnce(t *testing.T) {
	t.Parallel()
	pool, store, uid := setup(t)
	ctx := context.Background()
	req := idempotency.Request{Key: "k", UserID: uid, Method: "POST", Path: "/p", Fingerprint: "f"}
	started, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	done := make(chan error, 1)
	go func() {
		_, err := store.Run(ctx, req, func(ctx context.Context, tx pgx.Tx) (idempotency.Response, error) {
			close(started)
			<-release
			return effect(200, &calls)(ctx, tx)
		})
		done <- err
	}()
	<-started
	_, err := store.Run(ctx, req, effect(200, &calls))
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.GetStatus() != 409 || ae.Detail != "An operation with this Idempotency-Key is already in progress." {
		t.Errorf("concurrent run: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if res, err := store.Run(ctx, req, effect(200, &calls)); err != nil || res.Status != 200 {
		t.Errorf("after the first finished: %+v %v", res, err)
	}
	if calls.Load() != 1 || count(t, pool, "effects") != 1 {
		t.Errorf("ran %d times", calls.Load())
	}
}

func TestExpiredRecordsRunAgain(t *testing.T) {
	t.Parallel()
	pool, store, uid := setup(t)
	ctx := context.Background()
	req := idempotency.Request{Key: "k", UserID: uid, Method: "POST", Path: "/p", Fingerprint: "f"}
	var calls atomic.Int32
	if _, err := store.Run(ctx, req, effect(200, &calls)); err != nil {
		t.Fatal(err)
	}
	var expires time.Time
	if err := pool.QueryRow(ctx, `SELECT expires_at FROM idempotency_records`).Scan(&expires); err != nil {
		t.Fatal(err)
	}
	if d := time.Until(expires); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("record expires in %v", d)
	}
	if _, err := pool.Exec(ctx, `UPDATE idempotency_records SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	req.Fingerprint = "other" // an expired key is free for anything
	if _, err := store.Run(ctx, req, effect(200, &calls)); err != nil || calls.Load() != 2 {
		t.Errorf("expired: %v, calls %d", err, calls.Load())
	}
	if _, err := pool.Exec(ctx, `DELETE FROM users`); err != nil {
		t.Fatal(err)
	}
	if count(t, pool, "idempotency_records") != 0 {
		t.Errorf("records outlive their user")
	}
}

func TestFingerprints(t *testing.T) {
	t.Parallel()
	a := idempotency.FingerprintBody("application/json", []byte(`{"b": [1, 2], "a": {"y": 1, "x": 2}}`))
	b := idempotency.FingerprintBody("", []byte(`{"a":{"x":2,"y":1},"b":[1,2]}`))
	c := idempotency.FingerprintBody("application/json", []byte(`{"a":{"x":2,"y":1},"b":[2,1]}`))
	if a != b || a == c {
		t.Errorf("canonical JSON: %s %s %s", a, b, c)
	}
	if idempotency.FingerprintBody("text/plain", []byte("ids=1")) == idempotency.FingerprintBody("text/plain", []byte("ids=2")) {
		t.Errorf("raw bodies collide")
	}
	f := func(name string, data string) idempotency.FileDigest {
		sum := sha256.Sum256([]byte(data))
		return idempotency.FileDigest{Field: "files", Name: name, ContentType: "image/png", Size: int64(len(data)), SHA256: sum[:]}
	}
	x := idempotency.FingerprintDigests("v1", []idempotency.FileDigest{f("a", "xx"), f("b", "yy")})
	for _, other := range [][]idempotency.FileDigest{
		{f("a", "xy"), f("b", "yy")}, // same metadata, other bytes
		{f("b", "yy"), f("a", "xx")}, // other order
		{f("a", "xxy"), f("b", "y")}, // bytes moved between files
	} {
		if idempotency.FingerprintDigests("v1", other) == x {
			t.Errorf("collision with %v", other)
		}
	}
}
