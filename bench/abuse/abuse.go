package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"apistarter/bench/harness"
	"apistarter/internal/auth"

	"github.com/jackc/pgx/v5/pgxpool"
)

// abuseOptions are the knobs of the full-size run.
type abuseOptions struct {
	bin        string
	outDir     string
	pgAdmin    string
	dbName     string
	redisAddr  string
	redisDB    int
	bulk       int // concurrent bulk uploads
	avatars    int // concurrent avatar uploads
	filesEach  int // files per bulk upload
	width      int
	height     int
	budgetMiB  int
	ceilingMiB int // the process's peak RSS must stay under this
}

// zeroPNG is a valid w×h opaque black RGB PNG: a few hundred KB on the
// wire that decodes to the full w×h×4 bytes and goes through the whole
// pipeline (the largest file the budget admits: with an alpha plane, a
// 40 MP file is refused as over the budget).
func zeroPNG(w, h int) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 0xff
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type abuseResult struct {
	lat          []time.Duration
	meFailures   int
	readyChecks  int
	readyFailed  int
	statuses     map[string]map[int]int // route → status → count
	peakRSS      uint64
	retryAfterOK bool
	elapsed      time.Duration
}

func runAbuse(ctx context.Context, o *abuseOptions, stdout, log io.Writer) (bool, error) {
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return false, err
	}
	if _, err := os.Stat(bin); err != nil {
		return false, fmt.Errorf("binary %s missing (run make build): %w", o.bin, err)
	}
	logDir, err := filepath.Abs(filepath.Join(o.outDir, "logs"))
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return false, err
	}
	dir, err := os.MkdirTemp("", "apistarter-abuse-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	app := &harness.App{Bin: bin, Dir: dir, LogDir: logDir, Extra: map[string]string{
		"IMAGE_MEMORY_BUDGET_MIB": strconv.Itoa(o.budgetMiB),
	}}
	lease, err := harness.LeaseRedisDB(ctx, o.redisAddr, o.redisDB)
	if err != nil {
		return false, err
	}
	defer lease.Release()
	app.RedisURL = lease.URL()
	sink, err := harness.StartSink()
	if err != nil {
		return false, err
	}
	defer sink.Close()
	app.SMTPPort = sink.Port()
	if app.HTTPPort, err = harness.FreePort(); err != nil {
		return false, err
	}
	if app.DatabaseURL, err = harness.WithDatabase(o.pgAdmin, o.dbName); err != nil {
		return false, err
	}
	cfg, err := app.Config()
	if err != nil {
		return false, err
	}
	fmt.Fprintf(log, "abuse: database %s (recreated), redis db %d, logs in %s\n", o.dbName, lease.DB, logDir)
	if err := harness.RecreateDatabase(ctx, o.pgAdmin, o.dbName); err != nil {
		return false, err
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = harness.DropDatabase(dctx, o.pgAdmin, o.dbName)
	}()
	if err := app.Migrate(ctx); err != nil {
		return false, err
	}
	pool, err := pgxpool.New(ctx, app.DatabaseURL)
	if err != nil {
		return false, err
	}
	hasher := auth.NewHasher(auth.PasswordParams{MemoryKiB: cfg.PasswordHashMemoryKiB, Time: cfg.PasswordHashTime, Threads: cfg.PasswordHashThreads})
	hash, err := hasher.Hash(ctx, harness.Password)
	if err != nil {
		pool.Close()
		return false, err
	}
	users, err := (&harness.Seeder{Pool: pool, Progress: io.Discard}).Users(ctx, "abuse", 2, hash)
	pool.Close()
	if err != nil {
		return false, err
	}
	serve, err := app.StartServe(ctx, "serve")
	if err != nil {
		return false, err
	}
	defer func() { _ = serve.Stop(30 * time.Second) }()

	client := harness.NewClient(app.BaseURL(), 2*(o.bulk+o.avatars)+4, 5*time.Minute)
	defer client.Close()
	attacker, err := client.Login(ctx, users[0].Email, harness.Password)
	if err != nil {
		return false, err
	}
	victim, err := client.Login(ctx, users[1].Email, harness.Password)
	if err != nil {
		return false, err
	}
	img, err := zeroPNG(o.width, o.height)
	if err != nil {
		return false, err
	}
	fmt.Fprintf(log, "abuse: serve pid %d; %d bulk uploads × %d files and %d avatar uploads of %d×%d PNGs (%d KB each)\n",
		serve.Pid(), o.bulk, o.filesEach, o.avatars, o.width, o.height, len(img)>>10)

	res := &abuseResult{statuses: map[string]map[int]int{}}
	var mu sync.Mutex
	record := func(route string, st int, h http.Header) {
		mu.Lock()
		defer mu.Unlock()
		if res.statuses[route] == nil {
			res.statuses[route] = map[int]int{}
		}
		res.statuses[route][st]++
		if st == http.StatusServiceUnavailable && h.Get("Retry-After") != "" {
			res.retryAfterOK = true
		}
	}
	bulkBody, bulkCT := multipartFiles("files", img, o.filesEach)
	avatarBody, avatarCT := multipartFiles("file", img, 1)
	serve.ResetPeakRSS()
	start := time.Now()
	var wg sync.WaitGroup
	var left atomic.Int64
	left.Store(int64(o.bulk + o.avatars))
	fire := func(route, path string, body []byte, ct string) {
		defer wg.Done()
		defer left.Add(-1)
		st, h, err := post(ctx, client.HTTP, app.BaseURL()+path, attacker, body, ct)
		if err != nil {
			st = 0
		}
		record(route, st, h)
	}
	for range o.bulk {
		wg.Add(1)
		go fire("bulk-upload", "/api/v1/orgs/"+users[0].Slug+"/bulk-upload/", bulkBody, bulkCT)
	}
	for range o.avatars {
		wg.Add(1)
		go fire("users/avatar", "/api/v1/users/avatar", avatarBody, avatarCT)
	}
	// The other user polls until the flood is over.
	for left.Load() > 0 && ctx.Err() == nil {
		t0 := time.Now()
		st, _, err := client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/api/v1/users/me", Token: victim})
		res.lat = append(res.lat, time.Since(t0))
		if err != nil || st != http.StatusOK {
			res.meFailures++
		}
		st, _, err = client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/health/ready/"})
		res.readyChecks++
		if err != nil || st != http.StatusOK {
			res.readyFailed++
		}
		time.Sleep(20 * time.Millisecond) // a polling client, not a load generator
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.peakRSS = serve.PeakRSS()
	return report(stdout, o, res), nil
}

