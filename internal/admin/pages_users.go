package admin

import (
	"net/http"
	"strings"

	"apistarter/internal/apperr"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
)

// overview shows the counts operators look at first.
func (c *Console) overview(w http.ResponseWriter, r *http.Request, s *session) {
	o, err := c.q.AdminOverview(r.Context())
	if err != nil {
		c.failErr(w, r, s, err)
		return
	}
	c.render(w, r, http.StatusOK, "overview", s, o)
}

// users lists accounts matching ?q= (email, username or name).
func (c *Console) users(w http.ResponseWriter, r *http.Request, s *session) {
	q, page := r.URL.Query().Get("q"), pageOf(r)
	rows, err := c.q.AdminSearchUsers(r.Context(), sqlc.AdminSearchUsersParams{Pattern: likePattern(q), Lim: pageSize, Off: int32((page - 1) * pageSize)})
	if err != nil {
		c.failErr(w, r, s, err)
		return
	}
	var total int64
	if len(rows) > 0 {
		total = rows[0].Total
	}
	c.render(w, r, http.StatusOK, "users", s, map[string]any{"Q": q, "Rows": rows, "Pager": newPager(r, page, total, len(rows))})
}

// loadUser reads the user of the {id} path value.
func (c *Console) loadUser(r *http.Request) (sqlc.AdminUserRow, error) {
	id, ok := pathID(r, "id")
	if !ok {
		return sqlc.AdminUserRow{}, apperr.NotFound("User not found")
	}
	u, err := c.q.AdminUser(r.Context(), id)
	if db.IsNoRows(err) {
		return u, apperr.NotFound("User not found")
	}
	return u, err
}

// user shows one account: profile, verification, sessions, memberships.
func (c *Console) user(w http.ResponseWriter, r *http.Request, s *session) {
	u, err := c.loadUser(r)
	if err != nil {
		c.failErr(w, r, s, err)
		return
	}
	sessions, err := c.q.ListLiveSessions(r.Context(), sqlc.ListLiveSessionsParams{UserID: u.ID, Lim: 100, Off: 0})
	if err != nil {
		c.failErr(w, r, s, err)
		return
	}
	members, err := c.q.AdminUserMemberships(r.Context(), u.ID)
	if err != nil {
		c.failErr(w, r, s, err)
		return
	}
	c.render(w, r, http.StatusOK, "user", s, map[string]any{"U": u, "Sessions": sessions, "Memberships": members})
}

// confirmUserDelete asks for the address before deleting an account.
func (c *Console) confirmUserDelete(w http.ResponseWriter, r *http.Request, s *session) {
	u, err := c.loadUser(r)
	if err != nil {
		c.failErr(w, r, s, err)
		return
	}
	c.render(w, r, http.StatusOK, "confirm", s, map[string]any{
		"Title": "Delete user " + u.Email, "Action": Path + "users/" + itoa(u.ID) + "/delete", "Back": Path + "users/" + itoa(u.ID),
		"Expect": u.Email, "What": "the email address",
		"Consequence": "The account, its personal organization with everything in it, its sessions and memberships are deleted; stored files are removed by a background task. This cannot be undone.",
	})
}

func (c *Console) activateUser(active bool) func(*http.Request, *session) (done, error) {
	return func(r *http.Request, s *session) (done, error) {
		u, err := c.loadUser(r)
		if err != nil {
			return done{}, err
		}
		if !active && u.ID == s.UserID {
			return done{}, apperr.Conflict("You cannot deactivate your own account from the console.")
		}
		if err := c.Accounts.SetUserActive(r.Context(), u.ID, active); err != nil {
			return done{}, err
		}
		action, flash := "user_deactivated", "deactivated"
		if active {
			action, flash = "user_activated", "activated"
		}
		return userDone(action, u, flash), nil
	}
}

func (c *Console) verifyUser(r *http.Request, _ *session) (done, error) {
	u, err := c.loadUser(r)
	if err != nil {
		return done{}, err
	}
	if err := c.Accounts.MarkEmailVerified(r.Context(), u.ID); err != nil {
		return done{}, err
	}
	return userDone("user_email_verified", u, "verified"), nil
}

func (c *Console) revokeUserSessions(r *http.Request, _ *session) (done, error) {
	u, err := c.loadUser(r)
	if err != nil {
		return done{}, err
	}
	if err := c.Accounts.RevokeAllSessionsOf(r.Context(), u.ID); err != nil {
		return done{}, err
	}
	return userDone("user_sessions_revoked", u, "sessions"), nil
}

// sendPasswordReset mails the user a reset link through the same flow as
// the API's reset request (its per-recipient cap included).
func (c *Console) sendPasswordReset(r *http.Request, _ *session) (done, error) {
	u, err := c.loadUser(r)
	if err != nil {
		return done{}, err
	}
	if err := c.Accounts.RequestPasswordReset(r.Context(), u.Email); err != nil {
		return done{}, err
	}
	return userDone("user_password_reset_sent", u, "reset"), nil
}

// deleteUser deletes the account once the operator typed its address.
func (c *Console) deleteUser(r *http.Request, s *session) (done, error) {
	u, err := c.loadUser(r)
	if err != nil {
		return done{}, err
	}
	if !strings.EqualFold(strings.TrimSpace(r.PostFormValue("confirm")), u.Email) {
		return done{}, apperr.Invalid("Type the user's email address to confirm the deletion.")
	}
	if u.ID == s.UserID {
		return done{}, apperr.Conflict("You cannot delete your own account from the console.")
	}
	if err := c.Accounts.DeleteUser(r.Context(), u.ID); err != nil {
		return done{}, err
	}
	d := userDone("user_deleted", u, "user-deleted")
	d.Redirect = Path + "users?ok=user-deleted"
	return d, nil
}

func userDone(action string, u sqlc.AdminUserRow, flash string) done {
	return done{Action: action, TargetType: "user", TargetID: itoa(u.ID), Target: u.Email,
		Redirect: Path + "users/" + itoa(u.ID) + "?ok=" + flash}
}
