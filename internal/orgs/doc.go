// Package orgs owns organizations, memberships and roles: the tenant scope
// of every /orgs/{org_slug}/ route, the organization management API, and the
// one service through which every membership write passes.
//
// # Membership writes
//
// Every write locks in the canonical order (organization rows ascending →
// user → memberships), re-reads the caller's role under the org lock, checks
// the owner rules to give friendly 409s, and relies on the deferred
// constraint triggers of migration 00001 as the last line of defence: a
// violation at commit is mapped to 409 too.
//
// # Invitations die with their inviter's rights
//
// A pending invitation is a grant made with its inviter's rights, so it is
// revoked in the transaction that takes them away: demotion below the role
// it grants (admins invite admins and members, owners anyone), removal,
// leaving, account deletion or deactivation. Acceptance re-checks the
// inviter under the org lock (active, and owner, admin for a non-owner role,
// or superuser), so a write that bypassed this service cannot leave a usable
// invitation either. Invitations and group-org creation are rate limited
// (Limits): per inviting user, per org, per recipient address (hashed, across
// all orgs) and org creations per user.
//
// # The permission cache, and why it is never stale
//
// A role is cached per (user, org slug) as "org id : perm_version : role",
// in Redis (shared by every process, PERMISSION_CACHE_TTL) with a bounded
// in-process copy in front. organizations.perm_version (migration 00003) is
// bumped by a row trigger on memberships — insert, update, delete, cascades,
// TRUNCATE — inside the writing transaction, so no write path can skip it
// and it becomes visible atomically with the membership change at commit.
//
// An entry is only ever a hint. The authentication query, which runs on
// every request anyway, looks the org up by slug and compares its id and
// perm_version with the entry's: equal, the cached role is used and the
// membership probe is skipped; different (or no entry), PostgreSQL's role is
// used and stored with the version read in the same snapshot. Hence:
//
//   - an entry's role is the role at exactly that (org id, perm_version):
//     both were read in one snapshot, and every membership change moves the
//     version in its own transaction;
//   - a request can only use an entry whose version equals the version in
//     its own snapshot, so it sees the role of the latest committed state —
//     a change is visible on the very next request, whoever wrote it;
//   - a slow reader that stores an old role after a commit stores it under
//     the old version, which no later snapshot matches (the standard
//     version-key argument, with the version kept in PostgreSQL instead of
//     a Redis counter, so there is no post-commit INCR that could fail);
//   - Redis down, slow (50 ms bound, then skipped for a second), flushed,
//     evicted or poisoned with old entries changes nothing but the cost:
//     checks then come from PostgreSQL, never fail open.
//
// Session and scope stay one SQL statement, hit or miss; a hit saves the
// membership probe (and, from the in-process layer, any Redis round trip).
// Superuser status is never cached: it comes from the users row in that same
// statement.
package orgs
