package admin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	template "github.com/DataDog/datadog-agent/pkg/template/html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"apistarter/internal/db/sqlc"
)

// pageNames are the templates under templates/, each rendered inside
// layout.html.
var pageNames = []string{"login", "error", "overview", "users", "user", "confirm", "orgs", "org", "content", "outbox", "audit"}

var funcs = template.FuncMap{
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return v.UTC().Format("2006-01-02 15:04 UTC")
		case *time.Time:
			if v == nil {
				return "—"
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		}
		return "—"
	},
	"deref": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"roles": func() []string { return []string{"owner", "admin", "member"} },
}

func parsePages() (map[string]*template.Template, error) {
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("admin: template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// view is what every page template gets: the session (nil on sign-in),
// the flash message of the last action and the page's own data.
type view struct {
	S      *session
	CanAct bool // S.CanAct(): templates call no methods (see third_party/asynqmon/FORK.md)
	Flash  string
	Queues bool
	Nav    string
	D      any
}

// flashes are the messages an action's redirect can ask for (?ok=code):
// fixed text, so a link cannot make the console say anything else.
var flashes = map[string]string{
	"activated": "User activated.", "deactivated": "User deactivated; their sessions ended.",
	"verified": "Email marked verified.", "sessions": "Every session of the user ended.",
	"reset": "Password reset email queued.", "user-deleted": "User deleted.",
	"role": "Role changed.", "removed": "Member removed.", "transferred": "Ownership transferred.",
	"invitation": "Invitation revoked.", "export": "Export started.", "org-deleted": "Organization deleted.",
	"retried": "Task handed back to its queue.",
}

// render writes page name; a template error becomes a plain 500.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, s *session, data any) {
	var buf bytes.Buffer
	nav, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, Path), "/")
	v := view{S: s, CanAct: s.CanAct(), Flash: flashes[r.URL.Query().Get("ok")], Queues: c.Settings.QueuesLinked, Nav: nav, D: data}
	if err := c.pages[name].Execute(&buf, v); err != nil {
		c.Log.ErrorContext(r.Context(), "admin: render", "page", name, "error", err.Error())
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail renders the error page.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, status int, msg string) {
	c.render(w, r, status, "error", s, map[string]any{"Status": status, "Text": http.StatusText(status), "Message": msg})
}

// failErr shows a domain error with its own status and message; anything
// else is logged once and shown as a 500 without detail.
func (c *Console) failErr(w http.ResponseWriter, r *http.Request, s *session, err error) {
	st := statusOf(err)
	if st == 0 || st >= 500 {
		c.Log.ErrorContext(r.Context(), "admin: request failed", "path", r.URL.Path, "error", err.Error())
		if st == 0 {
			st = http.StatusInternalServerError
		}
		c.fail(w, r, s, st, "Something went wrong. The error was logged.")
		return
	}
	c.fail(w, r, s, st, err.Error())
}

// statusOf is the HTTP status a domain error carries (0: none).
func statusOf(err error) int {
	var se interface{ GetStatus() int }
	if errors.As(err, &se) {
		return se.GetStatus()
	}
	return 0
}

// record writes an audit entry of the console; a failure is logged and
// does not undo the action, which has committed.
func (c *Console) record(r *http.Request, s *session, d done) {
	err := c.q.InsertAuditEvent(r.Context(), sqlc.InsertAuditEventParams{
		Source: "console", Action: d.Action, ActorID: &s.UserID, ActorEmail: s.Email,
		TargetType: d.TargetType, TargetID: d.TargetID, Target: d.Target, Detail: d.Detail, ClientIp: c.clientIP(r),
	})
	if err != nil {
		c.Log.ErrorContext(r.Context(), "admin: audit", "action", d.Action, "error", err.Error())
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// pathID parses a numeric path value; ok is false for anything else.
func pathID(r *http.Request, name string) (int64, bool) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return n, err == nil && n > 0
}

// pageSize is the length of every paginated list.
const pageSize = 50

// pager is the page number of a list and its links.
type pager struct {
	Page, Total int64
	Prev, Next  string
}

// pageOf reads ?page= (1-based, bad values are page 1).
func pageOf(r *http.Request) int64 {
	n, err := strconv.ParseInt(r.URL.Query().Get("page"), 10, 64)
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}

func newPager(r *http.Request, page, total int64, shown int) pager {
	p := pager{Page: page, Total: total}
	link := func(n int64) string {
		q := r.URL.Query()
		q.Set("page", strconv.FormatInt(n, 10))
		q.Del("ok")
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if (page-1)*pageSize+int64(shown) < total {
		p.Next = link(page + 1)
	}
	return p
}

// likePattern is an ILIKE pattern matching s anywhere, with the pattern's
// own wildcards escaped; "%%" (match all) for a blank search.
func likePattern(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = s[:200]
	}
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// searchPage renders a paginated search page of ?q= and ?page=: search
// returns one page of rows matching the LIKE pattern, each carrying the
// total count.
func searchPage[R any](c *Console, w http.ResponseWriter, r *http.Request, s *session, page string,
	search func(ctx context.Context, pattern string, lim, off int32) ([]R, error), total func(R) int64) {
	q, n := r.URL.Query().Get("q"), pageOf(r)
	rows, err := search(r.Context(), likePattern(q), pageSize, int32((n-1)*pageSize))
	if err != nil {
		c.failErr(w, r, s, err)
		return
	}
	var count int64
	if len(rows) > 0 {
		count = total(rows[0])
	}
	c.render(w, r, http.StatusOK, page, s, map[string]any{"Q": q, "Rows": rows, "Pager": newPager(r, n, count, len(rows))})
}
