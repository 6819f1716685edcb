package images

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"apistarter/internal/apperr"

	"github.com/danielgtaylor/huma/v2"
	"golang.org/x/sync/semaphore"
)

// Budget is the process-wide memory budget of image work: library uploads,
// bulk uploads, user and contact avatars all reserve their estimated peak
// bytes (Estimate) from it before reading a file past its header, and give
// them back when the file is rendered. A reservation that is not granted
// within the wait is refused (ErrBusy, a 503 with Retry-After), so a flood
// of large images queues for a bounded time and never holds more memory
// than the budget.
type Budget struct {
	sem   *semaphore.Weighted
	size  int64
	wait  time.Duration
	inUse atomic.Int64
}

// Budget defaults: see docs/images-memory.md for the measurements behind them.
const (
	DefaultBudgetBytes = 768 << 20
	DefaultBudgetWait  = 10 * time.Second
)

// reclaimAbove is the reservation from which releasing it returns the
// freed memory to the OS at once (a full collection: milliseconds, against
// seconds of image work).
const reclaimAbove = 128 << 20

// ErrBusy is a reservation not granted within the budget's wait.
var ErrBusy = errors.New("images: image memory budget busy")

// NewBudget returns a budget of size bytes whose reservations wait at most wait.
func NewBudget(size int64, wait time.Duration) *Budget {
	size = max(size, 1)
	return &Budget{sem: semaphore.NewWeighted(size), size: size, wait: wait}
}

// Size is the whole budget in bytes.
func (b *Budget) Size() int64 { return b.size }

// InUse is the number of bytes reserved right now.
func (b *Budget) InUse() int64 { return b.inUse.Load() }

// Acquire reserves n bytes, waiting at most the budget's wait (and never
// past ctx). A job larger than the whole budget reserves all of it, so it
// runs alone rather than never. The returned release is idempotent.
func (b *Budget) Acquire(ctx context.Context, n int64) (func(), error) {
	n = min(max(n, 1), b.size)
	wctx, cancel := context.WithTimeout(ctx, b.wait)
	defer cancel()
	if err := b.sem.Acquire(wctx, n); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %d bytes not free within %s", ErrBusy, n, b.wait)
	}
	b.inUse.Add(n)
	var once sync.Once
	return func() {
		once.Do(func() {
			if n >= reclaimAbove {
				// The job's pixels are garbage now, but the heap keeps them
				// resident until a collection, and a big next job would add its
				// own on top: return them before handing the bytes on.
				debug.FreeOSMemory()
			}
			b.inUse.Add(-n)
			b.sem.Release(n)
		})
	}, nil
}

// RetryAfter is what a refused client is told to wait.
func (b *Budget) RetryAfter() time.Duration { return max(b.wait, time.Second) }

// MsgBusy is the detail of the 503 of a refused reservation.
const MsgBusy = "Image processing is busy. Retry later."

// BusyError is the 503 with Retry-After of a reservation refused by b.
func BusyError(b *Budget) error {
	h := http.Header{}
	h.Set("Retry-After", strconv.FormatInt(int64((b.RetryAfter()+time.Second-1)/time.Second), 10))
	return huma.ErrorWithHeaders(apperr.Unavailable(MsgBusy), h)
}
