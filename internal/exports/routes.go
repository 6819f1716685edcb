package exports

import (
	"context"
	"net/http"
	"time"

	"apistarter/internal/apperr"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/httpapi"
	"apistarter/internal/orgs"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
)

// JobOut is an export job as the API returns it.
type JobOut struct {
	ID           uuid.UUID  `json:"id" format:"uuid"`
	Status       string     `json:"status" enum:"pending,processing,ready,failed,expired"`
	CreatedAt    time.Time  `json:"created_at"`
	StartedAt    *time.Time `json:"started_at" nullable:"true"`
	CompletedAt  *time.Time `json:"completed_at" nullable:"true"`
	ExpiresAt    *time.Time `json:"expires_at" nullable:"true"`
	ErrorMessage string     `json:"error_message"`
	DownloadURL  *string    `json:"download_url" doc:"Signed link valid for 5 minutes; only on the single-job GET of a ready, unexpired export."`
	EmailNotice  string     `json:"email_notice" doc:"Why the ready email with its download link was not sent (the requester is no longer an admin or owner of the organization, or the account is gone); empty when it was sent or the export is not ready. A retry makes the retrying admin the recipient."`
}

func jobOut(j sqlc.ExportJob, downloadURL *string) JobOut {
	return JobOut{
		ID: j.ID, Status: j.Status, CreatedAt: j.CreatedAt, StartedAt: j.StartedAt,
		CompletedAt: j.CompletedAt, ExpiresAt: j.ExpiresAt, ErrorMessage: j.ErrorMessage, DownloadURL: downloadURL,
		EmailNotice: j.EmailNotice,
	}
}

type orgInput struct {
	OrgSlug string `path:"org_slug" maxLength:"50"`
}

type jobInput struct {
	OrgSlug string `path:"org_slug" maxLength:"50"`
	JobID   string `path:"job_id" maxLength:"64"`
}

type listInput struct {
	OrgSlug string `path:"org_slug" maxLength:"50"`
	httpapi.PageParams
}

type jobOutput struct{ Body JobOut }

type listOutput struct{ Body []JobOut }

// parseJobID turns a malformed id into the same 404 as an unknown one.
func parseJobID(s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, apperr.NotFoundDefault()
	}
	return id, nil
}

// Register mounts the export routes (admin and owner only). limit, when not
// nil, runs before creation and retry: each builds a whole-org archive and
// mails a link.
func Register(api huma.API, s *Service, limit func(huma.Context, func(huma.Context))) {
	var limited huma.Middlewares
	if limit != nil {
		limited = huma.Middlewares{limit}
	}
	huma.Register(api, httpapi.Route{ID: "create-export", Method: http.MethodPost, Path: "/orgs/{org_slug}/exports/",
		Summary:     "Start an export of the organization's data",
		Description: "Returns the job (202). An organization has at most one active export: while one is pending or processing, this returns it.",
		Tag:         "exports", Status: http.StatusAccepted, Middlewares: limited,
		Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests, http.StatusServiceUnavailable},
	}.Operation(), func(ctx context.Context, in *orgInput) (*jobOutput, error) {
		job, err := s.Create(ctx, orgs.ScopeFrom(ctx))
		if err != nil {
			return nil, err
		}
		return &jobOutput{Body: jobOut(job, nil)}, nil
	})
	huma.Register(api, httpapi.Route{ID: "list-exports", Method: http.MethodGet, Path: "/orgs/{org_slug}/exports/",
		Summary: "List the organization's exports, newest first", Tag: "exports",
		Errors: []int{http.StatusForbidden, http.StatusNotFound},
	}.Operation(), func(ctx context.Context, in *listInput) (*listOutput, error) {
		list, err := s.List(ctx, orgs.ScopeFrom(ctx), in.Limit, in.Offset)
		if err != nil {
			return nil, err
		}
		out := make([]JobOut, len(list))
		for i, j := range list {
			out[i] = jobOut(j, nil)
		}
		return &listOutput{Body: out}, nil
	})
	huma.Register(api, httpapi.Route{ID: "get-export", Method: http.MethodGet, Path: "/orgs/{org_slug}/exports/{job_id}/",
		Summary: "Get an export; a ready one carries a 5-minute download link", Tag: "exports",
		Errors: []int{http.StatusForbidden, http.StatusNotFound},
	}.Operation(), func(ctx context.Context, in *jobInput) (*jobOutput, error) {
		sc := orgs.ScopeFrom(ctx)
		if err := sc.RequireAdmin(); err != nil {
			return nil, err
		}
		id, err := parseJobID(in.JobID)
		if err != nil {
			return nil, err
		}
		job, link, err := s.Get(ctx, sc, id)
		if err != nil {
			return nil, err
		}
		return &jobOutput{Body: jobOut(job, link)}, nil
	})
	huma.Register(api, httpapi.Route{ID: "retry-export", Method: http.MethodPost, Path: "/orgs/{org_slug}/exports/{job_id}/retry/",
		Summary: "Re-queue a failed or stale export", Tag: "exports", Status: http.StatusAccepted, Middlewares: limited,
		Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusTooManyRequests, http.StatusServiceUnavailable},
	}.Operation(), func(ctx context.Context, in *jobInput) (*jobOutput, error) {
		sc := orgs.ScopeFrom(ctx)
		if err := sc.RequireAdmin(); err != nil {
			return nil, err
		}
		id, err := parseJobID(in.JobID)
		if err != nil {
			return nil, err
		}
		job, err := s.Retry(ctx, sc, id)
		if err != nil {
			return nil, err
		}
		return &jobOutput{Body: jobOut(job, nil)}, nil
	})
}
