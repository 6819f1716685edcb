// Package accounts owns users and authentication flows: login, device
// sessions with refresh rotation and replay detection, registration with a
// pending identity, password change and reset, email change, account
// deletion, profiles and usernames, and the browser cookie+CSRF variant of
// login. Personal organizations are created and deleted through the orgs
// service; every email goes through the transactional outbox.
package accounts

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"apistarter/internal/apperr"
	"apistarter/internal/auth"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"
	"apistarter/internal/jobs"
	"apistarter/internal/mail"
	"apistarter/internal/ratelimit"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Lifetimes of the mailed tokens: long enough to reach an inbox, short
// enough that a leaked link soon stops working.
const (
	RegistrationLifetime = 12 * time.Hour
	ResetLifetime        = 2 * time.Hour
	EmailChangeLifetime  = 24 * time.Hour
)

// OrgAccounts is what accounts needs from the orgs service: the personal
// org created with a user, and the org side of deleting or deactivating an
// account. Each runs in the caller's transaction.
type OrgAccounts interface {
	CreatePersonalOrg(ctx context.Context, tx pgx.Tx, userID int64, username, userSlug string) (int64, error)
	DeleteAccountOrgs(ctx context.Context, tx pgx.Tx, userID int64) error
	LockForDeactivation(ctx context.Context, tx pgx.Tx, userID int64) error
}

// Settings are the configuration values the flows depend on.
type Settings struct {
	FrontendURL              string
	ProjectName              string
	RequireEmailVerification bool
	// RecipientCaps bound the mails requests can make us send to one address.
	RecipientCaps RecipientCaps
}

// RecipientCaps are per-recipient hourly caps on the mails a request sends
// to an address it names, whoever asks and from wherever: the per-client
// throttles alone let many clients flood one mailbox. Zero means the
// default.
type RecipientCaps struct {
	RegistrationPerHour int // registration and resend-verification links
	ResetPerHour        int // password reset links
	EmailChangePerHour  int // email-change links to the new address
}

// Default per-recipient caps.
const (
	DefaultRegistrationMailsPerHour = 3
	DefaultResetMailsPerHour        = 3
	DefaultEmailChangeMailsPerHour  = 3
)

// Service runs every account flow.
type Service struct {
	pool      *pgxpool.Pool
	q         *sqlc.Queries
	tokens    *auth.Tokens
	hasher    *auth.Hasher
	policy    *PasswordPolicy
	orgs      OrgAccounts
	outbox    *jobs.Outbox
	templates *mail.Templates
	settings  Settings
	logins    *ratelimit.Backoff // per-(address, network) login backoff; nil disables
	limiter   *ratelimit.Limiter // per-recipient mail caps; nil disables
	caps      recipientScopes
	log       *slog.Logger
	now       func() time.Time
}

// Deps are the collaborators of the Service.
type Deps struct {
	Pool      *pgxpool.Pool
	Tokens    *auth.Tokens
	Hasher    *auth.Hasher
	Orgs      OrgAccounts
	Outbox    *jobs.Outbox
	Templates *mail.Templates
	Settings  Settings
	Limiter   *ratelimit.Limiter // for the login backoff and the per-recipient mail caps
	Log       *slog.Logger
}

// Login backoff: from the 5th failed login for one address from one client
// network (/24 for IPv4, /64 for IPv6) within an hour, each failure locks
// that pair for 30 s, 1 min, 2 min, … up to 15 min. The lock is checked
// before the password, so it must not be keyed by address alone: anyone
// could then keep any known account locked out. Keyed by network, an
// attacker locks out only themselves and their neighbours. There is
// deliberately no per-address ceiling across networks: however high, it
// would hand the same lockout to anyone with a few more addresses.
// Guessing from many networks stays bounded by the per-IP login throttle,
// this backoff per network, the password policy and argon2id.
const (
	loginFailureThreshold = 5
	loginLockBase         = 30 * time.Second
	loginLockMax          = 15 * time.Minute
	loginFailureWindow    = time.Hour
)

// NewService builds the accounts service.
func NewService(d Deps) *Service {
	s := &Service{
		pool: d.Pool, q: sqlc.New(d.Pool), tokens: d.Tokens, hasher: d.Hasher, policy: NewPasswordPolicy(),
		orgs: d.Orgs, outbox: d.Outbox, templates: d.Templates, settings: d.Settings, log: d.Log, now: time.Now,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if d.Limiter != nil {
		s.logins = d.Limiter.NewBackoff("login", loginFailureThreshold, loginLockBase, loginLockMax, loginFailureWindow)
		s.limiter = d.Limiter
	}
	s.caps = newRecipientScopes(d.Settings.RecipientCaps)
	return s
}

// Errors shared by several flows.
var (
	errInvalidCredentials = apperr.Unauthorized("Invalid credentials")
	errInvalidRefresh     = apperr.Unauthorized("Invalid or expired refresh token")
	errInvalidToken       = apperr.Invalid("Invalid or expired token.")
	errTokenExpired       = apperr.Invalid("Token has expired.")
	errPasswordIncorrect  = apperr.Invalid("Password is incorrect")
)

// inTx runs fn in a transaction. fn may return a result error that must
// still be answered after committing (e.g. an expired token that was
// deleted); commit failures and fn's own failures win over it.
func (s *Service) inTx(ctx context.Context, fn func(tx pgx.Tx, q *sqlc.Queries) (answer error, err error)) error {
	var answer error
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		answer, err = fn(tx, s.q.WithTx(tx))
		return err
	})
	if err != nil {
		return err
	}
	return answer
}

// revokeAll ends every session of the user and bumps auth_version, so every
// token issued before dies at once (password change and reset, email change,
// logout-all, deactivation and reactivation). Pending resets and email
// changes are bound to auth_version and die with it; they are deleted too,
// so no link outlives the credentials or address it was mailed for.
func revokeAll(ctx context.Context, q *sqlc.Queries, userID int64) error {
	if err := q.RevokeAllSessions(ctx, userID); err != nil {
		return err
	}
	if _, err := q.BumpAuthVersion(ctx, userID); err != nil {
		return err
	}
	if err := q.DeletePasswordResetsOf(ctx, userID); err != nil {
		return err
	}
	return q.DeleteEmailChangeOf(ctx, userID)
}

// ReauthResponse is the body of flows that end every session.
type ReauthResponse struct {
	Detail                   string `json:"detail"`
	ReauthenticationRequired bool   `json:"reauthentication_required"`
}

func reauth(detail string) ReauthResponse {
	return ReauthResponse{Detail: detail, ReauthenticationRequired: true}
}

// isNoRows is a short alias used by every flow.
func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
