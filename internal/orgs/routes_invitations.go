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
	huma.Register(api, httpapi.Route{ID: "orgs-invitations-create", Method: http.MethodPost, Path: "/orgs/{org_slug}/invitations/",
		Summary:     "Invite someone by email (admin+)",
		Description: "Limited per inviting user, per organization and per recipient address (429 with Retry-After).",
		Tag:         "organizations", Status: http.StatusCreated, Errors: []int{http.StatusTooManyRequests}}.Operation(),
		func(ctx context.Context, in *inviteIn) (*invitationOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			i, err := inv.Invite(ctx, ScopeFrom(ctx), p, in.Body.Email, in.Body.Role)
			if err != nil {
				return nil, err
			}
			return &invitationOut{Body: i}, nil
		})

	huma.Register(api, httpapi.Route{ID: "orgs-invitations-list", Method: http.MethodGet, Path: "/orgs/{org_slug}/invitations/",
		Summary: "List pending invitations (admin+)", Tag: "organizations"}.Operation(),
		func(ctx context.Context, in *listInvitationsIn) (*invitationPageOut, error) {
			items, n, err := inv.List(ctx, ScopeFrom(ctx), in.Limit, in.Offset)
			if err != nil {
				return nil, err
			}
			return &invitationPageOut{Body: httpapi.Page[Invitation]{Items: items, Count: n}}, nil
		})

	huma.Register(api, httpapi.Route{ID: "orgs-invitations-revoke", Method: http.MethodDelete, Path: "/orgs/{org_slug}/invitations/{id}/",
		Summary: "Revoke a pending invitation (admin+)", Tag: "organizations", Status: http.StatusNoContent}.Operation(),
		func(ctx context.Context, in *invitationPath) (*struct{}, error) {
			return nil, inv.Revoke(ctx, ScopeFrom(ctx), in.ID)
		})

	huma.Register(api, httpapi.Route{ID: "invitations-accept", Method: http.MethodPost, Path: "/invitations/accept",
		Summary: "Accept an invitation (the invited user)", Tag: "organizations"}.Operation(),
		func(ctx context.Context, in *acceptIn) (*orgOut, error) {
			p, _ := auth.PrincipalFrom(ctx)
			o, err := inv.Accept(ctx, p, in.Body.Token)
			if err != nil {
				return nil, err
			}
			return &orgOut{Body: o}, nil
		})
}
