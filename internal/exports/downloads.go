package exports

import (
	"apistarter/internal/httpapi"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"apistarter/internal/storage"

	"github.com/google/uuid"
)

// DownloadPattern is the mux pattern of archive downloads through the API's
// own signed links (local storage). Being more specific than the storage
// package's "GET /files/", it routes only archive keys through LogDownloads.
const DownloadPattern = "GET " + storage.FilesPath + KeyPrefix

// LogDownloads wraps the signed-link handler so every archive download is
// logged: which job, when, from where and with what outcome. The link (its
// signature) is never logged. S3 presigned links bypass the API; their
// downloads are in the bucket's access log.
func LogDownloads(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &httpapi.StatusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.Status == 0 {
			rec.Status = http.StatusOK
		}
		orgID, jobID := parseObjectKey(strings.TrimPrefix(r.URL.Path, storage.FilesPath))
		log.LogAttrs(r.Context(), slog.LevelInfo, "export download",
			slog.String("event", "export_download"),
			slog.String("job_id", jobID),
			slog.Int64("org_id", orgID),
			slog.String("method", r.Method),
			slog.Int("status", rec.Status),
			slog.Int64("bytes", rec.Bytes),
			slog.String("remote_addr", r.RemoteAddr),
			slog.String("user_agent", r.UserAgent()),
		)
	})
}

// parseObjectKey reads org and job ids out of ObjectKey's layout.
func parseObjectKey(key string) (orgID int64, jobID string) {
	rest, ok := strings.CutPrefix(key, KeyPrefix)
	if !ok {
		return 0, ""
	}
	org, file, ok := strings.Cut(rest, "/")
	if !ok {
		return 0, ""
	}
	orgID, _ = strconv.ParseInt(org, 10, 64)
	id, err := uuid.Parse(strings.TrimSuffix(file, ".zip"))
	if err != nil {
		return orgID, ""
	}
	return orgID, id.String()
}
