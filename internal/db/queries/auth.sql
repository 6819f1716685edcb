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
SELECT u.id, u.email, u.username, u.slug, u.is_active, u.is_staff, u.is_superuser, u.auth_version,
       s.auth_version AS session_auth_version, s.revoked_at AS session_revoked_at,
       s.expires_at AS session_expires_at,
       o.id AS org_id, o.name AS org_name, o.type AS org_type, m.role AS member_role
FROM users u
JOIN auth_sessions s ON s.id = sqlc.arg(session_id) AND s.user_id = u.id
LEFT JOIN organizations o ON o.slug = sqlc.arg(org_slug)
LEFT JOIN memberships m ON m.organization_id = o.id AND m.user_id = u.id
WHERE u.id = sqlc.arg(user_id);
