package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"apistarter/internal/auth"
	"apistarter/internal/config"
	"apistarter/internal/db"

	"github.com/jackc/pgx/v5"
)

// CreateSuperuser creates a verified, active superuser who can log in at once.
func (a *App) CreateSuperuser(ctx context.Context, email, password string, out io.Writer) error {
	if password == "" {
		return fmt.Errorf("%w: createsuperuser needs --password (or APISTARTER_PASSWORD)", config.ErrUsage)
	}
	svc, err := a.accountsService()
	if err != nil {
		return err
	}
	id, err := svc.CreateSuperuser(ctx, email, password)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "superuser %s created (id %d)\n", email, id)
	return nil
}

// Demo data of seed-demo.
const (
	demoOrgSlug = "demo-team"
	demoOrgName = "Demo Team"
)

var demoContacts = []struct{ display, slug, first, last, email string }{
	{"Sample Contact", "sample-contact", "Sample", "Contact", "sample@example.com"},
	{"Ada Lovelace", "ada-lovelace", "Ada", "Lovelace", "ada@example.com"},
	{"Grace Hopper", "grace-hopper", "Grace", "Hopper", "grace@example.com"},
}

var demoTags = []struct{ name, slug string }{{"Customer", "customer"}, {"VIP", "vip"}}

// SeedDemo creates the demo user, group org, contacts and tags (idempotent).
// Without --password a random one is set on first creation and printed.
func (a *App) SeedDemo(ctx context.Context, email, password string, out io.Writer) error {
	if a.Cfg.IsProduction() {
		return errors.New("seed-demo: refusing to seed demo data in production")
	}
	svc, err := a.accountsService()
	if err != nil {
		return err
	}
	generated := false
	if password == "" {
		var exists bool
		if err := a.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1))`, email).Scan(&exists); err != nil {
			return fmt.Errorf("seed-demo: %w", err)
		}
		if !exists {
			password, generated = auth.RandomToken()[:20], true
		}
	}
	userID, created, err := svc.EnsureVerifiedUser(ctx, email, password)
	if err != nil {
		return fmt.Errorf("seed-demo: user: %w", err)
	}
	switch {
	case generated:
		fmt.Fprintf(out, "demo user %s created, password: %s\n", email, password)
	case created:
		fmt.Fprintf(out, "demo user %s created\n", email)
	default:
		fmt.Fprintf(out, "demo user %s exists\n", email)
	}

	var orgID int64
	err = a.DB.QueryRow(ctx, `SELECT id FROM organizations WHERE slug = $1`, demoOrgSlug).Scan(&orgID)
	if db.IsNoRows(err) {
		slug := demoOrgSlug
		if _, err := a.Orgs.CreateGroupOrg(ctx, userID, demoOrgName, &slug); err != nil {
			return fmt.Errorf("seed-demo: org: %w", err)
		}
		err = a.DB.QueryRow(ctx, `SELECT id FROM organizations WHERE slug = $1`, demoOrgSlug).Scan(&orgID)
		fmt.Fprintf(out, "group org %s created\n", demoOrgSlug)
	}
	if err != nil {
		return fmt.Errorf("seed-demo: org: %w", err)
	}
	return a.seedDemoContent(ctx, orgID, userID, out)
}

// seedDemoContent adds contacts and tags with plain SQL when their tables
// exist (they belong to other features).
func (a *App) seedDemoContent(ctx context.Context, orgID, userID int64, out io.Writer) error {
	var haveContacts, haveTags bool
	err := a.DB.QueryRow(ctx, `SELECT to_regclass('contacts') IS NOT NULL, to_regclass('tags') IS NOT NULL AND to_regclass('tagged_items') IS NOT NULL`).
		Scan(&haveContacts, &haveTags)
	if err != nil {
		return fmt.Errorf("seed-demo: %w", err)
	}
	return db.InTx(ctx, a.DB, func(tx pgx.Tx) error {
		added := 0
		if haveContacts {
			for _, c := range demoContacts {
				tag, err := tx.Exec(ctx, `INSERT INTO contacts (organization_id, creator_id, display_name, slug, first_name, last_name, email)
					VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (organization_id, slug) DO NOTHING`,
					orgID, userID, c.display, c.slug, c.first, c.last, c.email)
				if err != nil {
					return fmt.Errorf("seed-demo: contact: %w", err)
				}
				added += int(tag.RowsAffected())
			}
		}
		if haveTags {
			for _, t := range demoTags {
				if _, err := tx.Exec(ctx, `INSERT INTO tags (organization_id, name, slug) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, orgID, t.name, t.slug); err != nil {
					return fmt.Errorf("seed-demo: tag: %w", err)
				}
			}
			if haveContacts {
				_, err := tx.Exec(ctx, `INSERT INTO tagged_items (tag_id, target_type, object_id)
					SELECT t.id, 'contacts.contact', c.id FROM tags t JOIN contacts c ON c.organization_id = t.organization_id
					WHERE t.organization_id = $1 AND t.slug = 'customer' AND c.slug = 'sample-contact'
					ON CONFLICT DO NOTHING`, orgID)
				if err != nil {
					return fmt.Errorf("seed-demo: tag assignment: %w", err)
				}
			}
		}
		fmt.Fprintf(out, "demo contacts added: %d (contacts table: %v, tags table: %v)\n", added, haveContacts, haveTags)
		return nil
	})
}
