-- +goose Up
-- A version per org that changes in the same transaction as any change to
-- the org's contacts (insert, update, delete, move, truncate). The search
-- result cache (internal/contacts/search_cache.go) keys its entries on it:
-- two snapshots that read the same version see the same contacts of the
-- org, so a result computed under a version is exact wherever that version
-- is read again. Values come from one sequence and never repeat, also when
-- an org's row is deleted with the org and its id is never reused anyway.
-- Every contact write of an org takes this row's lock until commit, as the
-- contact_counts triggers already do for inserts and deletes.
CREATE SEQUENCE contact_search_version_seq;
CREATE TABLE contact_search_versions (
    organization_id bigint PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    version         bigint NOT NULL
);
INSERT INTO contact_search_versions (organization_id, version)
SELECT organization_id, nextval('contact_search_version_seq') FROM (SELECT DISTINCT organization_id FROM contacts) o;

-- Orgs in id order: two statements touching the same orgs lock their rows
-- in the same order.
-- +goose StatementBegin
CREATE FUNCTION contacts_bump_search_version() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE contact_search_versions SET version = nextval('contact_search_version_seq');
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO contact_search_versions (organization_id, version)
        SELECT organization_id, nextval('contact_search_version_seq')
        FROM (SELECT DISTINCT organization_id FROM new_rows ORDER BY 1) o
        ON CONFLICT (organization_id) DO UPDATE SET version = EXCLUDED.version;
    ELSE
        -- Deleted or moved-away rows: an update only. An upsert would fail
        -- on the foreign key when the org itself is being deleted (its
        -- contacts go by cascade); an org with contacts always has a row.
        IF TG_OP = 'UPDATE' THEN
            INSERT INTO contact_search_versions (organization_id, version)
            SELECT organization_id, nextval('contact_search_version_seq')
            FROM (SELECT DISTINCT organization_id FROM new_rows ORDER BY 1) o
            ON CONFLICT (organization_id) DO UPDATE SET version = EXCLUDED.version;
        END IF;
        UPDATE contact_search_versions v SET version = nextval('contact_search_version_seq')
        FROM (SELECT DISTINCT organization_id FROM old_rows ORDER BY 1) o
        WHERE v.organization_id = o.organization_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER contacts_search_version_insert AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_bump_search_version();
CREATE TRIGGER contacts_search_version_update AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_bump_search_version();
CREATE TRIGGER contacts_search_version_delete AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_bump_search_version();
CREATE TRIGGER contacts_search_version_truncate AFTER TRUNCATE ON contacts
    FOR EACH STATEMENT EXECUTE FUNCTION contacts_bump_search_version();

-- +goose Down
DROP TRIGGER contacts_search_version_truncate ON contacts;
DROP TRIGGER contacts_search_version_delete ON contacts;
DROP TRIGGER contacts_search_version_update ON contacts;
DROP TRIGGER contacts_search_version_insert ON contacts;
DROP FUNCTION contacts_bump_search_version();
DROP TABLE contact_search_versions;
DROP SEQUENCE contact_search_version_seq;
