package httpapi

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// Anonymous is the security of an operation open to everyone: one empty
// requirement, which OpenAPI reads as "no credentials needed" (an absent
// security field would read as "not documented").
var Anonymous = []map[string][]string{{}}

// RequiresToken reports whether op needs a bearer token: it has a security
// requirement and none of them is the empty (anonymous) one.
func RequiresToken(op *huma.Operation) bool {
	if op == nil || len(op.Security) == 0 {
		return false
	}
	return !slices.ContainsFunc(op.Security, func(r map[string][]string) bool { return len(r) == 0 })
}

var pathParam = regexp.MustCompile(`\{([^}$]+)\}`)

// documentOperation completes what the operations leave implicit, so that
// every one documents the same things: its security (Anonymous when it
// declares none), every path parameter (org_slug is read by the scope
// middleware, not the handler's input), the 4xx answers it can give, and an
// example of its JSON request body.
func documentOperation(oapi *huma.OpenAPI, op *huma.Operation) {
	if op.Security == nil {
		op.Security = Anonymous
	}
	for _, m := range pathParam.FindAllStringSubmatch(op.Path, -1) {
		name := m[1]
		if !slices.ContainsFunc(op.Parameters, func(p *huma.Param) bool { return p.In == "path" && p.Name == name }) {
			op.Parameters = append(op.Parameters, &huma.Param{
				Name: name, In: "path", Required: true, Schema: &huma.Schema{Type: "string"},
				Description: "Organization slug, or the path value it names",
			})
		}
	}
	if op.Responses == nil {
		op.Responses = map[string]*huma.Response{}
	}
	addError := func(status int, desc string) {
		code := strconv.Itoa(status)
		if _, ok := op.Responses[code]; ok {
			return
		}
		op.Responses[code] = &huma.Response{
			Description: desc,
			Content: map[string]*huma.MediaType{"application/json": {
				Schema: &huma.Schema{Ref: "#/components/schemas/ErrorBody"},
			}},
		}
	}
	addError(http.StatusBadRequest, "Invalid input: `detail`, and `errors` for field problems")
	if RequiresToken(op) {
		addError(http.StatusUnauthorized, "Missing, invalid or expired access token")
	}
	if strings.Contains(op.Path, "{") {
		addError(http.StatusNotFound, "Not found, or not visible to this user")
	}
	if op.RequestBody != nil {
		ExampleBody(oapi, op.RequestBody)
	}
}

// ExampleBody gives each media type of body without an example one derived
// from its schema (JSON, and the fields of a multipart form). Routes that
// document their body after registering call it themselves.
func ExampleBody(oapi *huma.OpenAPI, body *huma.RequestBody) {
	for _, mt := range body.Content {
		if mt != nil && mt.Example == nil && mt.Examples == nil && mt.Schema != nil {
			mt.Example = exampleOf(oapi.Components.Schemas, mt.Schema, 0)
		}
	}
}

// exampleOf builds a value that fits s: its own example or default when it
// has one, else a placeholder of its type and format.
func exampleOf(reg huma.Registry, s *huma.Schema, depth int) any {
	if s.Ref != "" {
		if s = reg.SchemaFromRef(s.Ref); s == nil {
			return nil
		}
	}
	switch {
	case len(s.Examples) > 0:
		return s.Examples[0]
	case s.Default != nil:
		return s.Default
	case len(s.Enum) > 0:
		return s.Enum[0]
	}
	typ := s.Type
	if typ == "" && len(s.OneOf) > 0 {
		return exampleOf(reg, s.OneOf[0], depth)
	}
	switch typ {
	case "object":
		out := map[string]any{}
		if depth > 3 {
			return out
		}
		for name, p := range s.Properties {
			if v := exampleOf(reg, p, depth+1); v != nil {
				out[name] = v
			}
		}
		return out
	case "array":
		if s.Items == nil || depth > 3 {
			return []any{}
		}
		return []any{exampleOf(reg, s.Items, depth+1)}
	case "integer":
		if s.Minimum != nil {
			return int64(*s.Minimum)
		}
		return 1
	case "number":
		return 1.5
	case "boolean":
		return true
	case "string":
		return exampleString(s)
	}
	return nil
}

func exampleString(s *huma.Schema) string {
	var v string
	switch s.Format {
	case "email":
		return "ada@example.com"
	case "date-time":
		return "2026-01-01T00:00:00Z"
	case "date":
		return "2026-01-01"
	case "uri", "url":
		return "https://example.com/"
	case "uuid":
		return "0b5e3c1e-9a1f-4c55-8f0e-3f1c2a9d7b10"
	case "binary":
		return "(the file's bytes)"
	default:
		v = "string"
	}
	if s.MinLength != nil && len(v) < *s.MinLength {
		v += strings.Repeat("x", *s.MinLength-len(v))
	}
	if s.MaxLength != nil && len(v) > *s.MaxLength {
		v = v[:*s.MaxLength]
	}
	return v
}
