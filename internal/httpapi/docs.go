package httpapi

import (
	"embed"
	"io/fs"
	"net/http"
)

// docsAssets is swagger-ui-dist 5.35.0 (Apache-2.0, LICENSE alongside),
// vendored so the docs render without reaching a CDN.
//
//go:embed docsui/swagger-ui-bundle.js docsui/swagger-ui.css
var docsAssets embed.FS

const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>apistarter API docs</title>
<link rel="stylesheet" href="` + Prefix + `/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="` + Prefix + `/docs/assets/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "` + Prefix + `/openapi.json", dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: false});
</script>
</body>
</html>`

// mountDocs serves the docs UI at /api/v1/docs from embedded assets.
func mountDocs(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Prefix+"/docs", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'")
		_, _ = w.Write([]byte(docsPage))
	})
	assets := http.StripPrefix(Prefix+"/docs/assets/", http.FileServerFS(mustSub(docsAssets, "docsui")))
	mux.Handle("GET "+Prefix+"/docs/assets/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		assets.ServeHTTP(w, r)
	}))
}

func mustSub(fsys embed.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // the embed pattern above guarantees the directory
	}
	return sub
}
