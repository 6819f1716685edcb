package ratelimit

import (
	"net/http"
	"strconv"
	"time"

	"apistarter/internal/apperr"

	"github.com/danielgtaylor/huma/v2"
)

// Result is the verdict for one request.
type Result struct {
	Allowed   bool
	Limit     int
	Remaining int
	// RetryAfter is how long to wait before the next request can pass
	// (zero when allowed).
	RetryAfter time.Duration
	// ResetAfter is how long until the bucket is full again.
	ResetAfter time.Duration
	// limited is false when limiting is disabled: no headers then.
	limited bool
}

func allowAll() Result { return Result{Allowed: true} }

// Headers are the RateLimit-* headers (draft-ietf-httpapi-ratelimit-headers,
// seconds rounded up) and, when denied, Retry-After.
func (r Result) Headers() http.Header {
	h := http.Header{}
	if !r.limited {
		return h
	}
	h.Set("RateLimit-Limit", strconv.Itoa(r.Limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(max(r.Remaining, 0)))
	h.Set("RateLimit-Reset", seconds(r.ResetAfter))
	if !r.Allowed {
		h.Set("Retry-After", seconds(max(r.RetryAfter, time.Second)))
	}
	return h
}

// Err is nil when the request may pass, else the 429
// {"detail":"Too many requests."} carrying the headers, ready to be returned
// from a huma handler.
func (r Result) Err() error {
	if r.Allowed {
		return nil
	}
	return huma.ErrorWithHeaders(apperr.TooMany(), r.Headers())
}

// TooMany is the 429 every throttle answers, with a Retry-After header
// (whole seconds, at least 1).
func TooMany(retryAfter time.Duration) error {
	h := http.Header{}
	h.Set("Retry-After", seconds(max(retryAfter, time.Second)))
	return huma.ErrorWithHeaders(apperr.TooMany(), h)
}

func seconds(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}
