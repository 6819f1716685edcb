-- +goose Up
CREATE TABLE users (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    password_hash            text        NOT NULL DEFAULT '',
    email                    varchar(254) NOT NULL,
    username                 varchar(50)  NOT NULL DEFAULT '',
    slug                     varchar(50)  NOT NULL,
    first_name               varchar(50)  NOT NULL DEFAULT '',
    last_name                varchar(50)  NOT NULL DEFAULT '',
    location                 varchar(100) NOT NULL DEFAULT '',
    about                    text         NOT NULL DEFAULT '',
    avatar_path              text,
    notification_preferences jsonb        NOT NULL DEFAULT '{}',
    preferred_theme          varchar(16)  NOT NULL DEFAULT 'light',
    preferred_language       varchar(16)  NOT NULL DEFAULT 'en',
    finished_onboarding      boolean      NOT NULL DEFAULT false,
    email_verified           boolean      NOT NULL DEFAULT false,
    is_active                boolean      NOT NULL DEFAULT true,
    is_staff                 boolean      NOT NULL DEFAULT false,
    is_superuser             boolean      NOT NULL DEFAULT false,
    auth_version             bigint       NOT NULL DEFAULT 1 CHECK (auth_version > 0),
    created_at               timestamptz  NOT NULL DEFAULT now(),
    updated_at               timestamptz  NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_ci_uniq ON users (lower(email));
CREATE UNIQUE INDEX users_username_ci_uniq ON users (lower(username)) WHERE username <> '';
CREATE UNIQUE INDEX users_slug_uniq ON users (slug);

-- Device sessions: one per login; refresh tokens rotate inside a session.
CREATE TABLE auth_sessions (
    id               uuid PRIMARY KEY,
    user_id          bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_version     bigint      NOT NULL,
    device_name      varchar(120) NOT NULL DEFAULT '',
    refresh_jti      text        NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_used_at     timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    revoked_at       timestamptz
);
CREATE INDEX auth_session_user_revoked_idx ON auth_sessions (user_id, revoked_at);
CREATE INDEX auth_session_expires_idx ON auth_sessions (expires_at);

-- Pending credentials: only SHA-256 hex of the raw token is stored.
CREATE TABLE pending_registrations (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      varchar(254) NOT NULL,
    token_hash char(64)     NOT NULL UNIQUE,
    created_at timestamptz  NOT NULL DEFAULT now(),
    expires_at timestamptz  NOT NULL
);
CREATE UNIQUE INDEX pending_registration_email_ci_uniq ON pending_registrations (lower(email));

CREATE TABLE pending_password_resets (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint      NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    token_hash char(64)    NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

CREATE TABLE pending_email_changes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint       NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    new_email    varchar(254) NOT NULL,
    auth_version bigint       NOT NULL,
    token_hash   char(64)     NOT NULL UNIQUE,
    created_at   timestamptz  NOT NULL DEFAULT now(),
    expires_at   timestamptz  NOT NULL
);

CREATE TABLE organizations (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       varchar(255) NOT NULL,
    slug       varchar(50)  NOT NULL UNIQUE,
    type       varchar(20)  NOT NULL DEFAULT 'group',
    creator_id bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organizations_org_valid_type CHECK (type IN ('personal', 'group')),
    CONSTRAINT organizations_personal_org_has_creator CHECK (type = 'group' OR creator_id IS NOT NULL)
);
CREATE UNIQUE INDEX organizations_personal_creator_unique ON organizations (creator_id) WHERE type = 'personal';

CREATE TABLE memberships (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role            varchar(10) NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT memberships_user_org_unique UNIQUE (user_id, organization_id),
    CONSTRAINT memberships_valid_role CHECK (role IN ('owner', 'admin', 'member'))
);
CREATE INDEX org_membership_org_role_idx ON memberships (organization_id, role);

CREATE TABLE invitations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint       NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email           varchar(254) NOT NULL,
    role            varchar(10)  NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    token_hash      char(64)     NOT NULL UNIQUE,
    invited_by_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz  NOT NULL DEFAULT now(),
    expires_at      timestamptz  NOT NULL,
    accepted_at     timestamptz,
    revoked_at      timestamptz
);
CREATE UNIQUE INDEX invitations_pending_email_uniq ON invitations (organization_id, lower(email))
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- Last line of defence: every group keeps an active owner, every personal org
-- keeps its creator as owner. Checked at COMMIT so one transaction may swap owners.
-- +goose StatementBegin
CREATE FUNCTION organizations_check_active_owner(org_id bigint) RETURNS void AS $$
DECLARE
    org organizations%ROWTYPE;
