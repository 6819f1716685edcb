package images_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"apistarter/internal/avatars"
	"apistarter/internal/images"
	"apistarter/internal/ratelimit"
	"apistarter/internal/storage"
	"apistarter/internal/testutil"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"
)

// gatedStore holds every Put until the gate opens: storage writes stand in
// for slow image work, so a test can look at the database while uploads
// are in the middle of it.
type gatedStore struct {
	storage.Storage
	gate    chan struct{}
	once    sync.Once
	waiting atomic.Int64
}

func newGatedStore(s storage.Storage) *gatedStore {
	return &gatedStore{Storage: s, gate: make(chan struct{})}
}

func (g *gatedStore) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	g.waiting.Add(1)
	select {
	case <-g.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	return g.Storage.Put(ctx, key, r, size, contentType)
}

// mountAvatars serves the avatar routes of svc, unthrottled.
func (e *env) mountAvatars(t *testing.T, svc *avatars.Service) string {
	t.Helper()
	limiter, err := ratelimit.New(ratelimit.Options{Enabled: false})
	if err != nil {
		t.Fatal(err)
	}
	return e.s.Mount(t, func(api huma.API) { avatars.Register(api, svc, limiter) }).URL
}

// idleInTx counts sessions of this test's database idle in a transaction.
// It asks on a connection of its own: the app's pool may be exhausted.
func (e *env) idleInTx(t testing.TB) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, e.s.Env["DATABASE_URL"])
	if err != nil {
		t.Fatalf("probe connection: %v", err)
	}
	defer conn.Close(context.Background())
	var n int64
	err = conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`).Scan(&n)
	if err != nil {
		t.Fatalf("pg_stat_activity: %v", err)
	}
	return n
}

// open lets the held writes through (once; safe to defer).
func (g *gatedStore) open() { g.once.Do(func() { close(g.gate) }) }

func TestBulkUploadHoldsNoTransactionDuringImageWork(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	store := newGatedStore(e.s.App.Storage.Private)
	base := e.mountImages(t, images.WithStorage(store))
	defer store.open()
	done := make(chan int, 1)
	go func() {
		st, _ := testutil.UploadTo(t, base, e.org+"/bulk-upload/", e.alice.Token, map[string]string{"Idempotency-Key": "k1"},
			files(2, testutil.PNG(t, 32, 32))...)
		done <- st
	}()
	if !testutil.Poll(10*time.Second, func() bool { return store.waiting.Load() > 0 }) {
		t.Fatal("upload never reached storage")
	}
	if n := e.idleInTx(t); n != 0 {
		t.Errorf("%d sessions idle in transaction while the upload stores its files", n)
	}
	store.open()
	if st := <-done; st != http.StatusOK {
		t.Errorf("upload: %d", st)
	}
	if n := testutil.Scalar[int64](t, e.s, `SELECT count(*) FROM images`); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
}

// TestImageFloodLeavesOtherUsersServed: one user keeps many bulk and avatar
// uploads in the middle of their image work; meanwhile another user is
// answered, readiness stays 200 and the pool keeps free connections. Then,
// with the image budget taken, uploads are refused after a bounded wait
// with 503 and Retry-After.
func TestImageFloodLeavesOtherUsersServed(t *testing.T) {
	t.Parallel()
	const n = 20 // more than the pool's 16 connections
	e := newEnv(t, testutil.WithEnv("IMAGE_BUDGET_WAIT", "300ms"))
	bob := e.s.CreateUser(t, "bob")
	private := newGatedStore(e.s.App.Storage.Private)
	public := newGatedStore(e.s.App.Storage.Public)
	imagesBase := e.mountImages(t, images.WithStorage(private), images.WithBudget(e.s.App.ImageBudget))
	avatarSvc := avatars.NewService(e.s.App.DB, e.s.App.Storage, e.s.App.Outbox, avatars.WithStorage(public), avatars.WithBudget(e.s.App.ImageBudget))
	avatarBase := e.mountAvatars(t, avatarSvc)
	defer private.open()
	defer public.open()

	var wg sync.WaitGroup
	statuses := make(chan string, 2*n)
	img := testutil.PNG(t, 48, 32)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			st, body := testutil.UploadTo(t, imagesBase, e.org+"/bulk-upload/", e.alice.Token, map[string]string{"Idempotency-Key": fmt.Sprint("flood-", i)}, files(2, img)...)
			statuses <- fmt.Sprintf("bulk %d: %d %s", i, st, body)
		}()
		go func() {
			defer wg.Done()
			st, body := testutil.UploadTo(t, avatarBase, "/api/v1/users/avatar", e.alice.Token, nil, file("a.png", img))
			statuses <- fmt.Sprintf("avatar %d: %d %s", i, st, body)
		}()
	}
	reached := testutil.Poll(15*time.Second, func() bool { return private.waiting.Load() >= n && public.waiting.Load() >= n })
	t.Logf("uploads in their storage step: bulk %d, avatar %d of %d each (all reached: %v)", private.waiting.Load(), public.waiting.Load(), n, reached)

	client := &http.Client{Timeout: 5 * time.Second}
	get := func(path, token string) (int, time.Duration) {
		req, _ := http.NewRequest(http.MethodGet, e.s.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, time.Since(start)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode, time.Since(start)
	}
	var lat []time.Duration
	maxConns := e.s.App.DB.Stat().MaxConns()
	for i := range 50 {
		if t.Failed() && i >= 3 {
			break // the point is made; do not wait out every timeout
		}
		st, d := get("/api/v1/users/me", bob.Token)
		lat = append(lat, d)
		if st != http.StatusOK {
			t.Errorf("GET /users/me #%d during the flood: %d after %s", i, st, d)
		}
		if st, d := get("/health/ready/", ""); st != http.StatusOK {
			t.Errorf("GET /health/ready/ #%d during the flood: %d after %s", i, st, d)
		}
		if acquired := e.s.App.DB.Stat().AcquiredConns(); acquired >= maxConns {
			t.Errorf("pool exhausted during the flood: %d of %d connections acquired", acquired, maxConns)
		}
	}
	if n := e.idleInTx(t); n != 0 {
		t.Errorf("%d sessions idle in transaction during the flood", n)
	}
	slices.Sort(lat)
	t.Logf("second user's GET /users/me during the flood: p50 %s, p99 %s (%d requests)", lat[len(lat)/2], lat[len(lat)*99/100], len(lat))

	private.open()
	public.open()
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if !strings.Contains(s, ": 200 ") {
			t.Errorf("%s", s)
		}
	}

	// The budget taken whole: uploads declaring 16 MP wait a bounded time, then 503.
	budget := e.s.App.ImageBudget
	release, err := budget.Acquire(context.Background(), budget.Size())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	bomb := testutil.PNGBomb(4000, 4000)
	for _, up := range []struct{ base, path string }{
		{imagesBase, e.org + "/bulk-upload/"}, {imagesBase, e.org + "/images/"}, {avatarBase, "/api/v1/users/avatar"},
	} {
		field := "file"
		if strings.HasSuffix(up.path, "bulk-upload/") {
			field = "files"
		}
		body, ct := testutil.Multipart(t, testutil.FormFile{Field: field, Name: "big.png", Data: bomb})
		req, _ := http.NewRequest(http.MethodPost, up.base+up.path, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+e.alice.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		st, out := testutil.ReadResponse(t, resp)
		if st != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || out != `{"detail":"`+images.MsgBusy+`"}`+"\n" {
			t.Errorf("%s with the budget taken: %d %q Retry-After %q", up.path, st, out, resp.Header.Get("Retry-After"))
		}
	}
	release()

	// A file that could never fit in the budget (40 MP with an alpha plane)
	// is refused at once rather than run over it.
	st, out := testutil.UploadTo(t, imagesBase, e.org+"/images/", e.alice.Token, nil, file("huge.png", testutil.PNGBomb(8000, 5000)))
	if st != http.StatusBadRequest || out != `{"detail":"Image dimensions exceed the allowed limit."}`+"\n" {
		t.Errorf("over-budget file: %d %s", st, out)
	}
}
