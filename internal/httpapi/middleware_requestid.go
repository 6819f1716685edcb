package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"

	"apistarter/internal/logctx"
)

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// NewRequestID returns 32 random hex characters.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// RequestIDMiddleware keeps a well-formed client X-Request-ID, else makes one,
// and echoes it on every response.
func RequestIDMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !validRequestID.MatchString(id) {
			id = NewRequestID()
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(logctx.WithRequestID(r.Context(), id)))
	})
}
