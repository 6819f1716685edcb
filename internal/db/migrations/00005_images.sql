-- +goose Up
-- Library images of an org. `file` is the private key of the WebP original;
-- the four variant keys are derived from it (<base>_thumb.webp, _sm, _md, _lg).
CREATE TABLE images (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint       NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    creator_id      bigint       REFERENCES users (id) ON DELETE SET NULL,
    file            varchar(255) NOT NULL,
    description     text         NOT NULL DEFAULT '',
    alt_text        varchar(120) NOT NULL DEFAULT '',
    title           varchar(120) NOT NULL DEFAULT '',
    visibility      varchar(16)  NOT NULL DEFAULT 'private',
    created_at      timestamptz  NOT NULL DEFAULT now(),
    updated_at      timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT images_visibility_valid CHECK (visibility IN ('private', 'public'))
);
-- One index per sort of the list, id last (the tiebreaker).
CREATE INDEX images_org_created_idx ON images (organization_id, created_at, id);
CREATE INDEX images_org_title_idx ON images (organization_id, title, id);
CREATE INDEX images_creator_idx ON images (creator_id) WHERE creator_id IS NOT NULL;

-- Images attached to polymorphic targets (same allowlist as tagged_items).
CREATE TABLE image_relations (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    image_id           bigint       NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    target_type        text         NOT NULL,
    object_id          bigint       NOT NULL,
    is_cover           boolean      NOT NULL DEFAULT false,
    "order"            integer      NOT NULL,
    custom_description text,
    custom_alt_text    varchar(120),
    custom_title       varchar(120),
    created_at         timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT image_relations_target_type_valid CHECK (target_type IN ('contacts.contact', 'organizations.organization')),
    CONSTRAINT image_relations_unique UNIQUE (image_id, target_type, object_id),
    -- Deferrable (checked at statement end) so one UPDATE can permute orders.
    -- Also the index of "relations of this target, in order".
    CONSTRAINT image_relations_target_order_unique UNIQUE (target_type, object_id, "order") DEFERRABLE INITIALLY IMMEDIATE
);
-- At most one cover per target.
CREATE UNIQUE INDEX image_relations_one_cover ON image_relations (target_type, object_id) WHERE is_cover;

