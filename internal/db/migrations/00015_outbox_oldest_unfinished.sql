-- +goose Up
-- The oldest unfinished task (metrics: outbox_oldest_unfinished_age_seconds)
-- is min(created_at) over unfinished rows; with this index PostgreSQL reads
-- one index entry instead of every unfinished row of a backlog.
CREATE INDEX outbox_unfinished_created_idx ON outbox (created_at)
    WHERE completed_at IS NULL AND failed_at IS NULL;

-- +goose Down
DROP INDEX outbox_unfinished_created_idx;
