package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// StrictInput is a huma middleware applying, from each operation's own
// schema, the input rules huma leaves out, so that every route follows them
// without code of its own:
//
//   - an explicit JSON null is refused for any body property (at any depth)
//     and any array item whose schema is not nullable; huma reads null on an
//     optional field as "absent";
//   - a required body that is empty or the JSON null is refused;
//   - an enumerated query parameter sent empty ("?sort_by=") is refused like
//     any other value outside its set; huma reads it as absent.
//
// It runs after authentication and the org scope, before huma's own
// validation, and answers with the same validation envelope.
func StrictInput(api huma.API) func(huma.Context, func(huma.Context)) {
	registry := api.OpenAPI().Components.Schemas
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation()
		if op == nil {
			next(ctx)
			return
		}
		if errs := emptyEnumQuery(ctx, op, registry); len(errs) > 0 {
			_ = huma.WriteErr(api, ctx, http.StatusUnprocessableEntity, "validation failed", errs...)
			return
		}
		if empty := emptyQuery(ctx, op); len(empty) > 0 {
			ctx = huma.WithValue(ctx, emptyQueryKey{}, empty)
		}
		schema := jsonBodySchema(ctx, op)
		if schema == nil {
			next(ctx)
			return
		}
		limit := op.MaxBodyBytes
		if limit <= 0 {
			limit = 1 << 20
		}
		body, err := io.ReadAll(io.LimitReader(ctx.BodyReader(), limit+1))
		rest := io.MultiReader(bytes.NewReader(body), ctx.BodyReader())
		if err != nil || int64(len(body)) > limit {
			// Let huma report the oversized or broken body as it does.
			next(&bodyContext{humaContext: ctx, body: rest})
			return
		}
		if errs := checkBody(body, op.RequestBody.Required, schema, registry); len(errs) > 0 {
			_ = huma.WriteErr(api, ctx, http.StatusUnprocessableEntity, "validation failed", errs...)
			return
		}
		next(&bodyContext{humaContext: ctx, body: bytes.NewReader(body)})
	}
}

// humaContext lets bodyContext embed huma.Context, whose Context method
// would clash with the embedded field's default name.
type humaContext = huma.Context

// bodyContext hands the already read body to the next handler.
type bodyContext struct {
	humaContext
	body io.Reader
}

func (c *bodyContext) BodyReader() io.Reader { return c.body }
func (c *bodyContext) Unwrap() huma.Context  { return c.humaContext }

// jsonBodySchema is the schema of the operation's JSON request body when
// this request sends (or defaults to) JSON; nil otherwise (no body,
// multipart uploads, other media types).
func jsonBodySchema(ctx huma.Context, op *huma.Operation) *huma.Schema {
	if op.RequestBody == nil || op.RequestBody.Content == nil {
		return nil
	}
	mt := op.RequestBody.Content["application/json"]
	if mt == nil || mt.Schema == nil {
		return nil
	}
	if ct := ctx.Header("Content-Type"); ct != "" {
		media, _, err := mime.ParseMediaType(ct)
		if err != nil || (media != "application/json" && !strings.HasSuffix(media, "+json")) {
			return nil
		}
	}
	return mt.Schema
}

// checkBody reports a missing or null required body, and every null whose
// schema does not allow it. A body that is not JSON is left to huma.
func checkBody(body []byte, required bool, schema *huma.Schema, registry huma.Registry) []error {
	trimmed := bytes.TrimSpace(body)
	if required && (len(trimmed) == 0 || string(trimmed) == "null") {
		return []error{&huma.ErrorDetail{Location: "body", Message: "request body is required"}}
	}
	// A JSON null is always the literal token: a body without those bytes
	// has none, and the common write skips this second parse.
	if len(trimmed) == 0 || !bytes.Contains(trimmed, []byte("null")) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	var errs []error
	walkNulls(v, schema, registry, "body", &errs, 0)
	return errs
}

// maxSchemaDepth stops the walk on pathological (recursive) schemas.
const maxSchemaDepth = 32

// walkNulls appends an error for each null in v at a place whose schema is
// not nullable. Parts the schema does not describe (extra keys, oneOf) are
// left to huma's validation.
func walkNulls(v any, s *huma.Schema, registry huma.Registry, loc string, errs *[]error, depth int) {
	if s == nil || depth > maxSchemaDepth {
		return
	}
	if s.Ref != "" {
		s = registry.SchemaFromRef(s.Ref)
		if s == nil {
			return
		}
	}
	if v == nil {
		if !s.Nullable && loc != "body" {
			*errs = append(*errs, &huma.ErrorDetail{Location: loc, Message: "must not be null"})
		}
		return
	}
	switch vv := v.(type) {
	case map[string]any:
		for name, prop := range s.Properties {
			if pv, ok := vv[name]; ok {
				walkNulls(pv, prop, registry, loc+"."+name, errs, depth+1)
			}
		}
	case []any:
		for i, item := range vv {
			walkNulls(item, s.Items, registry, loc+"["+strconv.Itoa(i)+"]", errs, depth+1)
		}
	}
}

// emptyEnumQuery reports each enumerated query parameter that is present
// with an empty value, with huma's message for a value outside the set.
func emptyEnumQuery(ctx huma.Context, op *huma.Operation, registry huma.Registry) []error {
	var query map[string][]string
	var errs []error
	for _, p := range op.Parameters {
		if p == nil || p.In != "query" || p.Schema == nil {
			continue
		}
		s := p.Schema
		if s.Ref != "" {
			s = registry.SchemaFromRef(s.Ref)
		}
		if s != nil && s.Type == huma.TypeArray && s.Items != nil {
			s = s.Items
		}
		if s == nil || len(s.Enum) == 0 {
			continue
		}
		if query == nil {
			u := ctx.URL()
			query = u.Query()
		}
		vals, ok := query[p.Name]
		if !ok {
			continue
		}
		for _, v := range vals {
			if v == "" {
				errs = append(errs, &huma.ErrorDetail{Location: "query." + p.Name, Message: fmt.Sprintf("expected value to be one of %q", enumList(s.Enum))})
				break
			}
		}
	}
	return errs
}

func enumList(values []any) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}

type emptyQueryKey struct{}

// emptyQuery lists the declared query parameters sent with an empty value.
func emptyQuery(ctx huma.Context, op *huma.Operation) []string {
	u := ctx.URL()
	if u.RawQuery == "" {
		return nil
	}
	query := u.Query()
	var names []string
	for _, p := range op.Parameters {
		if p == nil || p.In != "query" {
			continue
		}
		if vals, ok := query[p.Name]; ok && slices.Contains(vals, "") {
			names = append(names, p.Name)
		}
	}
	return names
}

// Enumerated returns v, the parsed value of the query parameter name, or a
// value outside any set when the parameter was sent empty ("?ordering="):
// huma reads an empty value as absent, but for a parameter whose set the
// handler checks itself, empty is one more value outside the set, answered
// with the handler's own error.
func Enumerated(ctx context.Context, name, v string) string {
	if names, _ := ctx.Value(emptyQueryKey{}).([]string); slices.Contains(names, name) {
		return "\x00"
	}
	return v
}
