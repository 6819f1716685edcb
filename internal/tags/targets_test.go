package tags_test

import (
	"context"
	"testing"

	"apistarter/internal/apperr"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/tags"
)

func TestResolveTarget(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bob := e.s.CreateUser(t, "bob")
	mine := e.contact(t, e.org, e.owner.Token, "Mine")
	bobs := e.contact(t, bob.PersonalOrg, bob.Token, "Bob's")
	q := sqlc.New(e.s.App.DB)
	ctx := context.Background()
	cases := []struct {
		app, model string
		id         int64
		want       tags.Target
		err        string
	}{
		{"contacts", "contact", mine, tags.Target{Type: tags.TargetContact, ObjectID: mine}, ""},
		{"CONTACTS", "Contact", mine, tags.Target{Type: tags.TargetContact, ObjectID: mine}, ""},
		{"organizations", "organization", e.orgID, tags.Target{Type: tags.TargetOrganization, ObjectID: e.orgID}, ""},
		{"contacts", "contact", bobs, tags.Target{}, "Object not found"},
		{"contacts", "contact", -1, tags.Target{}, "Object not found"},
		{"organizations", "organization", e.orgID + 1, tags.Target{}, "Object not found"},
		{"accounts", "user", e.owner.ID, tags.Target{}, "Object type not found"},
		{"contacts.contact", "", mine, tags.Target{}, "Object type not found"},
	}
	for _, c := range cases {
		got, err := tags.ResolveTarget(ctx, q, e.orgID, c.app, c.model, c.id)
		if c.err == "" {
			if err != nil || got != c.want {
				t.Errorf("%s/%s/%d: %+v, %v", c.app, c.model, c.id, got, err)
			}
			continue
		}
		ae, ok := err.(*apperr.Error)
		if !ok || ae.Kind != apperr.KindNotFound || ae.Detail != c.err {
			t.Errorf("%s/%s/%d: error %v, want 404 %q", c.app, c.model, c.id, err, c.err)
		}
	}
}
