package exports

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"apistarter/internal/db/sqlc"
	"apistarter/internal/mail"
	"apistarter/internal/orgs"
	"apistarter/internal/storage"
)

// EmailLinkTTL is how long the emailed link works: the retention period,
// capped at what a signed link can last (an S3 presign at most 7 days).
func (s *Service) EmailLinkTTL() time.Duration {
	return min(time.Duration(s.RetentionDays)*24*time.Hour, storage.MaxSignedURLTTL)
}

// Why a ready export's link was not mailed (export_jobs.email_notice).
const (
	NoticeRequesterGone     = "No email sent: the requester's account is deleted or inactive."
	NoticeRequesterNoRights = "No email sent: the requester is no longer an admin or owner of this organization."
	NoticeMailFailed        = "No email sent: the email could not be prepared."
)

// readyMail composes the "export ready" email, a link to the whole org's
// archive, for a requester who could still request the export: active, and
// owner or admin of the org (or a superuser). Otherwise it returns the
// notice saying why nothing is mailed. A problem here costs the email, never
// the export: it is logged and noted.
func (s *Service) readyMail(ctx context.Context, q *sqlc.Queries, job sqlc.ExportJob, objectKey string, log *slog.Logger) (mail.Message, string) {
	rc, err := q.ExportRunContext(ctx, job.ID)
	if err != nil {
		log.Error("export: load requester", "error", err.Error())
		return mail.Message{}, NoticeMailFailed
	}
	if rc.RequesterEmail == nil || rc.RequesterActive == nil || !*rc.RequesterActive {
		return mail.Message{}, NoticeRequesterGone
	}
	role := deref(rc.RequesterRole)
	if !(role == orgs.RoleOwner || role == orgs.RoleAdmin || (rc.RequesterSuperuser != nil && *rc.RequesterSuperuser)) {
		return mail.Message{}, NoticeRequesterNoRights
	}
	ttl := s.EmailLinkTTL()
	link, err := s.Private.SignedURL(ctx, objectKey, ttl, downloadSignOptions(rc.OrgSlug, job))
	if err != nil {
		log.Error("export: sign email link", "error", err.Error())
		return mail.Message{}, NoticeMailFailed
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
		return mail.Message{}, NoticeMailFailed
	}
	return msg, ""
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
