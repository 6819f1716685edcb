-- Accounts: users, device sessions and pending credentials.

-- name: AccountByEmail :one
SELECT id, password_hash, email, username, first_name, last_name, is_active, email_verified, auth_version,
       is_staff, is_superuser
FROM users WHERE lower(email) = lower(sqlc.arg(email)::text);

-- name: AccountEmailExists :one
SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower(sqlc.arg(email)::text));

-- name: AccountEmailTakenByOther :one
SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower(sqlc.arg(email)::text) AND id <> sqlc.arg(user_id));

-- name: AccountByID :one
SELECT * FROM users WHERE id = sqlc.arg(user_id);

-- name: LockAccount :one
-- Canonical lock order: orgs, then the user, then its dependent rows.
SELECT * FROM users WHERE id = sqlc.arg(user_id) FOR UPDATE;

-- name: TakenUsernames :many
-- Which of the candidates are taken (case-insensitive); uses the unique index.
SELECT lower(username)::text FROM users WHERE lower(username) = ANY(sqlc.arg(candidates)::text[]);

-- name: TakenUserSlugs :many
SELECT slug FROM users WHERE slug = ANY(sqlc.arg(candidates)::text[]);

-- name: UsernameTaken :one
SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower(sqlc.arg(username)::text) AND id <> sqlc.arg(except_id)::bigint);

-- name: InsertAccount :one
INSERT INTO users (email, username, slug, password_hash, email_verified, is_staff, is_superuser)
VALUES (sqlc.arg(email), sqlc.arg(username), sqlc.arg(slug), sqlc.arg(password_hash),
        sqlc.arg(email_verified), sqlc.arg(is_superuser), sqlc.arg(is_superuser))
RETURNING id, auth_version;

-- name: SetAccountPassword :exec
UPDATE users SET password_hash = sqlc.arg(password_hash), updated_at = now() WHERE id = sqlc.arg(user_id);

-- name: SetAccountEmail :exec
UPDATE users SET email = sqlc.arg(email), updated_at = now() WHERE id = sqlc.arg(user_id);

-- name: SetAccountUsername :exec
UPDATE users SET username = sqlc.arg(username), updated_at = now() WHERE id = sqlc.arg(user_id);

-- name: LockPersonalOrg :many
-- Canonical lock order: organization before user (reference §1.15).
SELECT id FROM organizations
WHERE type = 'personal' AND creator_id = sqlc.arg(user_id)::bigint
ORDER BY id FOR UPDATE;

-- name: RenamePersonalOrg :execrows
-- The personal org is named after its creator; its slug never changes.
UPDATE organizations SET name = sqlc.arg(name), updated_at = now()
WHERE type = 'personal' AND creator_id = sqlc.arg(user_id)::bigint;

-- name: UpdateAccountProfile :exec
-- Only the provided (non-NULL) fields change.
UPDATE users SET
    first_name         = COALESCE(sqlc.narg(first_name), first_name),
    last_name          = COALESCE(sqlc.narg(last_name), last_name),
    location           = COALESCE(sqlc.narg(location), location),
    about              = COALESCE(sqlc.narg(about), about),
    preferred_theme    = COALESCE(sqlc.narg(preferred_theme), preferred_theme),
    preferred_language = COALESCE(sqlc.narg(preferred_language), preferred_language),
    updated_at         = now()
WHERE id = sqlc.arg(user_id);

-- name: AccountProfile :one
-- The user and its personal org (owner membership, lowest id).
SELECT u.id, u.email, u.first_name, u.last_name, u.username, u.slug, u.location, u.about, u.avatar_path,
       u.notification_preferences, u.preferred_theme, u.preferred_language, u.finished_onboarding,
       u.email_verified, u.created_at,
       COALESCE(po.name, '')::text AS org_name, COALESCE(po.slug, '')::text AS org_slug
FROM users u
LEFT JOIN LATERAL (
    SELECT o.name, o.slug FROM memberships m JOIN organizations o ON o.id = m.organization_id
    WHERE m.user_id = u.id AND m.role = 'owner' AND o.type = 'personal'
    ORDER BY o.id LIMIT 1
) po ON true
WHERE u.id = sqlc.arg(user_id);

-- name: DeleteAccount :execrows
DELETE FROM users WHERE id = sqlc.arg(user_id);

-- name: BumpAuthVersion :one
UPDATE users SET auth_version = auth_version + 1, updated_at = now() WHERE id = sqlc.arg(user_id)
RETURNING auth_version;

-- name: RevokeAllSessions :exec
UPDATE auth_sessions SET revoked_at = now() WHERE user_id = sqlc.arg(user_id) AND revoked_at IS NULL;

-- name: InsertSession :exec
INSERT INTO auth_sessions (id, user_id, auth_version, device_name, refresh_jti, expires_at)
VALUES (sqlc.arg(id), sqlc.arg(user_id), sqlc.arg(auth_version), sqlc.arg(device_name), sqlc.arg(refresh_jti), sqlc.arg(expires_at));

-- name: LockSession :one
SELECT * FROM auth_sessions WHERE id = sqlc.arg(id) FOR UPDATE;

-- name: RotateSession :exec
-- A new refresh token for the session: the previous one becomes a replay.
UPDATE auth_sessions SET refresh_jti = sqlc.arg(refresh_jti), last_used_at = now(), expires_at = sqlc.arg(expires_at)
WHERE id = sqlc.arg(id);

