package orgs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"apistarter/internal/ratelimit"
)

// Limiter counts one event of ident against scope (ratelimit.Limiter).
type Limiter interface {
	Allow(ctx context.Context, scope ratelimit.Scope, ident string) ratelimit.Result
}

// Limits are the abuse limits of org creation and invitations: every
// invitation mails an address the inviter chose, under an org name the
// inviter chose, so without them the product's mail domain is a relay.
type Limits struct {
	Limiter                 Limiter // nil: nothing is limited
	InvitationsPerUser      ratelimit.Rate
	InvitationsPerOrg       ratelimit.Rate
	InvitationsPerRecipient ratelimit.Rate
	CreatePerUser           ratelimit.Rate
}

// Scope names (Redis key prefixes) of the limits.
const (
	ScopeInvitationsUser      = "org_invitations_user"
	ScopeInvitationsOrg       = "org_invitations_org"
	ScopeInvitationsRecipient = "org_invitations_recipient"
	ScopeOrgCreate            = "org_create"
)

// allowInvitation counts one invitation against the inviter, the org and
// the recipient, in that order, stopping at the first refusal (the 429 with
// Retry-After). The recipient is counted across all orgs: it is the mailbox
// that is being protected.
func (l Limits) allowInvitation(ctx context.Context, inviterID, orgID int64, email string) error {
	if l.Limiter == nil {
		return nil
	}
	checks := []struct {
		scope ratelimit.Scope
		ident string
	}{
		{ratelimit.Scope{Name: ScopeInvitationsUser, Rate: l.InvitationsPerUser}, ratelimit.UserIdent(inviterID)},
		{ratelimit.Scope{Name: ScopeInvitationsOrg, Rate: l.InvitationsPerOrg}, "o:" + strconv.FormatInt(orgID, 10)},
		{ratelimit.Scope{Name: ScopeInvitationsRecipient, Rate: l.InvitationsPerRecipient}, recipientIdent(email)},
	}
	for _, c := range checks {
		if c.scope.Rate.Limit < 1 {
			continue // not configured
		}
		if err := l.Limiter.Allow(ctx, c.scope, c.ident).Err(); err != nil {
			return err
		}
	}
	return nil
}

// recipientIdent keys an address by its hash: no address is stored in Redis.
func recipientIdent(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return "e:" + hex.EncodeToString(sum[:16])
}

// allowCreate counts one group-org creation of userID.
func (l Limits) allowCreate(ctx context.Context, userID int64) error {
	if l.Limiter == nil || l.CreatePerUser.Limit < 1 {
		return nil
	}
	return l.Limiter.Allow(ctx, ratelimit.Scope{Name: ScopeOrgCreate, Rate: l.CreatePerUser}, ratelimit.UserIdent(userID)).Err()
}
