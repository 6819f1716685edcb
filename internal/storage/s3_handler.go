package storage

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
)

// PublicHandler proxies this namespace read-only at MediaPath, for setups
// whose MediaBaseURL points at the API rather than the bucket or a CDN. It
// streams whole objects; Range requests get the full body.
func (s *s3Store) PublicHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !readMethod(w, r) {
			return
		}
		key, _ := strings.CutPrefix(r.URL.Path, MediaPath)
		name, err := s.object(key)
		if err != nil {
			writeDetail(w, r, http.StatusNotFound, "Not Found")
			return
		}
		rc, info, _, err := s.core.GetObject(r.Context(), s.bucket, name, minio.GetObjectOptions{})
		if err != nil {
			if isNoSuchKey(err) {
				writeDetail(w, r, http.StatusNotFound, "Not Found")
				return
			}
			writeDetail(w, r, http.StatusBadGateway, "Storage unavailable")
			return
		}
		defer rc.Close()
		h := w.Header()
		setContentHeaders(h, key)
		h.Set("Cache-Control", publicCacheControl)
		h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
		if !info.LastModified.IsZero() {
			h.Set("Last-Modified", info.LastModified.UTC().Format(http.TimeFormat))
		}
		if info.ETag != "" {
			h.Set("ETag", `"`+info.ETag+`"`)
		}
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = io.Copy(w, rc)
		}
	})
}
