package jobs

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"apistarter/internal/mail"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"
)

// Dashboard is the queue dashboard (asynqmon) at a root path, behind HTTP
// basic auth. Close releases its Redis connections.
type Dashboard struct {
	root    string
	mon     *asynqmon.HTTPHandler
	handler http.Handler
}

// NewDashboard serves asynqmon under root (e.g. "/admin/queues") for the
// user and password in credentials ("user:password").
func NewDashboard(redis asynq.RedisConnOpt, root, credentials string) (*Dashboard, error) {
	user, pass, ok := strings.Cut(credentials, ":")
	if !ok || user == "" || pass == "" {
		return nil, fmt.Errorf("jobs: dashboard: credentials must be user:password")
	}
	root = strings.TrimSuffix(root, "/")
	mon := asynqmon.New(asynqmon.Options{
		RootPath:         root,
		RedisConnOpt:     redis,
		PayloadFormatter: asynqmon.PayloadFormatterFunc(formatPayload),
	})
	d := &Dashboard{root: root, mon: mon}
	var h http.Handler = http.HandlerFunc(d.serve)
	// Basic auth credentials are replayed by the browser on any request, so
	// state-changing calls (retry, delete) must come from the page itself.
	h = http.NewCrossOriginProtection().Handler(h)
	d.handler = basicAuth(h, user, pass, func(r *http.Request) bool {
		// Browsers fetch the web manifest without credentials; it and the
		// icons are asynqmon's public static files.
		name, ok := strings.CutPrefix(r.URL.Path, root+"/")
		return ok && r.Method == http.MethodGet && isPublicAsset(name)
	})
	return d, nil
}

func isPublicAsset(name string) bool {
	switch name {
	case "manifest.json", "favicon.ico", "favicon-16x16.png", "favicon-32x32.png",
		"apple-touch-icon.png", "android-chrome-192x192.png", "android-chrome-512x512.png":
		return true
	}
	return false
}

func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) { d.handler.ServeHTTP(w, r) }

// Close releases the dashboard's Redis connections.
func (d *Dashboard) Close() error { return d.mon.Close() }

var externalFonts = regexp.MustCompile(`<link rel="stylesheet" href="https://fonts\.googleapis\.com/[^"]*"/>`)

func (d *Dashboard) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if strings.HasPrefix(r.URL.Path, d.root+"/api/") || strings.HasPrefix(r.URL.Path, d.root+"/static/") {
		d.mon.ServeHTTP(w, r)
		return
	}
	// The single-page app's index pulls fonts from Google; the admin page
	// should not call third parties (nor fail where there is no Internet).
	buf := &bufferedResponse{header: http.Header{}, code: http.StatusOK}
	d.mon.ServeHTTP(buf, r)
	body := buf.body.Bytes()
	if buf.header.Get("Content-Type") == "" {
		buf.header.Set("Content-Type", http.DetectContentType(body))
	}
	if strings.HasPrefix(buf.header.Get("Content-Type"), "text/html") {
		body = externalFonts.ReplaceAll(body, nil)
	}
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(buf.code)
	_, _ = w.Write(body)
}

// bufferedResponse holds a small response (the app's index page) for rewriting.
type bufferedResponse struct {
	header http.Header
	body   bytes.Buffer
	code   int
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferedResponse) WriteHeader(code int)        { b.code = code }

// basicAuth compares hashes in constant time, so neither the length nor the
// content of the credentials leaks through timing.
func basicAuth(next http.Handler, user, pass string, public func(*http.Request) bool) http.Handler {
	wantUser, wantPass := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(pass))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if public(r) {
			next.ServeHTTP(w, r)
			return
		}
		u, p, ok := r.BasicAuth()
		gotUser, gotPass := sha256.Sum256([]byte(u)), sha256.Sum256([]byte(p))
		userOK := subtle.ConstantTimeCompare(gotUser[:], wantUser[:])
		passOK := subtle.ConstantTimeCompare(gotPass[:], wantPass[:])
		if !ok || userOK&passOK != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="queues", charset="UTF-8"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"detail":"Authentication required."}` + "\n"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// formatPayload keeps message bodies (single-use tokens, links) out of the
// dashboard: an email shows its subject and recipient count only.
func formatPayload(taskType string, payload []byte) string {
	if taskType == TaskEmail {
		var m mail.Message
		if err := json.Unmarshal(payload, &m); err != nil {
			return "(unreadable email payload)"
		}
		out, _ := json.Marshal(map[string]any{"subject": m.Subject, "recipients": len(m.To), "body": "(hidden)"})
		return string(out)
	}
	if !bytes.ContainsFunc(payload, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' && r != '\r' }) {
		return string(payload)
	}
	return "(binary payload)"
}
