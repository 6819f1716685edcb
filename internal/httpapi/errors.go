package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"

	"apistarter/internal/apperr"
	"apistarter/internal/logctx"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
)

// ValidationItem is one entry of a 400 validation error. Input values are
// never echoed.
type ValidationItem struct {
	Location []string `json:"location"`
	Message  string   `json:"message"`
	Type     string   `json:"type"`
}

// ErrorBody is the error envelope of every non-2xx response.
type ErrorBody struct {
	status    int
	Detail    string           `json:"detail"`
	Errors    []ValidationItem `json:"errors,omitempty"`
	RequestID string           `json:"request_id,omitempty"`
}

func (e *ErrorBody) Error() string  { return e.Detail }
func (e *ErrorBody) GetStatus() int { return e.status }

var installOnce sync.Once

// installErrorModel replaces huma's RFC 7807 errors with the API's
// {"detail": ...} envelope. huma exposes this hook only as a package variable.
func installErrorModel() {
	installOnce.Do(func() {
		huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
			var ctx context.Context = context.Background()
			if hctx != nil {
				ctx = hctx.Context()
			}
			return newError(ctx, status, msg, errs...)
		}
		huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
			return newError(context.Background(), status, msg, errs...)
		}
	})
}

func newError(ctx context.Context, status int, msg string, errs ...error) huma.StatusError {
	for _, err := range errs {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			return ae
		}
	}
	if status >= 500 {
		rid := logctx.RequestID(ctx)
		for _, err := range errs {
			if err != nil {
				logctx.Logger(ctx).Error("request failed", "error", err.Error())
			}
		}
		if status == http.StatusInternalServerError {
			for _, err := range errs {
				if err != nil && isBadInput(err) {
					return &ErrorBody{status: http.StatusBadRequest, Detail: "Invalid input."}
				}
				if err != nil && isUnavailable(err) {
					return &ErrorBody{status: http.StatusServiceUnavailable, Detail: "Service temporarily unavailable.", RequestID: rid}
				}
			}
			return &ErrorBody{status: status, Detail: "Internal server error.", RequestID: rid}
		}
		return &ErrorBody{status: status, Detail: http.StatusText(status), RequestID: rid}
	}
	if status == http.StatusUnprocessableEntity {
		status = http.StatusBadRequest
	}
	body := &ErrorBody{status: status, Detail: msg}
	var parts []string
	for _, err := range errs {
		if err == nil {
			continue
		}
		item := ValidationItem{Message: err.Error(), Type: "validation_error"}
		var d huma.ErrorDetailer
		if errors.As(err, &d) {
			det := d.ErrorDetail()
			item.Message = det.Message
			if det.Location != "" {
				item.Location = splitLocation(det.Location)
			}
		}
		if item.Location == nil {
			item.Location = []string{}
		}
		body.Errors = append(body.Errors, item)
		if len(item.Location) > 0 {
			parts = append(parts, strings.Join(item.Location, ".")+": "+item.Message)
		} else {
			parts = append(parts, item.Message)
		}
	}
	if len(parts) > 0 {
		body.Detail = strings.Join(parts, "; ")
	} else if body.Detail == "" {
		body.Detail = http.StatusText(status)
	}
	return body
}

func splitLocation(loc string) []string {
	loc = strings.NewReplacer("[", ".", "]", "").Replace(loc)
	return strings.Split(loc, ".")
}

// WriteError writes an error envelope outside huma (middleware, plain handlers).
func WriteError(w http.ResponseWriter, r *http.Request, status int, detail string) {
	body := map[string]any{"detail": detail}
	if status >= 500 {
		body["request_id"] = logctx.RequestID(r.Context())
	}
	WriteJSON(w, status, body)
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// isUnavailable reports errors meaning a dependency is down rather than a bug:
// they are answered 503 so clients retry.
func isUnavailable(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 08: connection exception; 57P0x: admin/crash shutdown, cannot
		// connect now; 53300: too many connections.
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P0") || pe.Code == "53300"
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, puddle.ErrClosedPool) || pgconn.SafeToRetry(err)
}

// isBadInput reports PostgreSQL data exceptions (class 22: invalid byte
// sequence, value too long, ...) that only client input can cause. They are
// a 400, never a 500; validation at the edge should catch them first.
func isBadInput(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && strings.HasPrefix(pe.Code, "22")
}