-- Share links: only the SHA-256 hex of the token is stored.
CREATE TABLE image_share_links (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    image_id      bigint      NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    token_hash    char(64)    NOT NULL UNIQUE,
    created_by_id bigint      REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX img_share_image_revoked_idx ON image_share_links (image_id, revoked_at);
CREATE INDEX img_share_created_by_idx ON image_share_links (created_by_id) WHERE created_by_id IS NOT NULL;

-- Durable Idempotency-Key records of the bulk routes, written in the
-- transaction of the mutation they describe. response_body holds the exact
-- bytes replayed (NULL for an empty body, e.g. 204).
CREATE TABLE idempotency_records (
    identity_hash       varchar(64) PRIMARY KEY,
    request_fingerprint varchar(64) NOT NULL,
    user_id             bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    method              varchar(10) NOT NULL,
    path                text        NOT NULL,
    status_code         smallint    NOT NULL,
    content_type        text        NOT NULL DEFAULT '',
    response_body       bytea,
    created_at          timestamptz NOT NULL DEFAULT now(),
    completed_at        timestamptz NOT NULL DEFAULT now(),
    expires_at          timestamptz NOT NULL
);
CREATE INDEX idempotency_records_expires_idx ON idempotency_records (expires_at);
CREATE INDEX idempotency_records_user_idx ON idempotency_records (user_id);

-- Storage cleanup after commit: an outbox task "storage:delete" with payload
-- {"keys": [...]} (at most 500 keys per task), written in the deleting
-- transaction. Keys under "public/" live in the public namespace, all others
-- in the private one.
-- +goose StatementBegin
CREATE FUNCTION enqueue_storage_delete(keys text[]) RETURNS void AS $$
    INSERT INTO outbox (id, task_type, queue, payload, max_retry)
    SELECT gen_random_uuid(), 'storage:delete', 'maintenance', jsonb_build_object('keys', to_jsonb(chunk)), 10
    FROM (
        SELECT array_agg(k ORDER BY n) AS chunk
        FROM unnest(keys) WITH ORDINALITY AS u (k, n)
        WHERE k IS NOT NULL AND k <> ''
        GROUP BY (n - 1) / 500
    ) c;
$$ LANGUAGE sql;
-- +goose StatementEnd

-- The large avatar's key: "_lg" before the extension (images.LargeAvatarKey).
-- +goose StatementBegin
CREATE FUNCTION large_avatar_key(small text) RETURNS text AS $$
    SELECT regexp_replace(small, '(\.[^./]*)?$', '_lg\1');
$$ LANGUAGE sql IMMUTABLE;
-- +goose StatementEnd

-- Whenever a row stops referencing an avatar pair (row deleted, avatar
-- replaced or removed), the pair is scheduled for deletion in the same
-- transaction, whichever path made the change (API, org cascade, raw SQL).
-- +goose StatementBegin
CREATE FUNCTION avatars_after_delete() RETURNS trigger AS $$
BEGIN
    PERFORM enqueue_storage_delete(ARRAY(
        SELECT k FROM old_rows o, LATERAL (VALUES (o.avatar_path), (large_avatar_key(o.avatar_path))) v (k)
        WHERE o.avatar_path IS NOT NULL AND o.avatar_path <> ''));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION avatars_after_change() RETURNS trigger AS $$
BEGIN
    PERFORM enqueue_storage_delete(ARRAY[OLD.avatar_path, large_avatar_key(OLD.avatar_path)]);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- A deleted contact or organization takes its image relations with it.
-- +goose StatementBegin
CREATE FUNCTION image_targets_after_delete() RETURNS trigger AS $$
BEGIN
    DELETE FROM image_relations r USING old_rows o
    WHERE r.target_type = TG_ARGV[0] AND r.object_id = o.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER users_avatar_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION avatars_after_delete();
CREATE TRIGGER users_avatar_change AFTER UPDATE OF avatar_path ON users
    FOR EACH ROW WHEN (OLD.avatar_path IS DISTINCT FROM NEW.avatar_path AND OLD.avatar_path <> '')
    EXECUTE FUNCTION avatars_after_change();
CREATE TRIGGER contacts_avatar_delete AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION avatars_after_delete();
CREATE TRIGGER contacts_avatar_change AFTER UPDATE OF avatar_path ON contacts
    FOR EACH ROW WHEN (OLD.avatar_path IS DISTINCT FROM NEW.avatar_path AND OLD.avatar_path <> '')
    EXECUTE FUNCTION avatars_after_change();
CREATE TRIGGER contacts_image_relations_delete AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION image_targets_after_delete('contacts.contact');
CREATE TRIGGER organizations_image_relations_delete AFTER DELETE ON organizations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION image_targets_after_delete('organizations.organization');

-- +goose Down
DROP TRIGGER organizations_image_relations_delete ON organizations;
DROP TRIGGER contacts_image_relations_delete ON contacts;
DROP TRIGGER contacts_avatar_change ON contacts;
DROP TRIGGER contacts_avatar_delete ON contacts;
DROP TRIGGER users_avatar_change ON users;
DROP TRIGGER users_avatar_delete ON users;
DROP FUNCTION image_targets_after_delete();
DROP FUNCTION avatars_after_change();
DROP FUNCTION avatars_after_delete();
DROP FUNCTION large_avatar_key(text);
DROP FUNCTION enqueue_storage_delete(text[]);
DROP TABLE idempotency_records;
DROP TABLE image_share_links;
DROP TABLE image_relations;
DROP TABLE images;
