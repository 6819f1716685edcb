package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"apistarter/internal/apperr"
	"apistarter/internal/auth"
	"apistarter/internal/config"
	"apistarter/internal/contacts"
	"apistarter/internal/orgs"
	"apistarter/internal/tags"
)

// CreateSuperuser creates a verified, active superuser who can log in at once.
func (a *App) CreateSuperuser(ctx context.Context, email, password string, out io.Writer) error {
	if password == "" {
		return fmt.Errorf("%w: createsuperuser needs --password (or APISTARTER_PASSWORD)", config.ErrUsage)
	}
	id, err := a.accounts.CreateSuperuser(ctx, email, password)
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

// The demo contact tagged as a customer.
const (
	demoCustomerSlug = "sample-contact"
	demoCustomerTag  = "Customer"
)

// SeedDemo creates the demo user, group org, contacts and tags through the
// same services as the API, so every rule and trigger applies; running it
// again adds nothing. Without --password a random one is set when the user
// is created, and printed.
func (a *App) SeedDemo(ctx context.Context, email, password string, out io.Writer) error {
	if a.Cfg.IsProduction() {
		return errors.New("seed-demo: refusing to seed demo data in production")
	}
	userID, created, err := a.accounts.EnsureVerifiedUser(ctx, email, password)
	if err != nil {
		return fmt.Errorf("seed-demo: user: %w", err)
	}
	switch {
	case created && password == "":
		password = auth.RandomToken()[:20]
		if _, _, err := a.accounts.EnsureVerifiedUser(ctx, email, password); err != nil {
			return fmt.Errorf("seed-demo: user password: %w", err)
		}
		fmt.Fprintf(out, "demo user %s created, password: %s\n", email, password)
	case created:
		fmt.Fprintf(out, "demo user %s created\n", email)
	default:
		fmt.Fprintf(out, "demo user %s exists\n", email)
	}

	sc, err := a.Orgs.MemberScope(ctx, userID, demoOrgSlug)
	if isNotFound(err) {
		slug := demoOrgSlug
		if _, err := a.Orgs.CreateGroupOrg(ctx, userID, demoOrgName, &slug); err != nil {
			return fmt.Errorf("seed-demo: org: %w", err)
		}
		fmt.Fprintf(out, "group org %s created\n", demoOrgSlug)
		sc, err = a.Orgs.MemberScope(ctx, userID, demoOrgSlug)
	}
	if err != nil {
		return fmt.Errorf("seed-demo: org: %w", err)
	}
	return a.seedDemoContent(ctx, sc, out)
}

// seedDemoContent adds the demo contacts and tags that are missing, and
// tags the sample contact as a customer.
func (a *App) seedDemoContent(ctx context.Context, sc orgs.Scope, out io.Writer) error {
	me, err := a.accounts.GetProfile(ctx, sc.UserID)
	if err != nil {
		return fmt.Errorf("seed-demo: profile: %w", err)
	}
	added := 0
	var sample int64
	for _, c := range demoContacts {
		got, err := a.contacts.Get(ctx, sc, c.slug)
		if isNotFound(err) {
			set := func(v string) contacts.Optional[string] { return contacts.Optional[string]{Set: true, Value: v} }
			got, err = a.contacts.Create(ctx, sc, me.Slug, &contacts.Fields{
				DisplayName: set(c.display), FirstName: set(c.first), LastName: set(c.last), Email: set(c.email),
			})
			added++
		}
		if err != nil {
			return fmt.Errorf("seed-demo: contact %s: %w", c.slug, err)
		}
		if c.slug == demoCustomerSlug {
			sample = got.ID
		}
	}
	for _, t := range demoTags {
		_, err := a.tags.BySlug(ctx, sc.OrgID, t.slug)
		if isNotFound(err) {
			_, err = a.tags.Create(ctx, sc.OrgID, t.name)
		}
		if err != nil {
			return fmt.Errorf("seed-demo: tag %s: %w", t.slug, err)
		}
	}
	target := tags.Target{Type: tags.TargetContact, ObjectID: sample}
	if _, err := a.tags.Assign(ctx, sc.OrgID, sc.UserID, target, []string{demoCustomerTag}); err != nil {
		return fmt.Errorf("seed-demo: tag assignment: %w", err)
	}
	fmt.Fprintf(out, "demo contacts added: %d\n", added)
	return nil
}

// isNotFound reports a service's 404 error.
func isNotFound(err error) bool {
	var ae *apperr.Error
	return errors.As(err, &ae) && ae.Kind == apperr.KindNotFound
}
