package httpapi

import (
	"net/http"
	"strings"
)

// probeMethods are the methods a path may be routed for.
var probeMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions,
}

// Fallback answers the requests no route of mux took: 405 with an Allow
// header when the path is routed for other methods, else 404. It is meant
// for mux's catch-all pattern "/", which otherwise hides net/http's own 405.
func Fallback(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range probeMethods {
			if m == r.Method {
				continue
			}
			probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			WriteError(w, r, http.StatusNotFound, "Not Found")
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		WriteError(w, r, http.StatusMethodNotAllowed, "Method Not Allowed")
	}
}
