package exports_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"apistarter/internal/testutil"

	"github.com/google/uuid"
)

// BenchmarkExport exports orgs of 10k and 100k contacts (1M with
// EXPORT_BENCH_1M=1), each with tags on every contact and 20 images of
// 256 KiB, into local storage, and reports contacts/s and peak memory: the
// Go heap sampled every 5 ms and the process's peak RSS (VmHWM, reset before
// each run). Run it with
//
//	go test -run '^$' -bench BenchmarkExport -benchtime 1x ./internal/exports/
func BenchmarkExport(b *testing.B) {
	sizes := []int{10_000, 100_000}
	if os.Getenv("EXPORT_BENCH_1M") == "1" {
		sizes = append(sizes, 1_000_000)
	}
	s := testutil.NewServer(b)
	svc := s.App.ExportsService()
	owner := s.CreateUser(b, "bench")
	for _, n := range sizes {
		b.Run(fmt.Sprintf("contacts=%d", n), func(b *testing.B) {
			orgID := s.CreateGroupOrg(b, owner, fmt.Sprintf("bench-%d", n))
			seedBench(b, s, orgID, owner.ID, n)
			ctx := context.Background()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				id := uuid.New()
				testutil.Exec(b, s, `INSERT INTO export_jobs (id, organization_id, requested_by_id) VALUES ($1, $2, $3)`, id, orgID, owner.ID)
				runtime.GC()
				resetPeakRSS()
				stop := sampleHeap()
				b.StartTimer()
				start := time.Now()
				if err := svc.Run(ctx, id); err != nil {
					b.Fatal(err)
				}
				elapsed := time.Since(start)
				b.StopTimer()
				heap := stop()
				rss := peakRSS()
				var status string
				if err := s.App.DB.QueryRow(ctx, `SELECT status FROM export_jobs WHERE id = $1`, id).Scan(&status); err != nil || status != "ready" {
					b.Fatalf("job %s: %v", status, err)
				}
				rate := float64(n) / elapsed.Seconds()
				b.ReportMetric(elapsed.Seconds(), "s/export")
				b.ReportMetric(rate, "contacts/s")
				b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MiB")
				fmt.Printf("export %8d contacts: %6.2f s, %8.0f contacts/s, peak heap %6.1f MiB, peak RSS %6.1f MiB\n",
					n, elapsed.Seconds(), rate, float64(heap)/(1<<20), float64(rss)/(1<<20))
				b.StartTimer()
			}
		})
	}
}

// seedBench inserts n contacts, 20 tags (one per contact) and 20 images,
// server-side.
func seedBench(b *testing.B, s *testutil.Server, orgID, creatorID int64, n int) {
	b.Helper()
	testutil.Exec(b, s, `INSERT INTO contacts (organization_id, creator_id, display_name, slug, first_name, last_name, email, location, phone, notes)
		SELECT $1, $2, 'Contact ' || g, 'contact-' || g, 'First' || g, 'Last' || g, 'c' || g || '@example.com',
		       'City ' || (g % 100), '+1555' || lpad(g::text, 7, '0'), 'Met at conference ' || (g % 37) || '; follow up about order ' || g
		FROM generate_series(1, $3::int) g`, orgID, creatorID, n)
	testutil.Exec(b, s, `INSERT INTO tags (organization_id, name, slug) SELECT $1, 'Tag ' || g, 'tag-' || g FROM generate_series(0, 19) g`, orgID)
	testutil.Exec(b, s, `INSERT INTO tagged_items (tag_id, target_type, object_id)
		SELECT t.id, 'contacts.contact', c.id FROM contacts c
		JOIN tags t ON t.organization_id = c.organization_id AND t.slug = 'tag-' || (c.id % 20)
		WHERE c.organization_id = $1`, orgID)
	img := make([]byte, 256<<10)
	for i := range 20 {
		_, _ = rand.Read(img)
		key := fmt.Sprintf("private/images/%d/%s.webp", orgID, uuid.NewString())
		if err := s.App.Storage.Private.Put(context.Background(), key, bytes.NewReader(img), int64(len(img)), ""); err != nil {
			b.Fatal(err)
		}
		testutil.Exec(b, s, `INSERT INTO images (organization_id, creator_id, file, title) VALUES ($1, $2, $3, $4)`, orgID, creatorID, key, fmt.Sprint("image ", i))
	}
	testutil.Exec(b, s, `ANALYZE contacts, tags, tagged_items, images`)
}

// sampleHeap samples HeapInuse every 5 ms until the returned func is called;
// it returns the maximum seen.
func sampleHeap() func() uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		var m runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); <-stopped; return peak.Load() }
}

// resetPeakRSS resets VmHWM (Linux: "5" to clear_refs); elsewhere a no-op.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS reads VmHWM in bytes (0 where /proc is unavailable).
func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
