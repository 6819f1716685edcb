package auth

import "context"

// CachedRole is a permission-cache entry: the caller's membership role ("" for
// none) in an org, valid only while the org's perm_version is unchanged.
type CachedRole struct {
	OrgID       int64
	PermVersion int64
	Role        string
}

// ScopeCache remembers roles between requests (implemented by the orgs
// package). Entries are never trusted blindly: the authentication query
// compares the entry's org id and perm_version with the org row and probes
// memberships itself when they differ.
type ScopeCache interface {
	// Lookup returns the entry for (user, org slug); ok is false when there
	// is none or the cache is unavailable.
	Lookup(ctx context.Context, userID int64, orgSlug string) (e CachedRole, ok bool)
	// Observe reports the query's verdict: the entry was current (hit) or
	// fresh is the value read from PostgreSQL.
	Observe(ctx context.Context, userID int64, orgSlug string, hit bool, fresh CachedRole)
}

// UseScopeCache installs the permission cache (before serving).
func (a *Authenticator) UseScopeCache(c ScopeCache) { a.scopeCache = c }
