package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"apistarter/internal/apperr"
	"apistarter/internal/auth"
	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"

	"github.com/jackc/pgx/v5"
)

// Profile is the caller's user record as the API returns it.
type Profile struct {
	ID                      int64          `json:"id"`
	Email                   string         `json:"email"`
	FirstName               string         `json:"first_name"`
	LastName                string         `json:"last_name"`
	Username                string         `json:"username"`
	Slug                    string         `json:"slug"`
	OrgName                 string         `json:"org_name"`
	OrgSlug                 string         `json:"org_slug"`
	Location                string         `json:"location"`
	About                   string         `json:"about"`
	AvatarPath              *string        `json:"avatar_path" doc:"storage key of the small avatar (not a URL)"`
	NotificationPreferences map[string]any `json:"notification_preferences"`
	PreferredTheme          string         `json:"preferred_theme"`
	PreferredLanguage       string         `json:"preferred_language"`
	FinishedOnboarding      bool           `json:"finished_onboarding"`
	EmailVerified           bool           `json:"email_verified"`
	CreatedAt               time.Time      `json:"created_at"`
}

// GetProfile returns the caller's profile.
func (s *Service) GetProfile(ctx context.Context, userID int64) (Profile, error) {
	return profileOf(ctx, s.q, userID)
}

func profileOf(ctx context.Context, q *sqlc.Queries, userID int64) (Profile, error) {
	r, err := q.AccountProfile(ctx, userID)
	if err != nil {
		return Profile{}, fmt.Errorf("accounts: profile: %w", err)
	}
	return profileFromRow(r), nil
}

func profileFromRow(r sqlc.AccountProfileRow) Profile {
	prefs := map[string]any{}
	if len(r.NotificationPreferences) > 0 {
		if err := json.Unmarshal(r.NotificationPreferences, &prefs); err != nil || prefs == nil {
			prefs = map[string]any{}
		}
	}
	return Profile{
		ID: r.ID, Email: r.Email, FirstName: r.FirstName, LastName: r.LastName, Username: r.Username, Slug: r.Slug,
		OrgName: r.OrgName, OrgSlug: r.OrgSlug, Location: r.Location, About: r.About, AvatarPath: r.AvatarPath,
		NotificationPreferences: prefs, PreferredTheme: r.PreferredTheme, PreferredLanguage: r.PreferredLanguage,
		FinishedOnboarding: r.FinishedOnboarding, EmailVerified: r.EmailVerified, CreatedAt: r.CreatedAt,
	}
}

// ProfileUpdate holds the fields a PATCH provided (nil = keep).
type ProfileUpdate struct {
	FirstName, LastName, Location, About, PreferredTheme, PreferredLanguage *string
}

// UpdateProfile applies the provided fields and returns the profile.
func (s *Service) UpdateProfile(ctx context.Context, userID int64, u ProfileUpdate) (Profile, error) {
	err := s.q.UpdateAccountProfile(ctx, sqlc.UpdateAccountProfileParams{
		UserID: userID, FirstName: u.FirstName, LastName: u.LastName, Location: u.Location, About: u.About,
		PreferredTheme: u.PreferredTheme, PreferredLanguage: u.PreferredLanguage,
	})
	if err != nil {
		return Profile{}, fmt.Errorf("accounts: update profile: %w", err)
	}
	return s.GetProfile(ctx, userID)
}

// UsernameCheck is the answer of /users/check_username.
type UsernameCheck struct {
	Available bool    `json:"available"`
	Reason    *string `json:"reason"`
}

// CheckUsername tells whether a username is valid and free (the caller's
// own name counts as taken).
func (s *Service) CheckUsername(ctx context.Context, username string) (UsernameCheck, error) {
	username = strings.TrimSpace(username)
	if problem := usernameProblem(username); problem != "" {
		return UsernameCheck{Reason: &problem}, nil
	}
	taken, err := s.q.UsernameTaken(ctx, sqlc.UsernameTakenParams{Username: username, ExceptID: 0})
	if err != nil {
		return UsernameCheck{}, fmt.Errorf("accounts: check username: %w", err)
	}
	if taken {
		reason := "Username already taken."
		return UsernameCheck{Reason: &reason}, nil
	}
	return UsernameCheck{Available: true}, nil
}

// errNoPersonalOrg is a 500: every user gets a personal org at
// registration, so a missing one is a broken invariant.
var errNoPersonalOrg = errors.New("accounts: personal organization not found for user")

// ChangeUsername renames the caller and its personal org (slugs never
// change).
func (s *Service) ChangeUsername(ctx context.Context, p *auth.Principal, username string) (Profile, error) {
	username = strings.TrimSpace(username)
	if problem := usernameProblem(username); problem != "" {
		return Profile{}, apperr.Invalid(problem)
	}
	var out Profile
	err := s.inTx(ctx, func(tx pgx.Tx, q *sqlc.Queries) (error, error) {
		// Org before user, as every membership write does, so a rename cannot
		// deadlock with a concurrent write on the personal org.
		if _, err := q.LockPersonalOrg(ctx, p.UserID); err != nil {
			return nil, fmt.Errorf("accounts: change username: %w", err)
		}
		if _, err := q.LockAccount(ctx, p.UserID); err != nil {
			return nil, fmt.Errorf("accounts: change username: %w", err)
		}
		taken, err := q.UsernameTaken(ctx, sqlc.UsernameTakenParams{Username: username, ExceptID: p.UserID})
		if err != nil {
			return nil, fmt.Errorf("accounts: change username: %w", err)
		}
		if taken {
			return apperr.Invalid("Username already taken"), nil
		}
		if err := q.SetAccountUsername(ctx, sqlc.SetAccountUsernameParams{UserID: p.UserID, Username: username}); err != nil {
			return nil, err
		}
		n, err := q.RenamePersonalOrg(ctx, sqlc.RenamePersonalOrgParams{UserID: p.UserID, Name: username})
		if err != nil {
			return nil, fmt.Errorf("accounts: change username: %w", err)
		}
		if n == 0 {
			return nil, errNoPersonalOrg // rolls the rename back; logged as a 500
		}
		out, err = profileOf(ctx, q, p.UserID)
		return nil, err
	})
	if db.IsUniqueViolation(err) {
		return Profile{}, apperr.Conflict("Username already taken")
	}
	return out, err
}
