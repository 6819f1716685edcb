-- +goose Up
-- The W3C traceparent of the request that wrote the task, so the worker's
-- span continues that trace (empty when tracing is off).
ALTER TABLE outbox ADD COLUMN trace_parent text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE outbox DROP COLUMN trace_parent;