// multipartFiles is a multipart body with n copies of data under field.
func multipartFiles(field string, data []byte, n int) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := range n {
		part, _ := w.CreateFormFile(field, fmt.Sprintf("big-%d.png", i))
		_, _ = part.Write(data)
	}
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func post(ctx context.Context, c *http.Client, url, token string, body []byte, ct string) (int, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", ct)
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header, nil
}

// report prints the table and says whether the run passed.
func report(w io.Writer, o *abuseOptions, r *abuseResult) bool {
	slices.Sort(r.lat)
	pct := func(p float64) time.Duration {
		if len(r.lat) == 0 {
			return 0
		}
		return harness.Percentile(r.lat, p)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "figure\tvalue\n")
	fmt.Fprintf(tw, "flood\t%d bulk (×%d files) + %d avatar uploads of %d×%d, %s\n", o.bulk, o.filesEach, o.avatars, o.width, o.height, r.elapsed.Round(time.Millisecond))
	fmt.Fprintf(tw, "second user GET /users/me\t%d requests, p50 %s, p99 %s, failed %d\n", len(r.lat), pct(50).Round(time.Microsecond), pct(99).Round(time.Microsecond), r.meFailures)
	fmt.Fprintf(tw, "GET /health/ready/\t%d checks, %d not 200\n", r.readyChecks, r.readyFailed)
	fmt.Fprintf(tw, "serve peak RSS\t%d MiB (budget %d MiB, ceiling %d MiB)\n", r.peakRSS>>20, o.budgetMiB, o.ceilingMiB)
	for _, route := range slices.Sorted(maps.Keys(r.statuses)) {
		fmt.Fprintf(tw, "%s statuses\t%v\n", route, r.statuses[route])
	}
	n503 := r.statuses["bulk-upload"][503] + r.statuses["users/avatar"][503]
	fmt.Fprintf(tw, "503 (budget busy)\t%d, Retry-After present: %v\n", n503, r.retryAfterOK || n503 == 0)
	_ = tw.Flush()
	ok := true
	if r.readyFailed > 0 || r.meFailures > 0 {
		fmt.Fprintln(w, "FAIL: the second user or readiness was not served during the flood")
		ok = false
	}
	if r.peakRSS > uint64(o.ceilingMiB)<<20 {
		fmt.Fprintf(w, "FAIL: peak RSS %d MiB over the ceiling %d MiB\n", r.peakRSS>>20, o.ceilingMiB)
		ok = false
	}
	for route, st := range r.statuses {
		for code, n := range st {
			if code != 200 && code != 503 {
				fmt.Fprintf(w, "FAIL: %s answered %d %d times\n", route, code, n)
				ok = false
			}
		}
	}
	if ok {
		fmt.Fprintln(w, "PASS")
	}
	return ok
}
