package exports

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"apistarter/internal/db/sqlc"
	"apistarter/internal/jobs"
	"apistarter/internal/mail"
	"apistarter/internal/storage"
)

// EmailLinkTTL is how long the emailed link works: the retention period,
// capped at what a signed link can last (an S3 presign at most 7 days).
func (s *Service) EmailLinkTTL() time.Duration {
	return min(time.Duration(s.RetentionDays)*24*time.Hour, storage.MaxSignedURLTTL)
}

// readyMail composes the "export ready" email for an active requester. A
// problem here costs the email, never the export: it is logged and skipped.
func (s *Service) readyMail(ctx context.Context, job sqlc.ExportJob, objectKey string, log *slog.Logger) (jobs.Task, bool) {
	rc, err := s.q.ExportRunContext(ctx, job.ID)
	if err != nil {
		log.Error("export: load requester", "error", err.Error())
		return jobs.Task{}, false
	}
	if rc.RequesterEmail == nil || rc.RequesterActive == nil || !*rc.RequesterActive {
		return jobs.Task{}, false
	}
	ttl := s.EmailLinkTTL()
	link, err := s.Private.SignedURL(ctx, objectKey, ttl, downloadSignOptions(rc.OrgSlug, job))
	if err != nil {
		log.Error("export: sign email link", "error", err.Error())
		return jobs.Task{}, false
	}
	msg, err := s.Mail.Compose(mail.ExportReady, mail.ExportReadyData{
		Project:   s.Project,
		Name:      cmp.Or(deref(rc.RequesterFirstName), deref(rc.RequesterUsername)),
		Org:       rc.OrgName,
		Link:      link,
		ExpiresAt: time.Now().Add(ttl),
	}, *rc.RequesterEmail)
	if err != nil {
		log.Error("export: compose email", "error", err.Error())
		return jobs.Task{}, false
	}
	task, err := jobs.NewTask(taskEmailSend, jobs.QueueEmail, msg, emailMaxRetry)
	if err != nil {
		log.Error("export: email task", "error", err.Error())
		return jobs.Task{}, false
	}
	return task, true
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
