package harness

import (
	"context"
	"net/http"
	"time"
)

// Export is an export job the API accepted (202).
type Export struct {
	ID          string     `json:"id"`
	Status      string     `json:"status"`
	StartedAt   *time.Time `json:"started_at"`
	CompletedAt *time.Time `json:"completed_at"`
	Error       string     `json:"error_message"`

	Org         string    `json:"-"`
	Token       string    `json:"-"`
	RequestedAt time.Time `json:"-"`
}

// Finished reports whether the job is ready or failed.
func (e *Export) Finished() bool { return e.Status == "ready" || e.Status == "failed" }

func (e *Export) path() string { return "/api/v1/orgs/" + e.Org + "/exports/" }

// RequestExport asks for an export of org as the user of token.
func (c *Client) RequestExport(ctx context.Context, org, token string) (*Export, error) {
	e := &Export{Org: org, Token: token}
	if err := c.JSON(ctx, Request{Method: http.MethodPost, Path: e.path(), Token: token}, http.StatusAccepted, e); err != nil {
		return nil, err
	}
	e.RequestedAt = time.Now()
	return e, nil
}

// RefreshExport reads the job's state again (unchanged on an error).
func (c *Client) RefreshExport(ctx context.Context, e *Export) error {
	return c.JSON(ctx, Request{Method: http.MethodGet, Path: e.path() + e.ID + "/", Token: e.Token}, http.StatusOK, e)
}

// WaitExport refreshes e every 100 ms until done(e) holds, and reports
// whether it did within timeout.
func (c *Client) WaitExport(ctx context.Context, e *Export, timeout time.Duration, done func(*Export) bool) bool {
	return Poll(ctx, timeout, "export "+e.ID, func() bool {
		if err := c.RefreshExport(ctx, e); err != nil {
			return false
		}
		return done(e)
	}) == nil
}
