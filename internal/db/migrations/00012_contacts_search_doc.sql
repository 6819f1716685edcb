-- +goose Up
-- Contact search matches every term case-insensitively against five fields.
-- `f ILIKE p` is `lower(f) LIKE lower(p)` in a UTF-8 database, so a stored
-- document of the lower-cased fields, one per line, answers "one of the
-- fields contains the term" with a single LIKE: a term never holds
-- whitespace (terms are split on it), so it cannot match across two fields.
-- Newlines inside a field become spaces, which changes no term's matches
-- and leaves newlines as field separators only: the field a string without
-- spaces or newlines first occurs in is the count of newlines before it
-- (the search's ranking). lower() here and in the queries use the same
-- (default) collation.
--
-- The trigram index leads with organization_id (btree_gin), so one GIN
-- scan yields the org's candidate rows; the bare expression index of 00008
-- was either ANDed with an org index or not chosen at all. A small pending
-- list: with autovacuum off nothing else flushes it, and every search reads
-- all of it. docs/search.md shows the plans. btree_gin, like pg_trgm, is a
-- trusted extension.
CREATE EXTENSION IF NOT EXISTS btree_gin;
DROP INDEX contacts_search_trgm_idx;
ALTER TABLE contacts ADD COLUMN search_doc text NOT NULL GENERATED ALWAYS AS (
    lower(replace(display_name, E'\n', ' ')) || E'\n' || lower(replace(first_name, E'\n', ' ')) || E'\n'
    || lower(replace(last_name, E'\n', ' ')) || E'\n' || lower(replace(email, E'\n', ' ')) || E'\n'
    || lower(replace(notes, E'\n', ' '))) STORED;
CREATE INDEX contacts_search_doc_idx ON contacts USING gin (organization_id, search_doc gin_trgm_ops)
    WITH (gin_pending_list_limit = 128);

-- +goose Down
DROP INDEX contacts_search_doc_idx;
ALTER TABLE contacts DROP COLUMN search_doc;
CREATE INDEX contacts_search_trgm_idx ON contacts USING gin (
    (display_name || ' ' || first_name || ' ' || last_name || ' ' || email || ' ' || notes) gin_trgm_ops);
