package httpapi

import "github.com/danielgtaylor/huma/v2"

// Route describes one operation; every feature registers its routes as
//
//	huma.Register(api, httpapi.Route{ID: "orgs-get", Method: http.MethodGet, Path: "/orgs/{org_slug}/",
//		Summary: "Get an organization", Tag: "organizations"}.Operation(), handler)
//
// Zero fields keep huma's defaults; a route needs an access token unless it
// is Public.
type Route struct {
	ID, Method, Path, Summary string
	Description               string
	Tag                       string
	// Status is the success status; 0 means 200, or 204 when the output
	// has no body.
	Status int
	// Public routes need no access token (login, registration, shares).
	Public bool
	// MaxBody bounds the request body in bytes; 0 keeps huma's 1 MiB.
	MaxBody int64
	// Errors lists the error statuses documented besides huma's own.
	Errors []int
	// Middlewares run before the handler, in order: throttles, CSRF
	// checks, idempotency.
	Middlewares huma.Middlewares
}

// Operation returns the huma operation that registers r.
func (r Route) Operation() huma.Operation {
	o := huma.Operation{
		OperationID: r.ID, Method: r.Method, Path: r.Path, Summary: r.Summary, Description: r.Description,
		DefaultStatus: r.Status, MaxBodyBytes: r.MaxBody, Errors: r.Errors, Middlewares: r.Middlewares,
	}
	if r.Tag != "" {
		o.Tags = []string{r.Tag}
	}
	if !r.Public {
		o.Security = Bearer
	}
	return o
}

// Detail is the {"detail": "..."} body of routes that answer with a
// sentence. It aliases an unnamed struct so that OpenAPI names the schema
// after the output type holding it (DetailOutBody, DetailOutputBody, ...) or
// after its nameHint tag, keeping the schema names clients were generated
// with.
type Detail = struct {
	Detail string `json:"detail"`
}
