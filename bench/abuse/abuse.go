package abuse

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
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"apistarter/bench/harness"
)

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

// result is what the flood did.
type result struct {
	StartedAt   time.Time `json:"started_at"`
	lat         []time.Duration
	Requests    int                       `json:"second_user_requests"`
	P50ms       float64                   `json:"second_user_p50_ms"`
	P99ms       float64                   `json:"second_user_p99_ms"`
	MeFailures  int                       `json:"second_user_failures"`
	ReadyChecks int                       `json:"ready_checks"`
	ReadyFailed int                       `json:"ready_failed"`
	Statuses    map[string]map[string]int `json:"statuses"` // route → status → count
	PeakRSSMiB  uint64                    `json:"serve_peak_rss_mib"`
	RetryAfter  bool                      `json:"retry_after_on_503"`
	Seconds     float64                   `json:"seconds"`
	Settings    map[string]any            `json:"settings"`
}

// flood runs the attacker's uploads and the second user's polling against
// one serve process.
func flood(ctx context.Context, o *options, log io.Writer) (*harness.Report, error) {
	r, err := harness.NewRig("abuse", &o.Options, "logs", log)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	r.App.Extra["IMAGE_MEMORY_BUDGET_MIB"] = strconv.Itoa(o.budgetMiB)
	if err := r.UseSharedServers(ctx, &o.Servers, true); err != nil {
		return nil, err
	}
	if err := r.Migrate(ctx, r.App.DatabaseURL, 0); err != nil {
		return nil, err
	}
	seeder, err := r.Seeder(ctx)
	if err != nil {
		return nil, err
	}
	seeder.Progress = io.Discard
	users, err := seeder.Users(ctx, "abuse", 2)
	if err != nil {
		return nil, err
	}
	serve, err := r.Start(ctx, "serve", "serve", 0)
	if err != nil {
		return nil, err
	}
	client := r.Client("", 2*(o.bulk+o.avatars)+4, 5*time.Minute)
	tokens, err := harness.LoginAll(ctx, client, users)
	if err != nil {
		return nil, err
	}
	attacker, victim := tokens[0], tokens[1]
	img, err := zeroPNG(o.width, o.height)
	if err != nil {
		return nil, err
	}
	r.Logf("serve pid %d; %d bulk uploads × %d files and %d avatar uploads of %d×%d PNGs (%d KB each)",
		serve.Pid(), o.bulk, o.filesEach, o.avatars, o.width, o.height, len(img)>>10)

	res := &result{StartedAt: time.Now().UTC(), Statuses: map[string]map[string]int{}, Settings: map[string]any{
		"bulk": o.bulk, "files": o.filesEach, "avatars": o.avatars, "width": o.width, "height": o.height,
		"budget_mib": o.budgetMiB, "ceiling_mib": o.ceilingMiB}}
	var mu sync.Mutex
	record := func(route string, st int, h http.Header) {
		mu.Lock()
		defer mu.Unlock()
		if res.Statuses[route] == nil {
			res.Statuses[route] = map[string]int{}
		}
		res.Statuses[route][harness.StatusKey(st)]++
		if st == http.StatusServiceUnavailable && h.Get("Retry-After") != "" {
			res.RetryAfter = true
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
		st, h, err := post(ctx, client.HTTP, r.App.BaseURL()+path, attacker, body, ct)
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
		s := harness.Call(ctx, client, harness.Request{Method: http.MethodGet, Path: "/api/v1/users/me", Token: victim}, http.StatusOK)
		res.lat = append(res.lat, s.Latency)
		if !s.OK {
			res.MeFailures++
		}
		res.ReadyChecks++
		if !harness.Call(ctx, client, harness.Request{Method: http.MethodGet, Path: "/health/ready/"}, http.StatusOK).OK {
			res.ReadyFailed++
		}
		_ = harness.Sleep(ctx, 20*time.Millisecond) // a polling client, not a load generator
	}
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	res.PeakRSSMiB = serve.PeakRSS() >> 20
	return res.table(o), nil
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

// table is the result as a table above its verdict.
func (res *result) table(o *options) *harness.Report {
	slices.Sort(res.lat)
	res.Requests = len(res.lat)
	res.P50ms = float64(harness.Percentile(res.lat, 50).Microseconds()) / 1000
	res.P99ms = float64(harness.Percentile(res.lat, 99).Microseconds()) / 1000
	n503 := res.Statuses["bulk-upload"]["503"] + res.Statuses["users/avatar"]["503"]
	rep := &harness.Report{Name: "abuse", Started: res.StartedAt, Data: res, Pass: true,
		Title: []string{"apistarter abuse — " + res.StartedAt.Format("2006-01-02 15:04 UTC") + "; one user floods image work, another polls"},
		Rows: [][]string{{"figure", "value"},
			{"flood", fmt.Sprintf("%d bulk (×%d files) + %d avatar uploads of %d×%d, %.1f s", o.bulk, o.filesEach, o.avatars, o.width, o.height, res.Seconds)},
			{"second user GET /users/me", fmt.Sprintf("%d requests, p50 %.2f ms, p99 %.2f ms, failed %d", res.Requests, res.P50ms, res.P99ms, res.MeFailures)},
			{"GET /health/ready/", fmt.Sprintf("%d checks, %d not 200", res.ReadyChecks, res.ReadyFailed)},
			{"serve peak RSS", fmt.Sprintf("%d MiB (budget %d MiB, ceiling %d MiB)", res.PeakRSSMiB, o.budgetMiB, o.ceilingMiB)},
		}}
	for _, route := range slices.Sorted(maps.Keys(res.Statuses)) {
		rep.Rows = append(rep.Rows, []string{route + " statuses", harness.Counts(res.Statuses[route])})
	}
	rep.Rows = append(rep.Rows, []string{"503 (budget busy)", fmt.Sprintf("%d, Retry-After present: %v", n503, res.RetryAfter || n503 == 0)})
	fail := func(format string, args ...any) {
		rep.Footer = append(rep.Footer, "FAIL: "+fmt.Sprintf(format, args...))
		rep.Pass = false
	}
	if res.ReadyFailed > 0 || res.MeFailures > 0 {
		fail("the second user or readiness was not served during the flood")
	}
	if res.PeakRSSMiB > uint64(o.ceilingMiB) {
		fail("peak RSS %d MiB over the ceiling %d MiB", res.PeakRSSMiB, o.ceilingMiB)
	}
	for _, route := range slices.Sorted(maps.Keys(res.Statuses)) {
		for code, n := range res.Statuses[route] {
			if code != "200" && code != "503" {
				fail("%s answered %s %d times", route, code, n)
			}
		}
	}
	if rep.Pass {
		rep.Footer = append(rep.Footer, "PASS")
	}
	return rep
}
