-- Queries of the admin console (/admin/). Writes to accounts, orgs and
-- exports go through those services; these are the console's own tables
-- and its read-only views.

-- name: InsertAdminSession :exec
INSERT INTO admin_sessions (token_hash, user_id, auth_version, csrf_token, client_ip)
VALUES (sqlc.arg(token_hash), sqlc.arg(user_id), sqlc.arg(auth_version), sqlc.arg(csrf_token), sqlc.arg(client_ip));

-- name: TouchAdminSession :one
-- Looks a session up and extends it in one statement. It counts only while
-- its user may still use the console (active, staff or superuser, same
-- credentials) and was used within the idle timeout and the absolute
-- lifetime.
UPDATE admin_sessions s SET last_seen_at = now()
FROM users u
WHERE s.token_hash = sqlc.arg(token_hash) AND u.id = s.user_id
  AND u.is_active AND (u.is_staff OR u.is_superuser) AND u.auth_version = s.auth_version
  AND s.last_seen_at > now() - make_interval(secs => sqlc.arg(idle_seconds)::float8)
  AND s.created_at > now() - make_interval(secs => sqlc.arg(max_age_seconds)::float8)
RETURNING s.user_id, s.csrf_token, u.email, u.is_superuser;

-- name: DeleteAdminSession :exec
DELETE FROM admin_sessions WHERE token_hash = sqlc.arg(token_hash);

-- name: DeleteIdleAdminSessions :exec
DELETE FROM admin_sessions
WHERE last_seen_at < now() - make_interval(secs => sqlc.arg(idle_seconds)::float8)
   OR created_at < now() - make_interval(secs => sqlc.arg(max_age_seconds)::float8);

-- name: InsertAuditEvent :exec
INSERT INTO admin_audit_events (source, action, actor_id, actor_email, target_type, target_id, target, detail, client_ip)
VALUES (sqlc.arg(source), sqlc.arg(action), sqlc.narg(actor_id), sqlc.arg(actor_email), sqlc.arg(target_type),
        sqlc.arg(target_id), sqlc.arg(target), sqlc.arg(detail), sqlc.arg(client_ip));

-- name: ListAuditEvents :many
-- Empty filters match everything.
SELECT id, source, action, actor_id, actor_email, target_type, target_id, target, detail, client_ip, created_at
FROM admin_audit_events
WHERE (sqlc.arg(source)::text = '' OR source = sqlc.arg(source)::text)
  AND (sqlc.arg(action)::text = '' OR action = sqlc.arg(action)::text)
  AND (sqlc.arg(actor)::text = '' OR actor_email ILIKE sqlc.arg(actor_pattern)::text)
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off);

-- name: AdminOverview :one
SELECT
    (SELECT count(*) FROM users) AS users,
    (SELECT count(*) FROM users WHERE NOT is_active) AS inactive_users,
    (SELECT count(*) FROM organizations) AS orgs,
    (SELECT count(*) FROM contacts) AS contacts,
    (SELECT count(*) FROM images) AS images,
    (SELECT count(*) FROM outbox WHERE completed_at IS NULL AND failed_at IS NULL) AS outbox_backlog,
    (SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL) AS outbox_failed,
    (SELECT count(*) FROM export_jobs WHERE status IN ('pending', 'processing')) AS exports_running,
    (SELECT count(*) FROM export_jobs WHERE status = 'failed') AS exports_failed;

-- name: AdminSearchUsers :many
SELECT id, email, username, slug, first_name, last_name, email_verified, is_active, is_staff, is_superuser, created_at,
       count(*) OVER () AS total
FROM users
WHERE sqlc.arg(pattern)::text = '%%'
   OR email ILIKE sqlc.arg(pattern)::text OR username ILIKE sqlc.arg(pattern)::text
   OR (first_name || ' ' || last_name) ILIKE sqlc.arg(pattern)::text
ORDER BY id
LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off);

-- name: AdminUser :one
SELECT id, email, username, slug, first_name, last_name, location, email_verified, is_active, is_staff, is_superuser,
       auth_version, created_at, updated_at
FROM users WHERE id = sqlc.arg(id);

-- name: AdminUserMemberships :many
SELECT o.id AS org_id, o.name, o.slug, o.type, m.role, m.created_at AS joined_at
FROM memberships m JOIN organizations o ON o.id = m.organization_id
WHERE m.user_id = sqlc.arg(user_id)
ORDER BY o.name, o.id;

-- name: AdminSearchOrgs :many
SELECT o.id, o.name, o.slug, o.type, o.created_at,
       (SELECT count(*) FROM memberships m WHERE m.organization_id = o.id) AS members,
       count(*) OVER () AS total
