-- +goose Up
-- Trigram index so contact search (every term ILIKE one of five fields) does
-- not scan the whole org. pg_trgm is a trusted extension: the database owner
-- can create it without superuser rights.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX contacts_search_trgm_idx ON contacts USING gin (
    (display_name || ' ' || first_name || ' ' || last_name || ' ' || email || ' ' || notes) gin_trgm_ops);

-- +goose Down
DROP INDEX contacts_search_trgm_idx;
