-- name: TakenOrgSlugs :many
-- Which of the candidate slugs are already used (make-it-unique).
SELECT slug FROM organizations WHERE slug = ANY(sqlc.arg(candidates)::text[]);

-- name: PersonalOrgOf :one
SELECT id FROM organizations WHERE type = 'personal' AND creator_id = sqlc.arg(user_id)::bigint;

-- name: InsertOrg :one
INSERT INTO organizations (name, slug, type, creator_id)
VALUES (sqlc.arg(name), sqlc.arg(slug), sqlc.arg(type), sqlc.arg(creator_id))
RETURNING id, name, slug, type, created_at;

-- name: EnsureOwnerMembership :exec
-- Insert the creator's owner membership, or repair a demoted one.
INSERT INTO memberships (user_id, organization_id, role)
VALUES (sqlc.arg(user_id), sqlc.arg(org_id), 'owner')
ON CONFLICT (user_id, organization_id) DO UPDATE SET role = 'owner', updated_at = now()
WHERE memberships.role <> 'owner';

-- name: LockUserOrgs :many
-- Account deletion and deactivation, canonical order: every org the user
-- belongs to, ascending id, before the user row (the membership cascade bumps
-- their perm_version, so they must already be locked). The membership lookup
-- is unlocked; callers revalidate under the lock.
SELECT o.id, o.name, o.type, (o.type = 'personal' AND o.creator_id IS NOT DISTINCT FROM sqlc.arg(user_id)::bigint)::bool AS own_personal
FROM organizations o
WHERE o.id IN (SELECT m.organization_id FROM memberships m WHERE m.user_id = sqlc.arg(user_id)::bigint)
ORDER BY o.id
FOR UPDATE;

-- name: LockUser :one
SELECT id, email, username, is_active FROM users WHERE id = sqlc.arg(user_id) FOR UPDATE;

-- name: GroupsOnlyOwnedBy :many
-- Among org_ids, the groups where user_id is an owner and no other active
-- owner exists (run under the org locks).
SELECT o.id, o.name FROM organizations o
JOIN memberships m ON m.organization_id = o.id AND m.user_id = sqlc.arg(user_id) AND m.role = 'owner'
WHERE o.id = ANY(sqlc.arg(org_ids)::bigint[]) AND o.type = 'group'
  AND NOT EXISTS (
      SELECT 1 FROM memberships m2 JOIN users u ON u.id = m2.user_id
      WHERE m2.organization_id = o.id AND m2.role = 'owner' AND u.is_active AND m2.user_id <> sqlc.arg(user_id))
ORDER BY o.id;

-- name: DeleteOrgs :exec
DELETE FROM organizations WHERE id = ANY(sqlc.arg(org_ids)::bigint[]);

-- name: ListMyOrgs :many
SELECT o.id, o.name, o.slug, o.type, m.role, o.created_at
FROM memberships m JOIN organizations o ON o.id = m.organization_id
WHERE m.user_id = sqlc.arg(user_id)
ORDER BY o.created_at, o.id
LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off);

-- name: CountMyOrgs :one
SELECT count(*) FROM memberships WHERE user_id = sqlc.arg(user_id);

-- name: OrgByID :one
SELECT id, name, slug, type, created_at FROM organizations WHERE id = sqlc.arg(org_id);

-- name: LockOrg :one
-- First lock of every membership write (canonical order: org → user → rows).
SELECT id, name, slug, type, creator_id, created_at FROM organizations WHERE id = sqlc.arg(org_id) FOR UPDATE;

-- name: RenameOrg :one
UPDATE organizations SET name = sqlc.arg(name), updated_at = now() WHERE id = sqlc.arg(org_id)
RETURNING id, name, slug, type, created_at;

-- name: InsertMembership :exec
INSERT INTO memberships (user_id, organization_id, role) VALUES (sqlc.arg(user_id), sqlc.arg(org_id), sqlc.arg(role));

-- name: ListMembers :many
SELECT u.slug AS user_slug, u.email, u.username, m.role, m.created_at AS joined_at
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.organization_id = sqlc.arg(org_id)
ORDER BY m.created_at, m.id
LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off);

-- name: CountMembers :one
SELECT count(*) FROM memberships WHERE organization_id = sqlc.arg(org_id);

-- name: LockMemberBySlug :one
-- Under the org lock: a member's row, found by the user's slug.
SELECT m.id, m.user_id, m.role, u.slug AS user_slug, u.email, u.username, m.created_at AS joined_at,
       (o.type = 'personal' AND o.creator_id IS NOT DISTINCT FROM m.user_id)::bool AS personal_creator
FROM memberships m
JOIN users u ON u.id = m.user_id
JOIN organizations o ON o.id = m.organization_id
WHERE m.organization_id = sqlc.arg(org_id) AND u.slug = sqlc.arg(user_slug)
FOR UPDATE OF m;

