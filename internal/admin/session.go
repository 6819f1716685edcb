package admin

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"apistarter/internal/auth"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
)

// Cookie names. The session cookie holds a random token whose SHA-256 is
// the admin_sessions key; the login cookie carries the sign-in form's CSRF
// token before there is a session.
const (
	sessionCookie = "admin_session"
	loginCookie   = "admin_login_csrf"
)

// session is the signed-in console user of a request.
type session struct {
	UserID    int64
	Email     string
	Superuser bool
	CSRF      string
}

// CanAct reports the right to act (superusers); staff only read.
func (s *session) CanAct() bool { return s != nil && s.Superuser }

// current returns the request's live session, extending it, or nil.
func (c *Console) current(r *http.Request) *session {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 200 {
		return nil
	}
	row, err := c.q.TouchAdminSession(r.Context(), sqlc.TouchAdminSessionParams{
		TokenHash: auth.HashToken(ck.Value), IdleSeconds: c.Settings.IdleTimeout.Seconds(), MaxAgeSeconds: MaxSessionAge.Seconds(),
	})
	if err != nil {
		if !db.IsNoRows(err) {
			c.Log.ErrorContext(r.Context(), "admin: session lookup", "error", err.Error())
		}
		return nil
	}
	return &session{UserID: row.UserID, Email: row.Email, Superuser: row.IsSuperuser, CSRF: row.CsrfToken}
}

// page wraps a GET page: without a session the browser goes to sign-in.
func (c *Console) page(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := c.current(r)
		if s == nil {
			http.Redirect(w, r, Path+"login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		h(w, r, s)
	}
}

// done is what a successful action leaves: its audit entry and where the
// browser goes next.
type done struct {
	Action     string
	TargetType string
	TargetID   string
	Target     string
	Detail     string
	Redirect   string
}

// action wraps a POST action: a superuser session and its CSRF token are
// required (403 otherwise, with nothing done); success is recorded in the
// audit log and answered with a redirect (post/redirect/get).
func (c *Console) action(h func(*http.Request, *session) (done, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := c.current(r)
		if s == nil {
			c.fail(w, r, nil, http.StatusForbidden, "Sign in to the admin console first.")
			return
		}
		if !c.sameOrigin(r) || !validCSRF(r.PostFormValue("csrf"), s.CSRF) {
			c.fail(w, r, s, http.StatusForbidden, "The form has expired or did not come from this console. Reload the page and try again.")
			return
		}
		if !s.CanAct() {
			c.fail(w, r, s, http.StatusForbidden, "Staff accounts can look but not act: this needs a superuser.")
			return
		}
		d, err := h(r, s)
		if err != nil {
			c.failErr(w, r, s, err)
			return
		}
		c.record(r, s, d)
		http.Redirect(w, r, d.Redirect, http.StatusSeeOther)
	}
}

// validCSRF compares a submitted token with the expected one in constant
// time; an empty expected token never matches.
func validCSRF(got, want string) bool {
	return want != "" && len(got) == len(want) && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// sameOrigin refuses a POST whose Origin names another site (browsers send
// it on form posts); SameSite=Strict and the CSRF token stand behind it.
func (c *Console) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	if c.base.Host != "" && o == c.base.Scheme+"://"+c.base.Host {
		return true
	}
	return o == requestScheme(r)+"://"+r.Host
}

func (c *Console) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: Path, MaxAge: maxAge, HttpOnly: true,
		Secure: c.Settings.SecureCookies, SameSite: http.SameSiteStrictMode}
}

// loginPage shows the sign-in form with a fresh CSRF token in a cookie.
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	if c.current(r) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	c.renderLogin(w, r, http.StatusOK, "", "")
}

func (c *Console) renderLogin(w http.ResponseWriter, r *http.Request, status int, email, problem string) {
	token := auth.RandomToken()
	http.SetCookie(w, c.cookie(loginCookie, token, 3600))
	c.render(w, r, status, "login", nil, map[string]any{
		"CSRF": token, "Email": email, "Problem": problem, "Next": safeNext(r.FormValue("next")),
	})
}

// login checks the credentials through the accounts service (its throttle,
// backoff and hashing) and opens a console session. Every refusal reads
// the same, whatever the address.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(loginCookie)
	if err != nil || !c.sameOrigin(r) || !validCSRF(r.PostFormValue("csrf"), ck.Value) {
		c.renderLogin(w, r, http.StatusForbidden, "", "The sign-in form has expired. Please try again.")
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	ip := c.clientIP(r)
	u, err := c.Accounts.SignInConsole(r.Context(), email, r.PostFormValue("password"), ip)
	if err != nil {
		status, msg := http.StatusUnauthorized, "Invalid credentials, or this account has no access to the console."
		switch st := statusOf(err); {
		case st == http.StatusTooManyRequests:
			status, msg = st, "Too many attempts. Please wait a few minutes and try again."
		case st == 0 || st >= 500:
			c.Log.ErrorContext(r.Context(), "admin: sign-in", "error", err.Error())
			status, msg = http.StatusInternalServerError, "Sign-in is unavailable right now."
		}
		c.renderLogin(w, r, status, email, msg)
		return
	}
	token, csrf := auth.RandomToken(), auth.RandomToken()
	err = c.q.InsertAdminSession(r.Context(), sqlc.InsertAdminSessionParams{
		TokenHash: auth.HashToken(token), UserID: u.ID, AuthVersion: u.AuthVersion, CsrfToken: csrf, ClientIp: ip,
	})
	if err != nil {
		c.Log.ErrorContext(r.Context(), "admin: open session", "error", err.Error())
		c.renderLogin(w, r, http.StatusInternalServerError, email, "Sign-in is unavailable right now.")
		return
	}
	// Sign-in is a good moment to drop other sessions' leftovers.
	_ = c.q.DeleteIdleAdminSessions(r.Context(), sqlc.DeleteIdleAdminSessionsParams{
		IdleSeconds: c.Settings.IdleTimeout.Seconds(), MaxAgeSeconds: MaxSessionAge.Seconds(),
	})
	s := &session{UserID: u.ID, Email: u.Email, Superuser: u.Superuser}
	c.record(r, s, done{Action: "console_sign_in", TargetType: "user", TargetID: itoa(u.ID), Target: u.Email})
	http.SetCookie(w, c.cookie(loginCookie, "", -1))
	http.SetCookie(w, c.cookie(sessionCookie, token, 0))
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// logout ends the session (CSRF-checked, so no other site can sign an
// operator out).
func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	s := c.current(r)
	if s == nil {
		http.Redirect(w, r, Path+"login", http.StatusSeeOther)
		return
	}
	if !c.sameOrigin(r) || !validCSRF(r.PostFormValue("csrf"), s.CSRF) {
		c.fail(w, r, s, http.StatusForbidden, "The form has expired. Reload the page and try again.")
		return
	}
	ck, _ := r.Cookie(sessionCookie)
	if err := c.q.DeleteAdminSession(r.Context(), auth.HashToken(ck.Value)); err != nil {
		c.failErr(w, r, s, err)
		return
	}
	c.record(r, s, done{Action: "console_sign_out", TargetType: "user", TargetID: itoa(s.UserID), Target: s.Email})
	http.SetCookie(w, c.cookie(sessionCookie, "", -1))
	http.Redirect(w, r, Path+"login?signed_out=1", http.StatusSeeOther)
}

// safeNext keeps a post-sign-in redirect inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Path) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return Path
	}
	return next
}
