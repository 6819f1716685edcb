package images_test

import (
	"context"
	"errors"
	"image"
	"image/color"
	"testing"
	"time"

	"apistarter/internal/images"
)

func TestBudgetAcquireRelease(t *testing.T) {
	t.Parallel()
	b := images.NewBudget(100, time.Second)
	r1, err := b.Acquire(context.Background(), 60)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := b.Acquire(context.Background(), 40)
	if err != nil {
		t.Fatal(err)
	}
	if b.InUse() != 100 {
		t.Errorf("in use %d, want 100", b.InUse())
	}
	r1()
	r1() // idempotent: must not free r2's share
	if b.InUse() != 40 {
		t.Errorf("in use %d after one release, want 40", b.InUse())
	}
	r2()
	if b.InUse() != 0 {
		t.Errorf("in use %d after both releases", b.InUse())
	}
}

func TestBudgetRefusesAfterBoundedWait(t *testing.T) {
	t.Parallel()
	b := images.NewBudget(100, 50*time.Millisecond)
	hold, err := b.Acquire(context.Background(), 80)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Acquire(context.Background(), 30); !errors.Is(err, images.ErrBusy) {
		t.Fatalf("over budget: %v, want ErrBusy", err)
	}
	// A waiter is served once a holder releases within the wait.
	b2 := images.NewBudget(100, time.Minute)
	hold2, _ := b2.Acquire(context.Background(), 100)
	got := make(chan error, 1)
	go func() {
		r, err := b2.Acquire(context.Background(), 10)
		if err == nil {
			r()
		}
		got <- err
	}()
	hold2()
	if err := <-got; err != nil {
		t.Errorf("waiter after release: %v", err)
	}
	hold()
}

func TestBudgetOversizedJobTakesTheWholeBudget(t *testing.T) {
	t.Parallel()
	b := images.NewBudget(100, 50*time.Millisecond)
	r, err := b.Acquire(context.Background(), 1000)
	if err != nil {
		t.Fatalf("job larger than the budget: %v", err)
	}
	if b.InUse() != 100 {
		t.Errorf("in use %d, want the whole budget", b.InUse())
	}
	if _, err := b.Acquire(context.Background(), 1); !errors.Is(err, images.ErrBusy) {
		t.Errorf("while the whole budget is taken: %v", err)
	}
	r()
}

func TestBudgetStopsWaitingWhenTheRequestEnds(t *testing.T) {
	t.Parallel()
	b := images.NewBudget(10, time.Minute)
	hold, _ := b.Acquire(context.Background(), 10)
	defer hold()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Acquire(ctx, 5); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled request: %v", err)
	}
}

func TestEstimateGrowsWithDeclaredSizeAndFormat(t *testing.T) {
	t.Parallel()
	lim := images.DefaultLimits()
	small := images.Estimate(images.Header{Format: images.FormatJPEG, Known: true, Config: cfg(100, 100)}, lim, false)
	large := images.Estimate(images.Header{Format: images.FormatJPEG, Known: true, Config: cfg(8000, 5000)}, lim, false)
	prog := images.Estimate(images.Header{Format: images.FormatJPEG, Known: true, Progressive: true, Config: cfg(8000, 5000)}, lim, false)
	unknown := images.Estimate(images.Header{Format: images.FormatJPEG}, lim, false)
	if !(small < large && large < prog && prog <= unknown) {
		t.Errorf("estimates small %d, large %d, progressive %d, unknown %d", small, large, prog, unknown)
	}
}

func cfg(w, h int) image.Config {
	return image.Config{Width: w, Height: h, ColorModel: color.YCbCrModel}
}
