package accounts

import "apistarter/internal/ratelimit"

// Throttle scopes of the accounts routes; identity = user id when
// authenticated, else client IP.
var (
	scopeLogin         = ratelimit.Scope{Name: "auth_login", Rate: ratelimit.PerMinute(10)}
	scopeRefresh       = ratelimit.Scope{Name: "auth_refresh", Rate: ratelimit.PerMinute(30)}
	scopeTokenVerify   = ratelimit.Scope{Name: "auth_token_verify", Rate: ratelimit.PerMinute(60)}
	scopeRegister      = ratelimit.Scope{Name: "auth_register", Rate: ratelimit.PerHour(5)}
	scopeVerification  = ratelimit.Scope{Name: "auth_verification", Rate: ratelimit.PerHour(5)}
	scopeResetRequest  = ratelimit.Scope{Name: "auth_reset_request", Rate: ratelimit.PerHour(5)}
	scopeResetConfirm  = ratelimit.Scope{Name: "auth_reset_confirm", Rate: ratelimit.PerHour(10)}
	scopeEmailChange   = ratelimit.Scope{Name: "auth_email_change", Rate: ratelimit.PerHour(3)}
	scopeLogout        = ratelimit.Scope{Name: "auth_logout", Rate: ratelimit.PerHour(30)}
	scopeUsernameCheck = ratelimit.Scope{Name: "users_username_check", Rate: ratelimit.PerMinute(30)}
)

// Scopes of routes that are cheap to call but costly to serve: each costs a
// password hash or guards a token.
var (
	scopeChangePassword     = ratelimit.Scope{Name: "auth_change_password", Rate: ratelimit.PerHour(10)}
	scopeDeleteAccount      = ratelimit.Scope{Name: "auth_delete_account", Rate: ratelimit.PerHour(5)}
	scopeVerifyRegistration = ratelimit.Scope{Name: "auth_verify_registration", Rate: ratelimit.PerHour(20)}
	scopeEmailVerify        = ratelimit.Scope{Name: "auth_email_verify", Rate: ratelimit.PerHour(20)}
)
