package orgs

import (
	"context"
	"fmt"

	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"

	"github.com/jackc/pgx/v5"
)

// Org types.
const (
	TypePersonal = "personal"
	TypeGroup    = "group"
)

const slugRetries = 5

// CreatePersonalOrg creates the personal org of a user and its owner
// membership inside the caller's transaction (user creation). It is
// idempotent: an existing personal org is returned, its creator-owner
// membership repaired.
func (s *Service) CreatePersonalOrg(ctx context.Context, tx pgx.Tx, userID int64, username, userSlug string) (int64, error) {
	q := s.q.WithTx(tx)
	orgID, err := q.PersonalOrgOf(ctx, userID)
	switch {
	case err == nil:
	case db.IsNoRows(err):
		name := username
		if name == "" {
			name = fmt.Sprintf("user-%d", userID)
		}
		base := userSlug
		if base == "" {
			base = fmt.Sprintf("user-%d", userID)
		}
		org, err := s.insertOrgUniqueSlug(ctx, tx, sqlc.InsertOrgParams{Name: name, Type: TypePersonal, CreatorID: &userID}, base, false)
		if err != nil {
			return 0, err
		}
		orgID = org.ID
	default:
		return 0, fmt.Errorf("orgs: personal org: %w", err)
	}
	if err := q.EnsureOwnerMembership(ctx, sqlc.EnsureOwnerMembershipParams{UserID: userID, OrgID: orgID}); err != nil {
		return 0, fmt.Errorf("orgs: personal owner membership: %w", err)
	}
	return orgID, nil
}

// insertOrgUniqueSlug inserts an org with a unique slug derived from base
// (or exactly base when exact). A unique race is retried in a savepoint
// with <slug[:41]>-<8 hex>; an exact slug that is taken is ErrSlugTaken.
func (s *Service) insertOrgUniqueSlug(ctx context.Context, tx pgx.Tx, p sqlc.InsertOrgParams, base string, exact bool) (sqlc.InsertOrgRow, error) {
	slug := base
	if !exact {
		var err error
		if slug, err = uniqueSlug(ctx, s.q.WithTx(tx), base); err != nil {
			return sqlc.InsertOrgRow{}, err
		}
	}
	for attempt := 1; ; attempt++ {
		p.Slug = slug
		var org sqlc.InsertOrgRow
		err := pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
			var err error
			org, err = s.q.WithTx(sp).InsertOrg(ctx, p)
			return err
		})
		if err == nil {
			return org, nil
		}
		if c, ok := db.Constraint(err, "23505"); !ok || c != "organizations_slug_key" {
			return sqlc.InsertOrgRow{}, fmt.Errorf("orgs: insert org: %w", err)
		}
		if exact {
			return sqlc.InsertOrgRow{}, errSlugTaken
		}
		if attempt == slugRetries {
			return sqlc.InsertOrgRow{}, fmt.Errorf("orgs: insert org: no free slug after %d attempts: %w", attempt, err)
		}
		slug = randomSlug(base)
	}
}
