package accounts

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// optional is a body field that may be absent; Set tells absent from
// present. Its schema is T's, not nullable, so an explicit null is refused
// before decoding (httpapi.StrictInput).
type optional[T any] struct {
	Set   bool
	Value T
}

// UnmarshalJSON runs only for keys present in the body.
func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	return json.Unmarshal(b, &o.Value)
}

// Schema is T's: field tags such as maxLength still apply.
func (optional[T]) Schema(r huma.Registry) *huma.Schema {
	s := *r.Schema(reflect.TypeFor[T](), false, "")
	return &s
}

// ptr is nil when absent.
func (o optional[T]) ptr() *T {
	if !o.Set {
		return nil
	}
	return &o.Value
}

// emailError is the validation error of a malformed address.
func emailError(prefix *huma.PathBuffer, field string) error {
	return &huma.ErrorDetail{Location: prefix.With(field), Message: "Invalid email address"}
}

// checkEmail normalises *v in place and reports a malformed address.
func checkEmail(prefix *huma.PathBuffer, field string, v *string) []error {
	*v = NormalizeEmail(*v)
	if !ValidEmail(*v) {
		return []error{emailError(prefix, field)}
	}
	return nil
}

// nulErrors rejects NUL characters in fields that are stored: PostgreSQL
// text cannot hold them, and a 400 beats the 500 the insert would give.
func nulErrors(prefix *huma.PathBuffer, fields ...namedValue) []error {
	var errs []error
	for _, f := range fields {
		if strings.ContainsRune(f.value, 0) {
			errs = append(errs, &huma.ErrorDetail{Location: prefix.With(f.name), Message: "must not contain NUL characters"})
		}
	}
	return errs
}

type namedValue struct{ name, value string }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
