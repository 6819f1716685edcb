-- name: InsertOutbox :exec
INSERT INTO outbox (id, task_type, queue, payload, max_retry, request_id, trace_parent)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: NotifyOutbox :exec
-- Wakes the relay; PostgreSQL delivers it at commit, never on rollback.
SELECT pg_notify('outbox', '');

-- name: ClaimNewOutbox :many
-- Claims rows never relayed and marks them relayed in one statement (the
-- relay's hot path: the head of outbox_unfinished_idx). SKIP LOCKED lets
-- several relays share the table; nothing stays locked while the relay
-- talks to Redis.
UPDATE outbox o SET relayed_at = now(), relay_count = o.relay_count + 1
WHERE o.id IN (
    SELECT c.id FROM outbox c
    WHERE c.completed_at IS NULL AND c.failed_at IS NULL AND c.relayed_at IS NULL
    ORDER BY c.relayed_at NULLS FIRST, c.created_at
    LIMIT sqlc.arg(batch_size)
    FOR UPDATE SKIP LOCKED
)
RETURNING o.id, o.task_id, o.task_type, o.queue, o.payload, o.max_retry, o.request_id, o.trace_parent, o.relay_count, o.created_at;

-- name: ClaimDueOutbox :many
-- Claims rows whose task may be gone from Redis:
--   lapsed: the lease of the worker running it lapsed (the worker died); the
--     task gets a new asynq id, since the dead worker's copy keeps the old
--     one in asynq's active set;
--   stale: relayed before relayed_before (the fallback timeout, or the
--     moment the relay found that Redis lost its data) and not running.
-- A row under a live lease is never claimed: its worker is on it.
WITH lapsed AS (
    SELECT c.id FROM outbox c
    WHERE c.completed_at IS NULL AND c.failed_at IS NULL AND c.lease_until < now()
    ORDER BY c.lease_until
    LIMIT sqlc.arg(batch_size)
    FOR UPDATE SKIP LOCKED
), stale AS (
    SELECT c.id FROM outbox c
    WHERE c.completed_at IS NULL AND c.failed_at IS NULL AND c.lease_until IS NULL
      AND c.relayed_at < sqlc.arg(relayed_before)::timestamptz
    ORDER BY c.relayed_at NULLS FIRST, c.created_at
    LIMIT sqlc.arg(batch_size)
    FOR UPDATE SKIP LOCKED
)
UPDATE outbox o SET relayed_at = now(), relay_count = o.relay_count + 1, lease_until = NULL,
    task_id = CASE WHEN o.lease_until IS NULL THEN o.task_id ELSE o.id::text || ':' || (o.relay_count + 1)::text END
WHERE o.id IN (SELECT l.id FROM lapsed l UNION SELECT s.id FROM stale s)
RETURNING o.id, o.task_id, o.task_type, o.queue, o.payload, o.max_retry, o.request_id, o.trace_parent, o.relay_count, o.created_at;

-- name: OutboxClock :one
-- The database's clock: relay cutoffs compare with relayed_at, which it set.
SELECT now()::timestamptz AS now;

-- name: UnclaimOutbox :exec
-- Rows the relay could not hand to Redis: due again at the next poll.
UPDATE outbox SET relayed_at = NULL WHERE id = ANY(sqlc.arg(ids)::uuid[]) AND completed_at IS NULL;

-- name: LeaseOutbox :many
-- A worker takes the lease of each task it is about to run: granted when
-- the row is not completed and no live lease holds it. Rows are locked in
-- id order so that concurrent batches cannot deadlock. Every id asked
-- for comes back: found = false for a task that has no row.
WITH asked AS (
    SELECT DISTINCT unnest(sqlc.arg(ids)::uuid[]) AS id
), granted AS (
    UPDATE outbox o SET lease_until = now() + make_interval(secs => sqlc.arg(lease_seconds)::float8)
    FROM (SELECT c.id FROM outbox c JOIN asked a ON a.id = c.id
          WHERE c.completed_at IS NULL AND (c.lease_until IS NULL OR c.lease_until < now())
          ORDER BY c.id FOR UPDATE OF c SKIP LOCKED) g
    WHERE o.id = g.id
    RETURNING o.id
)
SELECT a.id::uuid AS id, (g.id IS NOT NULL)::bool AS leased, (c.id IS NOT NULL)::bool AS found,
    (c.completed_at IS NOT NULL)::bool AS completed
FROM asked a
LEFT JOIN granted g ON g.id = a.id
LEFT JOIN outbox c ON c.id = a.id;

-- name: RenewOutboxLeases :exec
-- The heartbeat of a worker's running tasks.
UPDATE outbox SET lease_until = now() + make_interval(secs => sqlc.arg(lease_seconds)::float8)
WHERE id = ANY(sqlc.arg(ids)::uuid[]) AND completed_at IS NULL;

-- name: CompleteOutbox :exec
-- Records finished tasks, a batch at a time. The payload is reduced once the
-- task is over: email bodies hold single-use tokens and signed links. An
-- email keeps its recipients and subject for operators; other tasks keep
-- nothing.
UPDATE outbox o SET completed_at = now(), last_error = '', lease_until = NULL,
    attempts = GREATEST(o.attempts, d.attempts),
    payload = CASE WHEN o.task_type = 'email:send'
        THEN jsonb_build_object('to', COALESCE(o.payload->'to', '[]'::jsonb), 'subject', COALESCE(o.payload->'subject', '""'::jsonb))
        ELSE '{}'::jsonb END
FROM (SELECT unnest(sqlc.arg(ids)::uuid[]) AS id, unnest(sqlc.arg(attempts)::int[]) AS attempts) d
WHERE o.id = d.id AND o.completed_at IS NULL;

-- name: FailOutbox :exec
-- Failed for good: reduced like a completed row, the error kept.
UPDATE outbox SET failed_at = now(), last_error = sqlc.arg(last_error), attempts = GREATEST(attempts, sqlc.arg(attempts)),
    lease_until = NULL,
    payload = CASE WHEN task_type = 'email:send'
        THEN jsonb_build_object('to', COALESCE(payload->'to', '[]'::jsonb), 'subject', COALESCE(payload->'subject', '""'::jsonb))
        ELSE '{}'::jsonb END
WHERE id = sqlc.arg(id) AND completed_at IS NULL AND failed_at IS NULL;

-- name: NoteOutboxError :exec
-- A failed attempt that will be retried: the lease is let go, so a retry
-- (on any worker) can take it.
UPDATE outbox SET last_error = sqlc.arg(last_error), attempts = GREATEST(attempts, sqlc.arg(attempts)), lease_until = NULL
WHERE id = sqlc.arg(id) AND completed_at IS NULL;

-- name: PruneOutbox :execrows
-- One batch of completed rows older than the cutoff; callers loop.
DELETE FROM outbox WHERE id IN (
    SELECT p.id FROM outbox p WHERE p.completed_at < sqlc.arg(cutoff)::timestamptz LIMIT sqlc.arg(batch_size)
);

-- name: OutboxBacklog :one
-- Read at metrics scrape time, so bounded: each count walks its partial
-- index (outbox_unfinished_idx, outbox_failed_idx) and stops at max_rows;
-- the oldest age reads one entry of outbox_unfinished_created_idx.
SELECT
    (SELECT count(*) FROM (SELECT 1 FROM outbox o1
        WHERE o1.completed_at IS NULL AND o1.failed_at IS NULL AND o1.relayed_at IS NULL
        LIMIT sqlc.arg(max_rows)) c1) AS unrelayed,
    (SELECT count(*) FROM (SELECT 1 FROM outbox o2
        WHERE o2.completed_at IS NULL AND o2.failed_at IS NULL
        LIMIT sqlc.arg(max_rows)) c2) AS unfinished,
    (SELECT count(*) FROM (SELECT 1 FROM outbox o3
        WHERE o3.failed_at IS NOT NULL
        LIMIT sqlc.arg(max_rows)) c3) AS failed,
    (SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(o4.created_at)), 0)::float8 FROM outbox o4
        WHERE o4.completed_at IS NULL AND o4.failed_at IS NULL) AS oldest_unfinished_seconds;

-- name: TryAdvisoryLock :one
-- Periodic jobs: one run of a job at a time across all workers. Session-level,
-- so it must run on a connection held for the whole run.
SELECT pg_try_advisory_lock(sqlc.arg(key)::bigint) AS locked;

-- name: AdvisoryUnlock :one
SELECT pg_advisory_unlock(sqlc.arg(key)::bigint) AS unlocked;
