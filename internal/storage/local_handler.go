package storage

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"path"
	"strconv"
	"strings"
)

const publicCacheControl = "public, max-age=3600"

// SignedHandler serves signed links from SignedURL. Mount it at FilesPath
// without StripPrefix. Bad signature or expired link: 403; missing object: 404.
// Range and conditional requests are handled by http.ServeContent.
func (l *localStore) SignedHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !readMethod(w, r) {
			return
		}
		key, ok := strings.CutPrefix(r.URL.Path, FilesPath)
		if !ok {
			writeDetail(w, r, http.StatusNotFound, "Not Found")
			return
		}
		exp, opts, ok := l.verify(key, r.URL.Query())
		if !ok {
			writeDetail(w, r, http.StatusForbidden, "Invalid or expired link")
			return
		}
		f, fi, err := l.open(key)
		if err != nil {
			if errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalidKey) {
				writeDetail(w, r, http.StatusNotFound, "Not Found")
				return
			}
			writeDetail(w, r, http.StatusInternalServerError, "Internal Server Error")
			return
		}
		defer f.Close()

		maxAge := max(int64(exp.Sub(l.now()).Seconds()), 0)
		h := w.Header()
		setContentHeaders(h, key)
		if opts.ContentType != "" {
			h.Set("Content-Type", opts.ContentType)
		}
		h.Set("Cache-Control", cmp.Or(opts.CacheControl, "private, max-age="+strconv.FormatInt(maxAge, 10)))
		if opts.ContentDisposition != "" {
			h.Set("Content-Disposition", opts.ContentDisposition)
		}
		http.ServeContent(w, r, "", fi.ModTime(), f)
	})
}

// PublicHandler serves this namespace read-only at MediaPath: no directory
// listings, 404 for anything missing, cacheable for an hour.
func (l *localStore) PublicHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !readMethod(w, r) {
			return
		}
		key, ok := strings.CutPrefix(r.URL.Path, MediaPath)
		if !ok {
			writeDetail(w, r, http.StatusNotFound, "Not Found")
			return
		}
		f, fi, err := l.open(key)
		if err != nil {
			if errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalidKey) {
				writeDetail(w, r, http.StatusNotFound, "Not Found")
				return
			}
			writeDetail(w, r, http.StatusInternalServerError, "Internal Server Error")
			return
		}
		defer f.Close()
		setContentHeaders(w.Header(), key)
		w.Header().Set("Cache-Control", publicCacheControl)
		http.ServeContent(w, r, "", fi.ModTime(), f)
	})
}

// contentTypes is deliberately short: stored files are served from the API's
// origin, so nothing outside it (HTML, SVG, scripts) gets a renderable type.
var contentTypes = map[string]string{
	".webp": "image/webp",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".png":  "image/png",
	".gif":  "image/gif",
	".zip":  "application/zip",
	".json": "application/json",
}

func contentTypeFor(key string) string {
	if ct, ok := contentTypes[strings.ToLower(path.Ext(key))]; ok {
		return ct
	}
	return "application/octet-stream"
}

// setContentHeaders sets the type from the key and stops browsers from
// sniffing or running stored content.
func setContentHeaders(h http.Header, key string) {
	h.Set("Content-Type", contentTypeFor(key))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
}

func readMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	writeDetail(w, r, http.StatusMethodNotAllowed, "Method Not Allowed")
	return false
}

// writeDetail writes the API's error shape, {"detail": "..."}.
func writeDetail(w http.ResponseWriter, r *http.Request, status int, detail string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"detail": detail})
}
