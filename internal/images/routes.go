package images

import (
	"log/slog"
	"net/http"
	"reflect"
	"strconv"

	"apistarter/internal/httpapi"
	"apistarter/internal/idempotency"
	"apistarter/internal/logctx"
	"apistarter/internal/ratelimit"

	"github.com/danielgtaylor/huma/v2"
)

// routes carries what the handlers share.
type routes struct {
	svc     *Service
	api     huma.API
	limiter *ratelimit.Limiter
}

// Register mounts every image route on api.
func Register(api huma.API, svc *Service, limiter *ratelimit.Limiter) {
	r := &routes{svc: svc, api: api, limiter: limiter}
	r.registerLibrary()
	r.registerUploads()
	r.registerBulkDelete()
	r.registerShares()
	r.registerRelations()
	r.registerRelationOrder()
}

// maxJSONBody bounds the JSON bodies of the image routes (thousands of ids,
// an image description). Uploads are bounded by ReadUploads instead.
const maxJSONBody = 256 << 10

// throttle limits an operation and logs denials as audit events.
func (r *routes) throttle(scope ratelimit.Scope, opts ...ratelimit.MiddlewareOption) func(huma.Context, func(huma.Context)) {
	return Throttle(r.api, r.limiter, scope, opts...)
}

// Throttle is the rate limit of an image-work route (uploads, avatars): a
// limiter middleware whose denials are logged as audit events.
func Throttle(api huma.API, limiter *ratelimit.Limiter, scope ratelimit.Scope, opts ...ratelimit.MiddlewareOption) func(huma.Context, func(huma.Context)) {
	limit := limiter.Middleware(api, scope, opts...)
	return func(ctx huma.Context, next func(huma.Context)) {
		passed := false
		limit(ctx, func(c huma.Context) { passed = true; next(c) })
		if !passed {
			logctx.Logger(ctx.Context()).LogAttrs(ctx.Context(), slog.LevelWarn, "audit:rate_limited",
				slog.String("event", "audit:rate_limited"), slog.String("scope", scope.Name), slog.String("path", ctx.URL().Path))
		}
	}
}

// idempotent is the operation of a bulk route: the throttle and the
// Idempotency-Key check run before rt's own middlewares, the description
// gains the key's rules, and the rt.Status response is documented as the
// schema of v (nil: no body) although the handler writes raw bytes.
func (r *routes) idempotent(rt httpapi.Route, scope ratelimit.Scope, v any) huma.Operation {
	rt.Middlewares = append(huma.Middlewares{r.throttle(scope), idempotency.Middleware}, rt.Middlewares...)
	if rt.Description != "" {
		rt.Description += " "
	}
	rt.Description += "Send an `Idempotency-Key` header (≤128 characters) to make retries safe: " +
		"the first response is stored for 24 hours and replayed for the same request; " +
		"a different request with the same key, or one still running, is a 409."
	o := rt.Operation()
	resp := &huma.Response{Description: http.StatusText(rt.Status)}
	if v != nil {
		schema := huma.SchemaFromType(r.api.OpenAPI().Components.Schemas, reflect.TypeOf(v))
		resp.Content = map[string]*huma.MediaType{"application/json": {Schema: schema}}
	}
	o.Responses = map[string]*huma.Response{strconv.Itoa(rt.Status): resp}
	return o
}

// registered returns the OpenAPI operation of a registered route.
func registered(api huma.API, method, path string) *huma.Operation {
	item := api.OpenAPI().Paths[path]
	if item == nil {
		return nil
	}
	switch method {
	case http.MethodPost:
		return item.Post
	case http.MethodPatch:
		return item.Patch
	}
	return nil
}

// documentBody sets the documented request body of a registered operation
// whose handler reads the body itself. It must come after huma.Register: a
// body schema given before would make huma parse the body.
func documentBody(api huma.API, method, path string, rb *huma.RequestBody) {
	if o := registered(api, method, path); o != nil {
		httpapi.ExampleBody(api.OpenAPI(), rb)
		o.RequestBody = rb
	}
}

// hideRawBody removes the octet-stream body huma documents for a RawBody
// field kept only to fingerprint or inspect the JSON body.
func hideRawBody(api huma.API, method, path string) {
	if o := registered(api, method, path); o != nil && o.RequestBody != nil {
		delete(o.RequestBody.Content, "application/octet-stream")
	}
}

// KeyHeader documents the Idempotency-Key header in OpenAPI;
// idempotency.NewRequest reads the header itself. Input types embed it
// (exported: huma skips unexported embedded fields).
type KeyHeader struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Optional key (≤128 characters) making the request safe to retry."`
}
