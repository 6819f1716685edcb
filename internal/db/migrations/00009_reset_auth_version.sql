-- +goose Up
-- A password reset is bound to the auth_version it was issued under: every
-- change of credentials, address or sessions (which bumps auth_version)
-- voids a reset link still waiting in a mailbox.
ALTER TABLE pending_password_resets ADD COLUMN auth_version bigint;
UPDATE pending_password_resets r SET auth_version = u.auth_version FROM users u WHERE u.id = r.user_id;
ALTER TABLE pending_password_resets ALTER COLUMN auth_version SET NOT NULL;

-- +goose Down
ALTER TABLE pending_password_resets DROP COLUMN auth_version;
