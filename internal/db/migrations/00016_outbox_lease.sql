-- +goose Up
-- A worker running an outbox task holds a lease on its row and renews it
-- while the task runs (heartbeat). A lease that lapses means the worker
-- died: the relay hands the task over again within seconds, not after the
-- fixed re-relay timeout. A live lease also keeps a second copy of the task
-- (a re-relay, a Redis replica that missed the dequeue) from running at the
-- same time.
ALTER TABLE outbox ADD COLUMN lease_until timestamptz;
-- The asynq task id of the row's current copy: '' is the row id. A task
-- re-relayed after its lease lapsed gets a new id, because the dead worker's
-- copy still holds the old one in asynq's active set.
ALTER TABLE outbox ADD COLUMN task_id text NOT NULL DEFAULT '';
-- Lapsed leases are found through the few rows that hold one.
CREATE INDEX outbox_lease_idx ON outbox (lease_until)
    WHERE completed_at IS NULL AND failed_at IS NULL AND lease_until IS NOT NULL;

-- +goose Down
DROP INDEX outbox_lease_idx;
ALTER TABLE outbox DROP COLUMN task_id;
ALTER TABLE outbox DROP COLUMN lease_until;
