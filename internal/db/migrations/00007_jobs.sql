-- +goose Up
-- The request that caused a task, so worker logs can be joined to it.
ALTER TABLE outbox ADD COLUMN request_id text NOT NULL DEFAULT '';
-- outbox-prune deletes completed rows by age; metrics count failed rows.
CREATE INDEX outbox_completed_idx ON outbox (completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX outbox_failed_idx ON outbox (failed_at) WHERE failed_at IS NOT NULL;

-- +goose Down
DROP INDEX outbox_failed_idx;
DROP INDEX outbox_completed_idx;
ALTER TABLE outbox DROP COLUMN request_id;
