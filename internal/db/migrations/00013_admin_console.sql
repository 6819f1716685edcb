-- +goose Up
-- Sessions of the admin console (/admin/): apart from the API's device
-- sessions, since a console session is a cookie for one browser with its
-- own CSRF token and idle timeout. Only the SHA-256 hex of the cookie value
-- is stored. auth_version ties the session to the credentials it was opened
-- with: a password change, deactivation or logout-all ends it too.
CREATE TABLE admin_sessions (
    token_hash   char(64)    PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_version bigint      NOT NULL,
    csrf_token   text        NOT NULL,
    client_ip    text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX admin_sessions_user_idx ON admin_sessions (user_id);
CREATE INDEX admin_sessions_last_seen_idx ON admin_sessions (last_seen_at);

-- Audit trail of the console's actions and of superusers entering orgs
-- through the API. Actor and target are kept as text too, so an entry
-- outlives the rows it names.
CREATE TABLE admin_audit_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source      varchar(16)  NOT NULL,
    action      varchar(64)  NOT NULL,
    actor_id    bigint       REFERENCES users (id) ON DELETE SET NULL,
    actor_email varchar(254) NOT NULL DEFAULT '',
    target_type varchar(32)  NOT NULL DEFAULT '',
    target_id   text         NOT NULL DEFAULT '',
    target      text         NOT NULL DEFAULT '',
    detail      text         NOT NULL DEFAULT '',
    client_ip   text         NOT NULL DEFAULT '',
    created_at  timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT admin_audit_events_valid_source CHECK (source IN ('console', 'api'))
);
CREATE INDEX admin_audit_events_created_idx ON admin_audit_events (created_at DESC, id DESC);
CREATE INDEX admin_audit_events_action_idx ON admin_audit_events (action, created_at DESC);

-- +goose Down
DROP TABLE admin_audit_events;
DROP TABLE admin_sessions;
