package contacts

import (
	"encoding/json"
	"reflect"

	"github.com/danielgtaylor/huma/v2"
)

// Optional is a JSON body field that tells an absent key, an explicit null
// and a value apart (PATCH semantics: null clears, absent keeps).
type Optional[T any] struct {
	Set   bool // the key was in the body
	Null  bool // ... with the value null
	Value T
}

// UnmarshalJSON is called only for keys present in the body, null included.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// Schema documents (and makes huma validate) T or null; field tags such as
// maxLength still apply.
func (Optional[T]) Schema(r huma.Registry) *huma.Schema {
	s := *r.Schema(reflect.TypeFor[T](), false, "")
	s.Nullable = true
	return &s
}

// Val returns the value, or the zero value for absent or null.
func (o Optional[T]) Val() T {
	if !o.Set || o.Null {
		var zero T
		return zero
	}
	return o.Value
}

// Ptr returns nil when the key was absent, else the value (zero for null).
func (o Optional[T]) Ptr() *T {
	if !o.Set {
		return nil
	}
	v := o.Val()
	return &v
}
