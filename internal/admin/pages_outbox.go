package admin

import (
	"errors"
	"net/http"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
)

// outboxStates are the ?state= filters of the outbox page.
var outboxStates = []string{"pending", "failed", "completed"}

// outbox lists recent tasks by type and state: attempts, last error and,
// for mail, recipients and subject (never the body or its links).
func (c *Console) outbox(w http.ResponseWriter, r *http.Request, s *session) {
	qv, page := r.URL.Query(), pageOf(r)
	state, typ := qv.Get("state"), qv.Get("type")
	if !oneOf(state, outboxStates) {
		state = ""
	}
	rows, err := c.q.AdminListOutbox(r.Context(), sqlc.AdminListOutboxParams{TaskType: typ, State: state, Lim: pageSize + 1, Off: int32((page - 1) * pageSize)})
	if err != nil {
		c.failErr(w, r, s, err)
		return
	}
	types, err := c.q.AdminOutboxTypes(r.Context())
	if err != nil {
		c.failErr(w, r, s, err)
		return
	}
	// One row more than shown tells whether a next page exists, without
	// counting a table that can be large.
	total := (page-1)*pageSize + int64(len(rows))
	if len(rows) > pageSize {
		rows = rows[:pageSize]
	}
	c.render(w, r, http.StatusOK, "outbox", s, map[string]any{
		"Rows": rows, "State": state, "Type": typ, "States": outboxStates, "Types": types,
		"Pager": newPager(r, page, total, len(rows)), "CanRetry": c.Tasks != nil,
	})
}

func oneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

// retryTask hands a failed task back to its queue. Its stored row no
// longer holds the payload (an email's body and links are dropped when it
// fails), so the queue's archived copy is what runs again; when the queue
// has dropped it too, the task cannot be retried.
func (c *Console) retryTask(r *http.Request, _ *session) (done, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return done{}, apperr.NotFound("Task not found")
	}
	t, err := c.q.AdminOutboxTask(r.Context(), id)
	if db.IsNoRows(err) {
		return done{}, apperr.NotFound("Task not found")
	}
	if err != nil {
		return done{}, err
	}
	if t.FailedAt == nil || t.CompletedAt != nil {
		return done{}, apperr.Conflict("Only failed tasks can be retried.")
	}
	if c.Tasks == nil {
		return done{}, apperr.Unavailable("Retrying needs the task queue, which is not configured here.")
	}
	// After a lapsed lease the row's copy runs under an id of its own.
	taskID := t.TaskID
	if taskID == "" {
		taskID = t.ID.String()
	}
	if err := c.Tasks.RunTask(t.Queue, taskID); err != nil {
		if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
			return done{}, apperr.Conflict("The queue no longer holds this task, so it cannot be retried.")
		}
		return done{}, err
	}
	// Handed back first, reopened second: a reopened row without its
	// queued copy would be relayed with the reduced payload.
	if _, err := c.q.ReopenFailedOutbox(r.Context(), t.ID); err != nil {
		return done{}, err
	}
	return done{Action: "task_retried", TargetType: "task", TargetID: t.ID.String(), Target: t.TaskType,
		Redirect: Path + "outbox?state=pending&ok=retried"}, nil
}
