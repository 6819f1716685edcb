package admin

import (
	"net/http"
	"strings"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/orgs"
)

// orgs lists organizations matching ?q= (name or slug).
func (c *Console) orgs(w http.ResponseWriter, r *http.Request, s *session) {
	q, page := r.URL.Query().Get("q"), pageOf(r)
	rows, err := c.q.AdminSearchOrgs(r.Context(), sqlc.AdminSearchOrgsParams{Pattern: likePattern(q), Lim: pageSize, Off: int32((page - 1) * pageSize)})
	if err != nil {
		c.failErr(w, r, s, err)
		return
	}
	var total int64
	if len(rows) > 0 {
		total = rows[0].Total
	}
	c.render(w, r, http.StatusOK, "orgs", s, map[string]any{"Q": q, "Rows": rows, "Pager": newPager(r, page, total, len(rows))})
}

// loadOrg reads the org of the {id} path value.
func (c *Console) loadOrg(r *http.Request) (sqlc.AdminOrgRow, error) {
	id, ok := pathID(r, "id")
	if !ok {
		return sqlc.AdminOrgRow{}, apperr.OrgNotFound()
	}
	o, err := c.q.AdminOrg(r.Context(), id)
	if db.IsNoRows(err) {
		return o, apperr.OrgNotFound()
	}
	return o, err
}

// scope is the tenant scope a superuser acts in: the API's platform admin,
// so the orgs and exports services apply their own rules to the action.
func scope(o sqlc.AdminOrgRow, s *session) orgs.Scope {
	return orgs.Scope{OrgID: o.ID, Slug: o.Slug, Name: o.Name, Type: o.Type, Role: orgs.RolePlatformAdmin, UserID: s.UserID}
}

// org shows one organization: members and roles, pending invitations,
// content counts and exports.
func (c *Console) org(w http.ResponseWriter, r *http.Request, s *session) {
	o, err := c.loadOrg(r)
	if err != nil {
		c.failErr(w, r, s, err)
		return
	}
	members, err := c.q.AdminOrgMembers(r.Context(), o.ID)
	if err != nil {
		c.failErr(w, r, s, err)
		return
	}
	invs, err := c.q.ListPendingInvitations(r.Context(), sqlc.ListPendingInvitationsParams{OrgID: o.ID, Lim: 200, Off: 0})
	if err != nil {
		c.failErr(w, r, s, err)
		return
	}
	exps, err := c.q.AdminOrgExports(r.Context(), o.ID)
	if err != nil {
		c.failErr(w, r, s, err)
		return
	}
	c.render(w, r, http.StatusOK, "org", s, map[string]any{"O": o, "Members": members, "Invitations": invs, "Exports": exps})
}

// confirmOrgDelete asks for the slug before deleting an org.
func (c *Console) confirmOrgDelete(w http.ResponseWriter, r *http.Request, s *session) {
	o, err := c.loadOrg(r)
	if err != nil {
		c.failErr(w, r, s, err)
		return
	}
	c.render(w, r, http.StatusOK, "confirm", s, map[string]any{
		"Title": "Delete organization " + o.Name, "Action": Path + "orgs/" + itoa(o.ID) + "/delete", "Back": Path + "orgs/" + itoa(o.ID),
		"Expect": o.Slug, "What": "the organization's slug",
		"Consequence": "The organization and all its contacts, tags, images, invitations, exports and memberships are deleted; stored files are removed by a background task. This cannot be undone.",
	})
}

func orgDone(action string, o sqlc.AdminOrgRow, detail, flash string) done {
	return done{Action: action, TargetType: "org", TargetID: itoa(o.ID), Target: o.Slug, Detail: detail,
		Redirect: Path + "orgs/" + itoa(o.ID) + "?ok=" + flash}
}

func (c *Console) changeRole(r *http.Request, s *session) (done, error) {
	o, err := c.loadOrg(r)
	if err != nil {
		return done{}, err
	}
	member, role := r.PostFormValue("member"), r.PostFormValue("role")
	if _, err := c.Orgs.ChangeRole(r.Context(), scope(o, s), member, role); err != nil {
		return done{}, err
	}
	return orgDone("member_role_changed", o, member+" → "+role, "role"), nil
}

func (c *Console) removeMember(r *http.Request, s *session) (done, error) {
	o, err := c.loadOrg(r)
	if err != nil {
		return done{}, err
	}
	member := r.PostFormValue("member")
	if err := c.Orgs.RemoveMember(r.Context(), scope(o, s), member); err != nil {
		return done{}, err
	}
	return orgDone("member_removed", o, member, "removed"), nil
}

func (c *Console) transferOwnership(r *http.Request, s *session) (done, error) {
	o, err := c.loadOrg(r)
	if err != nil {
		return done{}, err
	}
	member := r.PostFormValue("member")
	if err := c.Orgs.TransferOwnership(r.Context(), scope(o, s), member); err != nil {
		return done{}, err
	}
	return orgDone("ownership_transferred", o, "to "+member, "transferred"), nil
}

func (c *Console) revokeInvitation(r *http.Request, s *session) (done, error) {
	o, err := c.loadOrg(r)
	if err != nil {
		return done{}, err
	}
	id, ok := pathID(r, "inv")
	if !ok {
		return done{}, apperr.NotFound("Invitation not found")
	}
	if err := c.Invitations.Revoke(r.Context(), scope(o, s), id); err != nil {
		return done{}, err
	}
	return orgDone("invitation_revoked", o, "invitation "+itoa(id), "invitation"), nil
}

func (c *Console) startExport(r *http.Request, s *session) (done, error) {
	o, err := c.loadOrg(r)
	if err != nil {
		return done{}, err
	}
	job, err := c.Exports.Create(r.Context(), scope(o, s))
	if err != nil {
		return done{}, err
	}
	return orgDone("export_started", o, "job "+job.ID.String(), "export"), nil
}

// deleteOrg deletes a group once the operator typed its slug.
func (c *Console) deleteOrg(r *http.Request, s *session) (done, error) {
	o, err := c.loadOrg(r)
	if err != nil {
		return done{}, err
	}
	if strings.TrimSpace(r.PostFormValue("confirm")) != o.Slug {
		return done{}, apperr.Invalid("Type the organization's slug to confirm the deletion.")
	}
	if err := c.Orgs.DeleteOrg(r.Context(), scope(o, s)); err != nil {
		return done{}, err
	}
	d := orgDone("org_deleted", o, o.Name, "org-deleted")
	d.Redirect = Path + "orgs?ok=org-deleted"
	return d, nil
}
