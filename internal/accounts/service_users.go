package accounts

import (
	"apistarter/internal/textnorm"
	"context"
	"errors"
	"fmt"

	"apistarter/internal/db"
	"apistarter/internal/db/sqlc"

	"github.com/jackc/pgx/v5"
)

// NewUser describes an account to create.
type NewUser struct {
	Email         string // normalised
	Username      string // optional; derived from the email when empty
	PasswordHash  string // "" = unusable password
	EmailVerified bool
	Superuser     bool
}

// Creation conflicts the callers turn into their own answers.
var (
	ErrEmailTaken    = errors.New("accounts: email already taken")
	ErrUsernameTaken = errors.New("accounts: username already taken")
)

// createAttempts bounds the retries after a username or slug race.
const createAttempts = 5

// CreateUser inserts the user, its personal org and owner membership in tx
// (the orgs service creates the org). Generated usernames and slugs are
// made unique and retried with a random suffix after a unique race; a
// taken email (or supplied username) fails at once.
func (s *Service) CreateUser(ctx context.Context, tx pgx.Tx, u NewUser) (sqlc.InsertAccountRow, error) {
	q := s.q.WithTx(tx)
	userBase := u.Username
	if userBase == "" {
		userBase = usernameFromEmail(u.Email)
	}
	slugBase := textnorm.Cut(textnorm.Slugify(userBase), maxSlugLength)
	if slugBase == "" {
		slugBase = "user"
	}
	var row sqlc.InsertAccountRow
	for attempt := 1; ; attempt++ {
		username, slug, err := s.candidates(ctx, q, u.Username, userBase, slugBase, attempt)
		if err != nil {
			return row, err
		}
		err = pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
			var err error
			row, err = s.q.WithTx(sp).InsertAccount(ctx, sqlc.InsertAccountParams{
				Email: u.Email, Username: username, Slug: slug, PasswordHash: u.PasswordHash,
				EmailVerified: u.EmailVerified, IsSuperuser: u.Superuser,
			})
			return err
		})
		if err == nil {
			if _, err := s.orgs.CreatePersonalOrg(ctx, tx, row.ID, username, slug); err != nil {
				return row, err
			}
			return row, nil
		}
		constraint, unique := db.Constraint(err, "23505")
		switch {
		case !unique:
			return row, fmt.Errorf("accounts: create user: %w", err)
		case constraint == "users_email_ci_uniq":
			return row, ErrEmailTaken
		case constraint == "users_username_ci_uniq" && u.Username != "":
			return row, ErrUsernameTaken
		case attempt == createAttempts:
			return row, fmt.Errorf("accounts: create user: no free username/slug after %d attempts: %w", attempt, err)
		}
	}
}

// candidates picks the username and slug of one creation attempt: the
// first free numbered variants, then random suffixes after a race.
func (s *Service) candidates(ctx context.Context, q *sqlc.Queries, supplied, userBase, slugBase string, attempt int) (string, string, error) {
	if attempt > 1 {
		username := supplied
		if username == "" {
			username = randomSuffixed(userBase, "_")
		}
		return username, randomSuffixed(slugBase, "-"), nil
	}
	username := supplied
	if username == "" {
		var err error
		if username, err = uniqueUsername(ctx, q, userBase); err != nil {
			return "", "", fmt.Errorf("accounts: username: %w", err)
		}
	}
	slug, err := uniqueUserSlug(ctx, q, slugBase)
	if err != nil {
		return "", "", fmt.Errorf("accounts: slug: %w", err)
	}
	return username, slug, nil
}
