package orgs

import (
	"apistarter/internal/textnorm"
	"context"
	"fmt"
	"strings"
	"time"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"

	"github.com/jackc/pgx/v5"
)

// Org is an organization as seen by one user: with that user's role.
type Org struct {
	Name      string    `json:"name"`
	Slug      string    `json:"slug"`
	Type      string    `json:"type"`
	Role      string    `json:"role" doc:"owner, admin, member, or platform_admin for superusers"`
	CreatedAt time.Time `json:"created_at"`
}

// ListMyOrgs pages through the orgs userID belongs to, oldest first.
func (s *Service) ListMyOrgs(ctx context.Context, userID int64, limit, offset int) ([]Org, int64, error) {
	rows, err := s.q.ListMyOrgs(ctx, sqlc.ListMyOrgsParams{UserID: userID, Lim: int32(limit), Off: int32(offset)})
	if err != nil {
		return nil, 0, fmt.Errorf("orgs: list my orgs: %w", err)
	}
	n, err := s.q.CountMyOrgs(ctx, userID)
	if err != nil {
		return nil, 0, fmt.Errorf("orgs: count my orgs: %w", err)
	}
	out := make([]Org, len(rows))
	for i, r := range rows {
		out[i] = Org{Name: r.Name, Slug: r.Slug, Type: r.Type, Role: r.Role, CreatedAt: r.CreatedAt}
	}
	return out, n, nil
}

// CreateGroupOrg creates a group org with userID as its first owner, in one
// transaction (the owner trigger requires it). An explicit slug must be
// free (409); otherwise one is derived from the name.
func (s *Service) CreateGroupOrg(ctx context.Context, userID int64, name string, slug *string) (Org, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Org{}, apperr.Invalid("Name must not be blank.")
	}
	base, exact := "", slug != nil
	if exact {
		base = *slug
	} else if base = textnorm.Cut(textnorm.Slugify(name), SlugMaxLen); base == "" {
		base = "org"
	}
	var org sqlc.InsertOrgRow
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		org, err = s.insertOrgUniqueSlug(ctx, tx, sqlc.InsertOrgParams{Name: name, Type: TypeGroup, CreatorID: &userID}, base, exact)
		if err != nil {
			return err
		}
		return s.addMember(ctx, tx, org.ID, userID, RoleOwner)
	})
	if err != nil {
		return Org{}, s.ownerViolation(err)
	}
	return Org{Name: org.Name, Slug: org.Slug, Type: org.Type, Role: RoleOwner, CreatedAt: org.CreatedAt}, nil
}

// GetOrg returns the scope's org with the caller's role.
func (s *Service) GetOrg(ctx context.Context, sc Scope) (Org, error) {
	o, err := s.q.OrgByID(ctx, sc.OrgID)
	if db.IsNoRows(err) {
		return Org{}, apperr.OrgNotFound()
	}
	if err != nil {
		return Org{}, fmt.Errorf("orgs: get org: %w", err)
	}
	return Org{Name: o.Name, Slug: o.Slug, Type: o.Type, Role: sc.Role, CreatedAt: o.CreatedAt}, nil
}

// RenameOrg changes the name (admin+); the slug never changes.
func (s *Service) RenameOrg(ctx context.Context, sc Scope, name string) (Org, error) {
	if err := sc.RequireAdmin(); err != nil {
		return Org{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return Org{}, apperr.Invalid("Name must not be blank.")
	}
	o, err := s.q.RenameOrg(ctx, sqlc.RenameOrgParams{OrgID: sc.OrgID, Name: name})
	if db.IsNoRows(err) {
		return Org{}, apperr.OrgNotFound()
	}
	if err != nil {
		return Org{}, fmt.Errorf("orgs: rename: %w", err)
	}
	return Org{Name: o.Name, Slug: o.Slug, Type: o.Type, Role: sc.Role, CreatedAt: o.CreatedAt}, nil
}

// DeleteOrg deletes a group org and everything in it (owner only); the
// storage objects go through the outbox. Personal orgs cannot be deleted.
func (s *Service) DeleteOrg(ctx context.Context, sc Scope) error {
	if !sc.IsOwner() {
		return apperr.Forbidden(msgOwnersOnly)
	}
	return s.writeOrg(ctx, sc, func(tx pgx.Tx, org sqlc.LockOrgRow, caller string) error {
		if caller != RoleOwner && caller != RolePlatformAdmin {
			return apperr.Forbidden(msgOwnersOnly)
		}
		if org.Type == TypePersonal {
			return apperr.Invalid("Personal organizations cannot be deleted.")
		}
		return s.deleteOrgs(ctx, tx, []int64{org.ID})
	})
}
