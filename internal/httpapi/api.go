// Package httpapi owns what every route shares: the huma API under /api/v1,
// the error model, middleware, health, metrics and pagination parameters.
package httpapi

import (
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
)

// Prefix is where the versioned API lives.
const Prefix = "/api/v1"

// BearerScheme is the OpenAPI security scheme name used by authenticated operations.
const BearerScheme = "JWTAuth"

// exactMux makes trailing-slash patterns exact: net/http treats "/a/" as a
// subtree, but here "/a/" and "/a" are different routes.
type exactMux struct{ mux *http.ServeMux }

func (m exactMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	if strings.HasSuffix(pattern, "/") {
		pattern += "{$}"
	}
	m.mux.HandleFunc(pattern, h)
}

func (m exactMux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

// NewAPI creates the huma API on mux, serving OpenAPI 3.1 at
// /api/v1/openapi.json (3.0 at openapi-3.0.json) and docs at /api/v1/docs.
func NewAPI(mux *http.ServeMux, version string) huma.API {
	installErrorModel()
	cfg := huma.DefaultConfig("apistarter API", version)
	cfg.Servers = []*huma.Server{{URL: Prefix}}
	cfg.OpenAPIPath = "/openapi"
	cfg.DocsPath = "" // served by mountDocs from embedded assets (no CDN)
	cfg.SchemasPath = "/schemas"
	cfg.CreateHooks = nil // no $schema links injected into responses
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		BearerScheme: {Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
	}
	cfg.Info.Description = "Organization-scoped REST API. Errors are JSON with a `detail` string; " +
		"validation errors are 400 with `detail` and `errors`. Lists take `limit` (1–500, default 100) and `offset`."
	mountDocs(mux)
	api := humago.NewWithPrefix(exactMux{mux}, Prefix, cfg)
	// Every documented operation gets StrictInput as its last middleware:
	// after authentication, scope and the operation's own throttles, right
	// before huma's validation.
	strict := StrictInput(api)
	api.OpenAPI().OnAddOperation = append(api.OpenAPI().OnAddOperation, func(oapi *huma.OpenAPI, op *huma.Operation) {
		op.Middlewares = append(op.Middlewares, strict)
		documentOperation(oapi, op)
	})
	return api
}

// Bearer marks an operation as requiring an access token.
var Bearer = []map[string][]string{{BearerScheme: {}}}
