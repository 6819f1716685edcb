package harness

import (
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Sample is the outcome of one request.
type Sample struct {
	Start   time.Time
	Latency time.Duration
	Status  int // 0: transport error
	OK      bool
}

// End is when the response had arrived.
func (s Sample) End() time.Time { return s.Start.Add(s.Latency) }

// Call sends req; the outcome is OK when the status is want.
func Call(ctx context.Context, c *Client, req Request, want int) Sample {
	start := time.Now()
	st, _, err := c.Do(ctx, req)
	return Sample{Start: start, Latency: time.Since(start), Status: st, OK: err == nil && st == want}
}

// Next builds the next request of a worker; rng is the worker's own.
type Next func(rng *rand.Rand, worker int) (Request, int)

// Drive runs concurrency workers, each sending requests from next back to
// back over c until ctx ends, and hands every outcome to record (called
// concurrently). A response is OK when its status is the one next gave.
func Drive(ctx context.Context, c *Client, concurrency int, next Next, record func(worker int, s Sample)) {
	var wg sync.WaitGroup
	for w := range concurrency {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w)+1, uint64(time.Now().UnixNano())))
			for ctx.Err() == nil {
				req, want := next(rng, w)
				s := Call(ctx, c, req, want)
				if ctx.Err() != nil && s.Status == 0 {
					return // cut off by the end of the run, not a failure
				}
				record(w, s)
			}
		})
	}
	wg.Wait()
}

// Result is the summary of one measured scenario.
type Result struct {
	Name     string         `json:"name"`
	Requests int            `json:"requests"`
	Seconds  float64        `json:"seconds"`
	RPS      float64        `json:"rps"`
	P50ms    float64        `json:"p50_ms"`
	P90ms    float64        `json:"p90_ms"`
	P99ms    float64        `json:"p99_ms"`
	MaxMs    float64        `json:"max_ms"`
	Errors   int            `json:"errors"`
	ByStatus map[string]int `json:"errors_by_status,omitempty"`
}

// Measure drives next for warmup (not recorded) and then duration, and
// summarises the recorded window: every latency is kept and sorted, so the
// percentiles are exact.
func Measure(ctx context.Context, c *Client, name string, concurrency int, warmup, duration time.Duration, next Next) Result {
	lat := make([][]time.Duration, concurrency)
	errs := make([]map[string]int, concurrency)
	for i := range errs {
		errs[i] = map[string]int{}
	}
	begin := time.Now().Add(warmup)
	end := begin.Add(duration)
	runCtx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	Drive(runCtx, c, concurrency, next, func(w int, s Sample) {
		if s.Start.Before(begin) || s.Start.Add(s.Latency).After(end) {
			return
		}
		lat[w] = append(lat[w], s.Latency)
		if !s.OK {
			errs[w][StatusKey(s.Status)]++
		}
	})
	all := slices.Concat(lat...)
	slices.Sort(all)
	r := Result{Name: name, Requests: len(all), Seconds: duration.Seconds(), ByStatus: map[string]int{}}
	for _, m := range errs {
		for k, v := range m {
			r.ByStatus[k] += v
			r.Errors += v
		}
	}
	if len(all) > 0 {
		r.RPS = float64(len(all)) / duration.Seconds()
		r.P50ms = ms(Percentile(all, 50))
		r.P90ms = ms(Percentile(all, 90))
		r.P99ms = ms(Percentile(all, 99))
		r.MaxMs = ms(all[len(all)-1])
	}
	return r
}

// Percentile of sorted durations (nearest rank).
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// StatusKey names a status in error counts; 0 is a transport error.
func StatusKey(st int) string {
	if st == 0 {
		return "transport"
	}
	return strconv.Itoa(st)
}
