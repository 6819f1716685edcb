package orgs

import (
	"context"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"

	"apistarter/internal/apperr"
	"apistarter/internal/auth"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/mail"

	"github.com/jackc/pgx/v5"
)

// InvitationLifetime is how long an invitation link works.
const InvitationLifetime = 7 * 24 * time.Hour

// Invitation is a pending invitation as listed to org admins.
type Invitation struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	InvitedBy *string   `json:"invited_by" doc:"slug of the inviting user; null once that account is deleted"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Invitations invites people to orgs by email and turns an accepted
// invitation into a membership (through the Service, like every membership
// write).
type Invitations struct {
	svc         *Service
	templates   *mail.Templates
	frontendURL string
	project     string
	limits      Limits
}

// NewInvitations builds the invitation flow; links point at frontendURL.
// Invitations are counted against limits.
func NewInvitations(svc *Service, t *mail.Templates, frontendURL, project string, limits Limits) *Invitations {
	return &Invitations{svc: svc, templates: t, frontendURL: frontendURL, project: project, limits: limits}
}

// Invite creates an invitation (admin+; owner invitations by owners only)
// and writes its email to the outbox in the same transaction. Inviting an
// address again replaces its pending invitation.
func (iv *Invitations) Invite(ctx context.Context, sc Scope, inviter *auth.Principal, email, role string) (Invitation, error) {
	if err := sc.RequireAdmin(); err != nil {
		return Invitation{}, err
	}
	if !ValidRole(role) {
		return Invitation{}, apperr.Invalid("Invalid role.")
	}
	if role == RoleOwner && !sc.IsOwner() {
		return Invitation{}, apperr.Forbidden(msgOwnerRoleOwners)
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if a, err := netmail.ParseAddress(email); err != nil || a.Address != email || a.Name != "" {
		return Invitation{}, apperr.Invalid("Enter a valid email address.")
	}
	// Counted only once the caller may invite and the address is valid, so
	// members cannot spend the org's budget with refused requests.
	if err := iv.limits.allowInvitation(ctx, inviter.UserID, sc.OrgID, email); err != nil {
		return Invitation{}, err
	}
	token := auth.RandomToken()
	var out Invitation
	err := iv.svc.writeOrg(ctx, sc, func(tx pgx.Tx, org sqlc.LockOrgRow, caller string) error {
		q := iv.svc.q.WithTx(tx)
		if !canAdmin(caller) {
			return apperr.Forbidden(msgAdminsOnly)
		}
		if role == RoleOwner && !isOwnerRole(caller) {
			return apperr.Forbidden(msgOwnerRoleOwners)
		}
		member, err := q.IsMemberByEmail(ctx, sqlc.IsMemberByEmailParams{OrgID: org.ID, Email: email})
		if err != nil {
			return fmt.Errorf("orgs: invite: %w", err)
		}
		if member {
			return apperr.Conflict("User is already a member of this organization.")
		}
		if err := q.RevokePendingInvitationsFor(ctx, sqlc.RevokePendingInvitationsForParams{OrgID: org.ID, Email: email}); err != nil {
			return fmt.Errorf("orgs: invite: %w", err)
		}
		row, err := q.InsertInvitation(ctx, sqlc.InsertInvitationParams{
			OrgID: org.ID, Email: email, Role: role, TokenHash: auth.HashToken(token),
			InvitedByID: &inviter.UserID, ExpiresAt: time.Now().Add(InvitationLifetime),
		})
		if err != nil {
			return fmt.Errorf("orgs: invite: %w", err)
		}
		out = Invitation{ID: row.ID, Email: row.Email, Role: row.Role, InvitedBy: &inviter.Slug, CreatedAt: row.CreatedAt, ExpiresAt: row.ExpiresAt}
		return iv.enqueueEmail(ctx, tx, org.Name, inviter, role, email, token)
	})
	return out, err
}

func (iv *Invitations) enqueueEmail(ctx context.Context, tx pgx.Tx, orgName string, inviter *auth.Principal, role, email, token string) error {
	name := inviter.Username
	if name == "" {
		name = inviter.Email
	}
	msg, err := iv.templates.Compose(mail.OrgInvitation, mail.InvitationData{
		Project: iv.project, Org: orgName, Inviter: name, Role: role,
		Link:      mail.TokenLink(iv.frontendURL, mail.PathAcceptInvitation, token),
		ExpiresIn: InvitationLifetime,
	}, email)
	if err != nil {
		return fmt.Errorf("orgs: invitation email: %w", err)
	}
	if _, err := iv.svc.outbox.EnqueueEmail(ctx, tx, msg); err != nil {
		return fmt.Errorf("orgs: invitation email: %w", err)
	}
	return nil
}

// List pages through the org's pending, unexpired invitations (admin+).
func (iv *Invitations) List(ctx context.Context, sc Scope, limit, offset int) ([]Invitation, int64, error) {
	if err := sc.RequireAdmin(); err != nil {
		return nil, 0, err
	}
	rows, err := iv.svc.q.ListPendingInvitations(ctx, sqlc.ListPendingInvitationsParams{OrgID: sc.OrgID, Lim: int32(limit), Off: int32(offset)})
	if err != nil {
		return nil, 0, fmt.Errorf("orgs: list invitations: %w", err)
	}
	n, err := iv.svc.q.CountPendingInvitations(ctx, sc.OrgID)
	if err != nil {
		return nil, 0, fmt.Errorf("orgs: count invitations: %w", err)
	}
	out := make([]Invitation, len(rows))
	for i, r := range rows {
		out[i] = Invitation{ID: r.ID, Email: r.Email, Role: r.Role, InvitedBy: r.InvitedBy, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt}
	}
	return out, n, nil
}

// Revoke cancels a pending invitation of the org (admin+).
func (iv *Invitations) Revoke(ctx context.Context, sc Scope, id int64) error {
	if err := sc.RequireAdmin(); err != nil {
		return err
	}
	n, err := iv.svc.q.RevokeInvitation(ctx, sqlc.RevokeInvitationParams{ID: id, OrgID: sc.OrgID})
	if err != nil {
		return fmt.Errorf("orgs: revoke invitation: %w", err)
	}
	if n == 0 {
		return apperr.NotFound("Invitation not found")
	}
	return nil
}

var errBadInvitation = apperr.Invalid("Invalid or expired token.")

// Accept turns the invitation with raw token into a membership of the
// caller, whose email must be the invited address (case-insensitive).
func (iv *Invitations) Accept(ctx context.Context, p *auth.Principal, token string) (Org, error) {
	svc := iv.svc
	hash := auth.HashToken(token)
	inv, err := svc.q.InvitationOrgByTokenHash(ctx, hash)
	if db.IsNoRows(err) {
		return Org{}, errBadInvitation
	}
	if err != nil {
		return Org{}, fmt.Errorf("orgs: accept invitation: %w", err)
	}
	var out Org
	err = db.InTx(ctx, svc.pool, func(tx pgx.Tx) error {
		q := svc.q.WithTx(tx)
		org, err := q.LockOrg(ctx, inv.OrganizationID)
		if db.IsNoRows(err) {
			return errBadInvitation
		}
		if err != nil {
			return fmt.Errorf("orgs: accept invitation: %w", err)
		}
		user, err := q.LockUser(ctx, p.UserID)
		if err != nil {
			return fmt.Errorf("orgs: accept invitation: %w", err)
		}
		row, err := q.LockInvitation(ctx, inv.ID)
		if db.IsNoRows(err) {
			return errBadInvitation
		}
		if err != nil {
			return fmt.Errorf("orgs: accept invitation: %w", err)
		}
		if row.AcceptedAt != nil || row.RevokedAt != nil || !row.ExpiresAt.After(time.Now()) {
			return errBadInvitation
		}
		// An invitation is only as good as its inviter's rights now: role
		// changes revoke invitations, but a write that skipped this service
		// (or a superuser flag taken away) must not leave one usable.
		ok, err := q.InviterCanStillInvite(ctx, row.ID)
		if err != nil {
			return fmt.Errorf("orgs: accept invitation: %w", err)
		}
		if !ok {
			return errBadInvitation
		}
		if !strings.EqualFold(strings.TrimSpace(row.Email), strings.TrimSpace(user.Email)) {
			return apperr.Forbidden("This invitation was sent to a different email address.")
		}
		if _, err := q.LockMemberByUserID(ctx, sqlc.LockMemberByUserIDParams{OrgID: org.ID, UserID: p.UserID}); err == nil {
			return apperr.Conflict("You are already a member of this organization.")
		} else if !db.IsNoRows(err) {
			return fmt.Errorf("orgs: accept invitation: %w", err)
		}
		if err := svc.addMember(ctx, tx, org.ID, p.UserID, row.Role); err != nil {
			return err
		}
		if err := q.MarkInvitationAccepted(ctx, row.ID); err != nil {
			return fmt.Errorf("orgs: accept invitation: %w", err)
		}
		out = Org{Name: org.Name, Slug: org.Slug, Type: org.Type, Role: row.Role, CreatedAt: org.CreatedAt}
		return nil
	})
	return out, svc.ownerViolation(err)
}
