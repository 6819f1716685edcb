package app_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"apistarter/internal/jobs"
	"apistarter/internal/testutil"

	"github.com/jackc/pgx/v5"
)

// BenchmarkOutboxTaskThroughput: tasks committed through the outbox by 16
// concurrent writers, relayed and run (no-op handler) by one worker; the
// figure is end-to-end tasks/s, commit to completed row.
func BenchmarkOutboxTaskThroughput(b *testing.B) {
	s := testutil.NewServer(b)
	var ran atomic.Int64
	s.App.Jobs.Handle("bench:noop", func(context.Context, []byte) error { ran.Add(1); return nil })
	w := s.App.NewWorker()
	w.Concurrency = 32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	task, _ := jobs.NewTask("bench:noop", jobs.QueueDefault, map[string]string{"to": "x@example.com"}, 3)

	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 16 {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				err := pgx.BeginFunc(ctx, s.App.DB, func(tx pgx.Tx) error {
					_, err := s.App.Outbox.Enqueue(ctx, tx, task)
					return err
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(5 * time.Minute)
	for ran.Load() < int64(b.N) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d tasks ran", ran.Load(), b.N)
		}
		time.Sleep(5 * time.Millisecond) // polling for completion with a deadline
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "tasks/s")
}
