// Package apperr defines the small set of domain errors every feature
// returns, and the one place where each maps to an HTTP status.
package apperr

import (
	"encoding/json"
	"net/http"
)

// Kind classifies a domain error.
type Kind int

// The kinds, each mapped to one HTTP status by Status.
const (
	KindInvalid Kind = iota + 1
	KindUnauthorized
	KindForbidden
	KindNotFound
	KindConflict
	KindTooMany
	KindUnavailable
	KindGone
)

// Error is a domain error with a client-facing message. It satisfies huma's
// StatusError so handlers can return it directly.
type Error struct {
	Kind   Kind
	Detail string
	// Extra fields merged into the JSON body (e.g. "email_verified": false).
	Extra map[string]any
	// StatusOverride forces a status the Kind does not map to (e.g. a 500
	// with a specific message).
	StatusOverride int
}

func (e *Error) Error() string { return e.Detail }

// GetStatus maps the kind to its HTTP status: the single mapping of the API.
func (e *Error) GetStatus() int {
	if e.StatusOverride != 0 {
		return e.StatusOverride
	}
	switch e.Kind {
	case KindInvalid:
		return http.StatusBadRequest
	case KindUnauthorized:
		return http.StatusUnauthorized
	case KindForbidden:
		return http.StatusForbidden
	case KindNotFound:
		return http.StatusNotFound
	case KindConflict:
		return http.StatusConflict
	case KindTooMany:
		return http.StatusTooManyRequests
	case KindUnavailable:
		return http.StatusServiceUnavailable
	case KindGone:
		return http.StatusGone
	}
	return http.StatusInternalServerError
}

// MarshalJSON writes {"detail": ..., plus Extra}.
func (e *Error) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(e.Extra)+1)
	for k, v := range e.Extra {
		m[k] = v
	}
	m["detail"] = e.Detail
	return json.Marshal(m)
}

// With returns a copy carrying extra body fields.
func (e *Error) With(key string, v any) *Error {
	c := *e
	c.Extra = make(map[string]any, len(e.Extra)+1)
	for k, val := range e.Extra {
		c.Extra[k] = val
	}
	c.Extra[key] = v
	return &c
}

// Invalid is a 400 with a message.
func Invalid(detail string) *Error { return &Error{Kind: KindInvalid, Detail: detail} }

// Unauthorized is a 401.
func Unauthorized(detail string) *Error { return &Error{Kind: KindUnauthorized, Detail: detail} }

// Forbidden is a 403.
func Forbidden(detail string) *Error { return &Error{Kind: KindForbidden, Detail: detail} }

// NotFound is a 404.
func NotFound(detail string) *Error { return &Error{Kind: KindNotFound, Detail: detail} }

// Conflict is a 409.
func Conflict(detail string) *Error { return &Error{Kind: KindConflict, Detail: detail} }

// TooMany is a 429.
func TooMany() *Error { return &Error{Kind: KindTooMany, Detail: "Too many requests."} }

// Unavailable is a 503.
func Unavailable(detail string) *Error { return &Error{Kind: KindUnavailable, Detail: detail} }

// NotFoundDefault is the generic 404 ("Not Found"), for ids that are
// malformed or unknown alike.
func NotFoundDefault() *Error { return NotFound("Not Found") }

// OrgNotFound is the byte-identical 404 for unknown and foreign orgs.
func OrgNotFound() *Error { return NotFound("Organization not found") }
