-- name: AuthenticateSession :one
-- One query per authenticated request: the user and the state of the session.
SELECT u.id, u.email, u.username, u.slug, u.is_active, u.is_staff, u.is_superuser, u.auth_version,
       s.auth_version AS session_auth_version, s.revoked_at AS session_revoked_at,
       s.expires_at AS session_expires_at
FROM users u
JOIN auth_sessions s ON s.id = sqlc.arg(session_id) AND s.user_id = u.id
WHERE u.id = sqlc.arg(user_id);

-- name: AuthenticateSessionInOrg :one
-- Session and tenant scope in one round trip for /orgs/{org_slug}/ routes.
-- The membership probe is skipped when the permission cache's entry (org id
-- + perm_version, see internal/orgs/cache.go) is still current.
SELECT u.id, u.email, u.username, u.slug, u.is_active, u.is_staff, u.is_superuser, u.auth_version,
       s.auth_version AS session_auth_version, s.revoked_at AS session_revoked_at,
       s.expires_at AS session_expires_at,
       o.id AS org_id, o.name AS org_name, o.type AS org_type, o.perm_version AS org_perm_version,
       COALESCE(o.id = sqlc.arg(cached_org_id)::bigint AND o.perm_version = sqlc.arg(cached_perm_version)::bigint, false)::bool AS role_cached,
       COALESCE(CASE WHEN o.id = sqlc.arg(cached_org_id)::bigint AND o.perm_version = sqlc.arg(cached_perm_version)::bigint THEN NULL
             ELSE (SELECT m.role FROM memberships m WHERE m.organization_id = o.id AND m.user_id = u.id) END, '')::text AS member_role
FROM users u
JOIN auth_sessions s ON s.id = sqlc.arg(session_id) AND s.user_id = u.id
LEFT JOIN organizations o ON o.slug = sqlc.arg(org_slug)
WHERE u.id = sqlc.arg(user_id);

-- name: AuthenticateSessionProfile :one
-- AuthenticateSession plus the caller's profile (AccountProfile's columns)
-- from the same user row, for routes that answer with that profile.
SELECT u.id, u.email, u.username, u.slug, u.is_active, u.is_staff, u.is_superuser, u.auth_version,
       s.auth_version AS session_auth_version, s.revoked_at AS session_revoked_at,
       s.expires_at AS session_expires_at,
       u.first_name, u.last_name, u.location, u.about, u.avatar_path,
       u.notification_preferences, u.preferred_theme, u.preferred_language, u.finished_onboarding,
       u.email_verified, u.created_at,
       COALESCE(po.name, '')::text AS org_name, COALESCE(po.slug, '')::text AS org_slug
FROM users u
JOIN auth_sessions s ON s.id = sqlc.arg(session_id) AND s.user_id = u.id
LEFT JOIN LATERAL (
    SELECT o.name, o.slug FROM memberships m JOIN organizations o ON o.id = m.organization_id
    WHERE m.user_id = u.id AND m.role = 'owner' AND o.type = 'personal'
    ORDER BY o.id LIMIT 1
) po ON true
WHERE u.id = sqlc.arg(user_id);