-- name: RevokeSession :exec
UPDATE auth_sessions SET revoked_at = COALESCE(revoked_at, now()), refresh_jti = '' WHERE id = sqlc.arg(id);

-- name: RevokeOwnSession :execrows
UPDATE auth_sessions SET revoked_at = now(), refresh_jti = ''
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id) AND revoked_at IS NULL AND expires_at > now();

-- name: SessionState :one
-- What /token/verify checks beyond the signature.
SELECT s.auth_version AS session_auth_version, s.refresh_jti, s.revoked_at, s.expires_at,
       u.auth_version, u.is_active
FROM auth_sessions s JOIN users u ON u.id = s.user_id
WHERE s.id = sqlc.arg(id) AND s.user_id = sqlc.arg(user_id);

-- name: ListLiveSessions :many
SELECT id, device_name, created_at, last_used_at FROM auth_sessions
WHERE user_id = sqlc.arg(user_id) AND revoked_at IS NULL AND expires_at > now()
ORDER BY last_used_at DESC, id
LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off);

-- name: CountLiveSessions :one
SELECT count(*) FROM auth_sessions
WHERE user_id = sqlc.arg(user_id) AND revoked_at IS NULL AND expires_at > now();

-- name: UpsertPendingRegistration :exec
-- One pending registration per address: a new token replaces the old link.
INSERT INTO pending_registrations (email, token_hash, expires_at)
VALUES (sqlc.arg(email), sqlc.arg(token_hash), sqlc.arg(expires_at))
ON CONFLICT ((lower(email))) DO UPDATE
SET token_hash = EXCLUDED.token_hash, created_at = now(), expires_at = EXCLUDED.expires_at;

-- name: LockPendingRegistration :one
SELECT * FROM pending_registrations WHERE token_hash = sqlc.arg(token_hash) FOR UPDATE;

-- name: PendingRegistrationByToken :one
SELECT * FROM pending_registrations WHERE token_hash = sqlc.arg(token_hash);

-- name: DeletePendingRegistration :exec
DELETE FROM pending_registrations WHERE id = sqlc.arg(id);

-- name: UpsertPasswordReset :exec
-- One pending reset per user, bound to the auth_version it was issued under.
INSERT INTO pending_password_resets (user_id, auth_version, token_hash, expires_at)
VALUES (sqlc.arg(user_id), sqlc.arg(auth_version), sqlc.arg(token_hash), sqlc.arg(expires_at))
ON CONFLICT (user_id) DO UPDATE
SET auth_version = EXCLUDED.auth_version, token_hash = EXCLUDED.token_hash, created_at = now(), expires_at = EXCLUDED.expires_at;

-- name: PasswordResetByToken :one
-- Unlocked lookup: finds the user to lock first (canonical order).
SELECT r.id, r.user_id, r.expires_at, (r.auth_version = u.auth_version)::boolean AS current,
       u.email, u.username, u.first_name, u.last_name
FROM pending_password_resets r JOIN users u ON u.id = r.user_id
WHERE r.token_hash = sqlc.arg(token_hash);

-- name: LockPasswordReset :one
SELECT * FROM pending_password_resets
WHERE user_id = sqlc.arg(user_id) AND token_hash = sqlc.arg(token_hash) FOR UPDATE;

-- name: DeletePasswordReset :exec
DELETE FROM pending_password_resets WHERE id = sqlc.arg(id);

-- name: DeletePasswordResetsOf :exec
DELETE FROM pending_password_resets WHERE user_id = sqlc.arg(user_id);

-- name: UpsertEmailChange :exec
INSERT INTO pending_email_changes (user_id, new_email, auth_version, token_hash, expires_at)
VALUES (sqlc.arg(user_id), sqlc.arg(new_email), sqlc.arg(auth_version), sqlc.arg(token_hash), sqlc.arg(expires_at))
ON CONFLICT (user_id) DO UPDATE
SET new_email = EXCLUDED.new_email, auth_version = EXCLUDED.auth_version, token_hash = EXCLUDED.token_hash,
    created_at = now(), expires_at = EXCLUDED.expires_at;

-- name: EmailChangeUserByToken :one
SELECT user_id FROM pending_email_changes WHERE token_hash = sqlc.arg(token_hash);

-- name: LockEmailChange :one
SELECT * FROM pending_email_changes
WHERE user_id = sqlc.arg(user_id) AND token_hash = sqlc.arg(token_hash) FOR UPDATE;

-- name: DeleteEmailChange :exec
DELETE FROM pending_email_changes WHERE id = sqlc.arg(id);

-- name: DeleteEmailChangeOf :exec
DELETE FROM pending_email_changes WHERE user_id = sqlc.arg(user_id);

-- name: RehashAccountPassword :exec
-- Only if the password did not change meanwhile.
UPDATE users SET password_hash = sqlc.arg(new_hash)
WHERE id = sqlc.arg(user_id) AND password_hash = sqlc.arg(old_hash);

-- name: SetAccountActive :exec
UPDATE users SET is_active = sqlc.arg(is_active), updated_at = now() WHERE id = sqlc.arg(user_id);

-- name: MarkAccountVerified :exec
UPDATE users SET email_verified = true, updated_at = now() WHERE id = sqlc.arg(user_id) AND NOT email_verified;
