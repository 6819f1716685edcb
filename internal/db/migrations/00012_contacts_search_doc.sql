-- +goose Up
-- Contact search matches every term case-insensitively against five fields.
-- `f ILIKE p` is `lower(f) LIKE lower(p)` in a UTF-8 database, so a stored
-- document of the lower-cased fields, one per line, answers "one of the
-- fields contains the term" with a single LIKE: a term never holds a
-- newline (terms are split on whitespace), so it cannot match across two
-- fields. lower() here and in the query use the same (default) collation.
--
-- The trigram index leads with organization_id (btree_gin), so one GIN
-- scan yields the org's candidate rows; the bare expression index of 00008
-- was either ANDed with an org index or not chosen at all. docs/search.md
-- shows the plans. btree_gin, like pg_trgm, is a trusted extension.
CREATE EXTENSION IF NOT EXISTS btree_gin;
DROP INDEX contacts_search_trgm_idx;
ALTER TABLE contacts ADD COLUMN search_doc text NOT NULL GENERATED ALWAYS AS (
    lower(display_name) || E'\n' || lower(first_name) || E'\n' || lower(last_name) || E'\n'
    || lower(email) || E'\n' || lower(notes)) STORED;
CREATE INDEX contacts_search_doc_idx ON contacts USING gin (organization_id, search_doc gin_trgm_ops)
    WITH (gin_pending_list_limit = 128);

-- +goose Down
DROP INDEX contacts_search_doc_idx;
ALTER TABLE contacts DROP COLUMN search_doc;
CREATE INDEX contacts_search_trgm_idx ON contacts USING gin (
    (display_name || ' ' || first_name || ' ' || last_name || ' ' || email || ' ' || notes) gin_trgm_ops);