-- name: LockMemberByUserID :one
SELECT m.id, m.user_id, m.role, (o.type = 'personal' AND o.creator_id IS NOT DISTINCT FROM m.user_id)::bool AS personal_creator
FROM memberships m
JOIN organizations o ON o.id = m.organization_id
WHERE m.organization_id = sqlc.arg(org_id) AND m.user_id = sqlc.arg(user_id)
FOR UPDATE OF m;

-- name: OtherActiveOwnerExists :one
SELECT EXISTS (
    SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
    WHERE m.organization_id = sqlc.arg(org_id) AND m.role = 'owner' AND u.is_active AND m.user_id <> sqlc.arg(user_id));

-- name: UpdateMembershipRole :exec
UPDATE memberships SET role = sqlc.arg(role), updated_at = now() WHERE id = sqlc.arg(id);

-- name: DeleteMembership :exec
DELETE FROM memberships WHERE id = sqlc.arg(id);

-- name: IsMemberByEmail :one
SELECT EXISTS (
    SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
    WHERE m.organization_id = sqlc.arg(org_id) AND lower(u.email) = lower(sqlc.arg(email)));

-- name: RevokePendingInvitationsFor :exec
-- Re-inviting an address replaces its pending invitation (the old link dies).
UPDATE invitations SET revoked_at = now()
WHERE organization_id = sqlc.arg(org_id) AND lower(email) = lower(sqlc.arg(email))
  AND accepted_at IS NULL AND revoked_at IS NULL;

-- name: InsertInvitation :one
INSERT INTO invitations (organization_id, email, role, token_hash, invited_by_id, expires_at)
VALUES (sqlc.arg(org_id), sqlc.arg(email), sqlc.arg(role), sqlc.arg(token_hash), sqlc.arg(invited_by_id), sqlc.arg(expires_at))
RETURNING id, email, role, created_at, expires_at;

-- name: ListPendingInvitations :many
SELECT i.id, i.email, i.role, i.created_at, i.expires_at, u.slug AS invited_by
FROM invitations i LEFT JOIN users u ON u.id = i.invited_by_id
WHERE i.organization_id = sqlc.arg(org_id) AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
ORDER BY i.created_at, i.id
LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off);

-- name: CountPendingInvitations :one
SELECT count(*) FROM invitations i
WHERE i.organization_id = sqlc.arg(org_id) AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now();

-- name: RevokeInvitation :execrows
UPDATE invitations SET revoked_at = now()
WHERE id = sqlc.arg(id) AND organization_id = sqlc.arg(org_id) AND accepted_at IS NULL AND revoked_at IS NULL;

-- name: InvitationOrgByTokenHash :one
-- Unlocked lookup; the accept flow locks the org, then revalidates.
SELECT id, organization_id FROM invitations WHERE token_hash = sqlc.arg(token_hash);

-- name: LockInvitation :one
SELECT id, organization_id, email, role, expires_at, accepted_at, revoked_at
FROM invitations WHERE id = sqlc.arg(id) FOR UPDATE;

-- name: MarkInvitationAccepted :exec
UPDATE invitations SET accepted_at = now() WHERE id = sqlc.arg(id);

-- name: RevokeInvitationsByInviter :execrows
-- Under the org lock: the inviter lost the right to grant these roles
-- (demotion, removal, leaving).
UPDATE invitations SET revoked_at = now()
WHERE organization_id = sqlc.arg(org_id) AND invited_by_id = sqlc.arg(inviter_id)
  AND role = ANY(sqlc.arg(roles)::text[])
  AND accepted_at IS NULL AND revoked_at IS NULL;

-- name: RevokeAllInvitationsByInviter :execrows
-- Account deletion and deactivation, under the account's org locks.
UPDATE invitations SET revoked_at = now()
WHERE invited_by_id = sqlc.arg(inviter_id) AND accepted_at IS NULL AND revoked_at IS NULL;

-- name: InviterCanStillInvite :one
-- Under the org lock at acceptance: could the inviter make this invitation
-- now? An active superuser, an owner, or an admin for a non-owner role.
SELECT EXISTS (
    SELECT 1 FROM invitations i
    JOIN users u ON u.id = i.invited_by_id
    LEFT JOIN memberships m ON m.user_id = u.id AND m.organization_id = i.organization_id
    WHERE i.id = sqlc.arg(id) AND u.is_active
      AND (u.is_superuser OR m.role = 'owner' OR (m.role = 'admin' AND i.role <> 'owner')));

-- name: MemberScope :one
-- A member's view of an org found by slug (commands acting as that member).
SELECT o.id, o.slug, o.name, o.type, m.role
FROM organizations o JOIN memberships m ON m.organization_id = o.id
WHERE o.slug = sqlc.arg(slug) AND m.user_id = sqlc.arg(user_id);
