package accounts

import (
	"context"
	"errors"

	"apistarter/internal/apperr"
	"apistarter/internal/auth"
	"apistarter/internal/ratelimit"
)

// recipientScopes are the per-recipient mail caps as limiter scopes.
type recipientScopes struct {
	registration, reset, emailChange ratelimit.Scope
}

func newRecipientScopes(c RecipientCaps) recipientScopes {
	or := func(n, def int) int {
		if n > 0 {
			return n
		}
		return def
	}
	return recipientScopes{
		registration: ratelimit.Scope{Name: "mail_to_registration", Rate: ratelimit.PerHour(or(c.RegistrationPerHour, DefaultRegistrationMailsPerHour))},
		reset:        ratelimit.Scope{Name: "mail_to_reset", Rate: ratelimit.PerHour(or(c.ResetPerHour, DefaultResetMailsPerHour))},
		emailChange:  ratelimit.Scope{Name: "mail_to_email_change", Rate: ratelimit.PerHour(or(c.EmailChangePerHour, DefaultEmailChangeMailsPerHour))},
	}
}

// capRecipient counts one request naming the address against scope and
// refuses it with 429 and Retry-After once the address had its share. It
// counts whether or not a mail then leaves (the address may have no
// account, or already have one), so the answer tells nothing about which
// addresses have accounts. The key is the address's hash: Redis holds no
// addresses.
func (s *Service) capRecipient(ctx context.Context, scope ratelimit.Scope, email string) error {
	if s.limiter == nil {
		return nil
	}
	res := s.limiter.Allow(ctx, scope, "to:"+auth.HashToken(NormalizeEmail(email)))
	if res.Allowed {
		return nil
	}
	return ratelimit.TooMany(res.RetryAfter)
}

// isTooMany reports whether err is a 429 (a cap refused the request).
func isTooMany(err error) bool {
	var ae *apperr.Error
	return errors.As(err, &ae) && ae.Kind == apperr.KindTooMany
}
