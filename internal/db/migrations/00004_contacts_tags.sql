-- +goose Up
-- Contacts: per-org address book. Slugs are unique per org and never change.
CREATE TABLE contacts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint       NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    creator_id      bigint       REFERENCES users (id) ON DELETE SET NULL,
    display_name    varchar(255) NOT NULL,
    slug            varchar(50)  NOT NULL,
    first_name      varchar(255) NOT NULL DEFAULT '',
    last_name       varchar(255) NOT NULL DEFAULT '',
    email           varchar(254) NOT NULL DEFAULT '',
    location        varchar(255) NOT NULL DEFAULT '',
    phone           varchar(20)  NOT NULL DEFAULT '',
    notes           text         NOT NULL DEFAULT '',
    avatar_path     varchar(255),
    created_at      timestamptz  NOT NULL DEFAULT now(),
    updated_at      timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT contacts_org_slug_unique UNIQUE (organization_id, slug)
);
-- One index per sort of the list, id last: a page is an index range scan and
-- ties are broken by id. Descending sorts scan these backwards.
CREATE INDEX contacts_org_display_name_idx ON contacts (organization_id, display_name, id);
CREATE INDEX contacts_org_first_name_idx ON contacts (organization_id, first_name, id);
CREATE INDEX contacts_org_last_name_idx ON contacts (organization_id, last_name, id);
CREATE INDEX contacts_org_email_idx ON contacts (organization_id, email, id);
CREATE INDEX contacts_org_created_idx ON contacts (organization_id, created_at, id);
CREATE INDEX contacts_org_updated_idx ON contacts (organization_id, updated_at, id);
-- Deleting a user sets creator_id to NULL: without this it scans every contact.
CREATE INDEX contacts_creator_idx ON contacts (creator_id) WHERE creator_id IS NOT NULL;

-- Number of contacts per org, kept by the triggers below, so the list's
-- `count` costs one primary-key lookup instead of counting the org's rows
-- (at 10k contacts an index-only count costs about as much as the whole page).
-- A missing row means zero.
CREATE TABLE contact_counts (
    organization_id bigint PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    n               bigint NOT NULL
);

-- Tags: names unique per org case-insensitively, slugs unique per org.
CREATE TABLE tags (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            varchar(50) NOT NULL,
    slug            varchar(50) NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tags_org_slug_unique UNIQUE (organization_id, slug)
);
CREATE UNIQUE INDEX tags_org_name_ci_unique ON tags (organization_id, lower(name));
CREATE INDEX tags_org_name_idx ON tags (organization_id, name, id);

-- Tag assignments to polymorphic targets. object_id is 64-bit like every key;
-- target_type compares bytewise (COLLATE "C"): it is an identifier, and the
-- lookups of every contacts page descend this index once per contact.
CREATE TABLE tagged_items (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tag_id      bigint      NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    target_type text COLLATE "C" NOT NULL,
    object_id   bigint      NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tagged_items_target_type_valid CHECK (target_type IN ('contacts.contact', 'organizations.organization')),
    -- Also the lookup index for "tags of this object" (object_id first: an
    -- integer comparison decides almost every step of the descent).
    CONSTRAINT tagged_items_unique UNIQUE (object_id, target_type, tag_id)
);
CREATE INDEX tagged_items_tag_idx ON tagged_items (tag_id);

-- +goose StatementBegin
CREATE FUNCTION contacts_after_insert() RETURNS trigger AS $$
BEGIN
    INSERT INTO contact_counts (organization_id, n)
    SELECT organization_id, count(*) FROM new_rows GROUP BY organization_id
    ON CONFLICT (organization_id) DO UPDATE SET n = contact_counts.n + EXCLUDED.n;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- A deleted contact takes its tag assignments with it, whichever path
-- deleted it (API, org cascade, raw SQL).
-- +goose StatementBegin
CREATE FUNCTION contacts_after_delete() RETURNS trigger AS $$
BEGIN
    UPDATE contact_counts c SET n = c.n - d.k
    FROM (SELECT organization_id, count(*) AS k FROM old_rows GROUP BY organization_id) d
    WHERE c.organization_id = d.organization_id;
    DELETE FROM tagged_items t USING old_rows o
    WHERE t.target_type = 'contacts.contact' AND t.object_id = o.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION contacts_after_move() RETURNS trigger AS $$
BEGIN
    UPDATE contact_counts SET n = n - 1 WHERE organization_id = OLD.organization_id;
    INSERT INTO contact_counts (organization_id, n) VALUES (NEW.organization_id, 1)
    ON CONFLICT (organization_id) DO UPDATE SET n = contact_counts.n + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER contacts_count_insert AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_after_insert();
CREATE TRIGGER contacts_cleanup_delete AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_after_delete();
CREATE TRIGGER contacts_count_move AFTER UPDATE OF organization_id ON contacts
    FOR EACH ROW WHEN (OLD.organization_id IS DISTINCT FROM NEW.organization_id)
    EXECUTE FUNCTION contacts_after_move();

-- +goose Down
DROP TABLE tagged_items;
DROP TABLE tags;
DROP TABLE contact_counts;
DROP TABLE contacts;
DROP FUNCTION contacts_after_move();
DROP FUNCTION contacts_after_delete();
DROP FUNCTION contacts_after_insert();
