-- +goose Up
-- perm_version counts membership changes of an org. It is bumped by a
-- trigger in the writing transaction, so no write path (service, raw SQL,
-- cascades) can skip it; the permission cache keys its entries with it.
ALTER TABLE organizations ADD COLUMN perm_version bigint NOT NULL DEFAULT 1;

-- +goose StatementBegin
CREATE FUNCTION memberships_bump_perm_version() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE organizations SET perm_version = perm_version + 1;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE organizations SET perm_version = perm_version + 1 WHERE id = OLD.organization_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.organization_id <> OLD.organization_id) THEN
        UPDATE organizations SET perm_version = perm_version + 1 WHERE id = NEW.organization_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER memberships_perm_version
    AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION memberships_bump_perm_version();

CREATE TRIGGER memberships_perm_version_truncate
    AFTER TRUNCATE ON memberships
    FOR EACH STATEMENT EXECUTE FUNCTION memberships_bump_perm_version();

-- +goose Down
DROP TRIGGER memberships_perm_version_truncate ON memberships;
DROP TRIGGER memberships_perm_version ON memberships;
DROP FUNCTION memberships_bump_perm_version();
ALTER TABLE organizations DROP COLUMN perm_version;