BEGIN
    SELECT * INTO org FROM organizations WHERE id = org_id;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF org.type = 'group' AND NOT EXISTS (
        SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.organization_id = org_id AND m.role = 'owner' AND u.is_active) THEN
        RAISE EXCEPTION 'group organization % requires at least one active owner', org_id
            USING ERRCODE = '23514', CONSTRAINT = 'organizations_active_owner';
    END IF;
    IF org.type = 'personal' AND NOT EXISTS (
        SELECT 1 FROM memberships m
        WHERE m.organization_id = org_id AND m.role = 'owner' AND m.user_id = org.creator_id) THEN
        RAISE EXCEPTION 'personal organization % requires its creator owner membership', org_id
            USING ERRCODE = '23514', CONSTRAINT = 'organizations_active_owner';
    END IF;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION memberships_owner_trigger() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM organizations_check_active_owner(OLD.organization_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM organizations_check_active_owner(NEW.organization_id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION organizations_owner_trigger() RETURNS trigger AS $$
BEGIN
    PERFORM organizations_check_active_owner(NEW.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION users_active_owner_trigger() RETURNS trigger AS $$
DECLARE
    oid bigint;
BEGIN
    IF OLD.is_active AND NOT NEW.is_active THEN
        FOR oid IN SELECT organization_id FROM memberships WHERE user_id = NEW.id AND role = 'owner' LOOP
            PERFORM organizations_check_active_owner(oid);
        END LOOP;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER memberships_active_owner_check
    AFTER INSERT OR UPDATE OR DELETE ON memberships
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION memberships_owner_trigger();

CREATE CONSTRAINT TRIGGER organizations_active_owner_check
    AFTER INSERT OR UPDATE ON organizations
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION organizations_owner_trigger();

CREATE CONSTRAINT TRIGGER users_active_owner_check
    AFTER UPDATE OF is_active ON users
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION users_active_owner_trigger();

-- Transactional outbox: tasks written in the same transaction as their cause.
CREATE TABLE outbox (
    id           uuid PRIMARY KEY,
    task_type    text        NOT NULL,
    queue        text        NOT NULL,
    payload      jsonb       NOT NULL,
    max_retry    int         NOT NULL DEFAULT 5,
    created_at   timestamptz NOT NULL DEFAULT now(),
    relayed_at   timestamptz,
    relay_count  int         NOT NULL DEFAULT 0,
    completed_at timestamptz,
    failed_at    timestamptz,
    last_error   text        NOT NULL DEFAULT ''
);
CREATE INDEX outbox_unfinished_idx ON outbox (relayed_at NULLS FIRST, created_at)
    WHERE completed_at IS NULL AND failed_at IS NULL;

-- +goose Down
DROP TABLE outbox;
DROP TRIGGER users_active_owner_check ON users;
DROP TABLE invitations;
DROP TABLE memberships;
DROP TABLE organizations;
DROP FUNCTION users_active_owner_trigger();
DROP FUNCTION organizations_owner_trigger();
DROP FUNCTION memberships_owner_trigger();
DROP FUNCTION organizations_check_active_owner(bigint);
DROP TABLE pending_email_changes;
DROP TABLE pending_password_resets;
DROP TABLE pending_registrations;
DROP TABLE auth_sessions;
DROP TABLE users;
