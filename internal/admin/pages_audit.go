package admin

import (
	"net/http"
	"strings"

	"apistarter/internal/db/sqlc"
)

// audit lists the audit log, newest first, filterable by source (console
// or api), action and actor.
func (c *Console) audit(w http.ResponseWriter, r *http.Request, s *session) {
	qv, page := r.URL.Query(), pageOf(r)
	source, action, actor := qv.Get("source"), strings.TrimSpace(qv.Get("action")), strings.TrimSpace(qv.Get("actor"))
	if source != "console" && source != "api" {
		source = ""
	}
	rows, err := c.q.ListAuditEvents(r.Context(), sqlc.ListAuditEventsParams{
		Source: source, Action: action, Actor: actor, ActorPattern: likePattern(actor),
		Lim: pageSize + 1, Off: int32((page - 1) * pageSize),
	})
	if err != nil {
		c.failErr(w, r, s, err)
		return
	}
	total := (page-1)*pageSize + int64(len(rows))
	if len(rows) > pageSize {
		rows = rows[:pageSize]
	}
	c.render(w, r, http.StatusOK, "audit", s, map[string]any{
		"Rows": rows, "Source": source, "Action": action, "Actor": actor, "Pager": newPager(r, page, total, len(rows)),
	})
}
