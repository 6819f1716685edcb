package orgs

import (
	"context"
	"fmt"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
)

// MemberScope is the scope userID has in the org named slug, as the API's
// scope middleware would resolve it for that user; commands (seed-demo) use
// it to act through the feature services like a member would.
func (s *Service) MemberScope(ctx context.Context, userID int64, slug string) (Scope, error) {
	r, err := s.q.MemberScope(ctx, sqlc.MemberScopeParams{Slug: slug, UserID: userID})
	if db.IsNoRows(err) {
		return Scope{}, apperr.OrgNotFound()
	}
	if err != nil {
		return Scope{}, fmt.Errorf("orgs: member scope: %w", err)
	}
	return Scope{OrgID: r.ID, Slug: r.Slug, Name: r.Name, Type: r.Type, Role: r.Role, UserID: userID}, nil
}
