package orgs

import (
	"context"
	"net/http"

	"apistarter/internal/auth"
	"apistarter/internal/httpapi"

	"github.com/danielgtaylor/huma/v2"
)

type invitationOut struct{ Body Invitation }

type invitationPageOut struct{ Body httpapi.Page[Invitation] }

type inviteIn struct {
	orgSlugPath
	Body struct {
		Email string `json:"email" minLength:"3" maxLength:"254"`
		Role  string `json:"role" required:"false" default:"member" enum:"owner,admin,member"`
	}
}

type listInvitationsIn struct {
	orgSlugPath
	httpapi.PageParams
}

type invitationPath struct {
	orgSlugPath
	ID int64 `path:"id" minimum:"1"`
}

type acceptIn struct {
	Body struct {
		Token string `json:"token" minLength:"1" maxLength:"128"`
	}
}

func registerInvitationRoutes(api huma.API, inv *Invitations) {
	invite := op("orgs-invitations-create", http.MethodPost, "/orgs/{org_slug}/invitations/", "Invite someone by email (admin+)", http.StatusCreated)
	invite.Description = "Limited per inviting user, per organization and per recipient address (429 with Retry-After)."
	invite.Errors = []int{http.StatusTooManyRequests}
	huma.Register(api, invite,
		func(ctx context.Context, in *inviteIn) (*invitationOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			i, err := inv.Invite(ctx, ScopeFrom(ctx), p, in.Body.Email, in.Body.Role)
			if err != nil {
				return nil, err
			}
			return &invitationOut{Body: i}, nil
		})

	huma.Register(api, op("orgs-invitations-list", http.MethodGet, "/orgs/{org_slug}/invitations/", "List pending invitations (admin+)", 0),
		func(ctx context.Context, in *listInvitationsIn) (*invitationPageOut, error) {
			items, n, err := inv.List(ctx, ScopeFrom(ctx), in.Limit, in.Offset)
			if err != nil {
				return nil, err
			}
			return &invitationPageOut{Body: httpapi.Page[Invitation]{Items: items, Count: n}}, nil
		})

	huma.Register(api, op("orgs-invitations-revoke", http.MethodDelete, "/orgs/{org_slug}/invitations/{id}/", "Revoke a pending invitation (admin+)", http.StatusNoContent),
		func(ctx context.Context, in *invitationPath) (*struct{}, error) {
			return nil, inv.Revoke(ctx, ScopeFrom(ctx), in.ID)
		})

	huma.Register(api, op("invitations-accept", http.MethodPost, "/invitations/accept", "Accept an invitation (the invited user)", 0),
		func(ctx context.Context, in *acceptIn) (*orgOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			o, err := inv.Accept(ctx, p, in.Body.Token)
			if err != nil {
				return nil, err
			}
			return &orgOut{Body: o}, nil
		})
}
