-- +goose Up
-- Runs of the task so far, recorded by the worker: a finished row keeps it
-- after its payload (email bodies with single-use links) is reduced.
ALTER TABLE outbox ADD COLUMN attempts int NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE outbox DROP COLUMN attempts;