FROM organizations o
WHERE sqlc.arg(pattern)::text = '%%' OR o.name ILIKE sqlc.arg(pattern)::text OR o.slug ILIKE sqlc.arg(pattern)::text
ORDER BY o.id
LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off);

-- name: AdminOrg :one
SELECT o.id, o.name, o.slug, o.type, o.created_at, creator.email AS creator_email,
       (SELECT count(*) FROM contacts c WHERE c.organization_id = o.id) AS contacts,
       (SELECT count(*) FROM tags t WHERE t.organization_id = o.id) AS tags,
       (SELECT count(*) FROM images i WHERE i.organization_id = o.id) AS images
FROM organizations o LEFT JOIN users creator ON creator.id = o.creator_id
WHERE o.id = sqlc.arg(id);

-- name: AdminOrgMembers :many
SELECT u.id AS user_id, u.slug AS user_slug, u.email, u.username, u.is_active, m.role, m.created_at AS joined_at
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.organization_id = sqlc.arg(org_id)
ORDER BY m.created_at, m.id
LIMIT 500;

-- name: AdminOrgContacts :many
SELECT id, display_name, email, phone, location, created_at
FROM contacts
WHERE organization_id = sqlc.arg(org_id)
  AND (sqlc.arg(pattern)::text = '%%' OR display_name ILIKE sqlc.arg(pattern)::text OR email ILIKE sqlc.arg(pattern)::text)
ORDER BY display_name, id
LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off);

-- name: AdminOrgTags :many
SELECT t.id, t.name, t.slug, t.created_at, (SELECT count(*) FROM tagged_items ti WHERE ti.tag_id = t.id) AS uses
FROM tags t
WHERE t.organization_id = sqlc.arg(org_id) AND (sqlc.arg(pattern)::text = '%%' OR t.name ILIKE sqlc.arg(pattern)::text)
ORDER BY t.name, t.id
LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off);

-- name: AdminOrgImages :many
SELECT id, file, title, alt_text, visibility, created_at
FROM images
WHERE organization_id = sqlc.arg(org_id)
  AND (sqlc.arg(pattern)::text = '%%' OR title ILIKE sqlc.arg(pattern)::text OR description ILIKE sqlc.arg(pattern)::text)
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off);

-- name: AdminListOutbox :many
-- Never the payload: an unfinished email's body holds single-use links.
-- Recipients and subject are what operators need, and all a finished row
-- keeps anyway.
SELECT id, task_type, queue, created_at, relayed_at, completed_at, failed_at, attempts, max_retry, last_error,
       CASE WHEN task_type = 'email:send' AND jsonb_typeof(payload->'to') = 'array'
            THEN array_to_string(ARRAY(SELECT jsonb_array_elements_text(payload->'to')), ', ') ELSE '' END::text AS recipients,
       CASE WHEN task_type = 'email:send' THEN COALESCE(payload->>'subject', '') ELSE '' END::text AS subject
FROM outbox
WHERE (sqlc.arg(task_type)::text = '' OR task_type = sqlc.arg(task_type)::text)
  AND (sqlc.arg(state)::text = ''
       OR (sqlc.arg(state)::text = 'failed' AND failed_at IS NOT NULL)
       OR (sqlc.arg(state)::text = 'completed' AND completed_at IS NOT NULL)
       OR (sqlc.arg(state)::text = 'pending' AND completed_at IS NULL AND failed_at IS NULL))
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off);

-- name: AdminOutboxTypes :many
SELECT DISTINCT task_type FROM outbox ORDER BY task_type;

-- name: AdminOutboxTask :one
SELECT id, task_id, task_type, queue, failed_at, completed_at FROM outbox WHERE id = sqlc.arg(id);

-- name: ReopenFailedOutbox :execrows
-- A failed task handed back to the queue: unfinished again, counted as
-- relayed now, so the relay leaves it to the queue until its timeout.
UPDATE outbox SET failed_at = NULL, last_error = '', relayed_at = now()
WHERE id = sqlc.arg(id) AND failed_at IS NOT NULL AND completed_at IS NULL;

-- name: AdminOrgExports :many
SELECT e.id, e.status, e.error_message, e.created_at, e.completed_at, e.expires_at, u.email AS requested_by
FROM export_jobs e LEFT JOIN users u ON u.id = e.requested_by_id
WHERE e.organization_id = sqlc.arg(org_id)
ORDER BY e.created_at DESC, e.id DESC
LIMIT 20;

-- name: LockOtherOwners :many
-- Under the org lock: the owner memberships an ownership transfer demotes.
SELECT id, user_id FROM memberships
WHERE organization_id = sqlc.arg(org_id) AND role = 'owner' AND user_id <> sqlc.arg(user_id)
ORDER BY id
FOR UPDATE;

