-- name: InsertOutbox :exec
INSERT INTO outbox (id, task_type, queue, payload, max_retry, request_id, trace_parent)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: NotifyOutbox :exec
-- Wakes the relay; PostgreSQL delivers it at commit, never on rollback.
SELECT pg_notify('outbox', '');

-- name: ClaimOutbox :many
-- Claims rows to relay and marks them relayed in one statement: unfinished,
-- and never relayed or relayed so long ago that the task may have vanished
-- from Redis. SKIP LOCKED lets several relays share the table; nothing stays
-- locked while the relay talks to Redis.
UPDATE outbox o SET relayed_at = now(), relay_count = o.relay_count + 1
WHERE o.id IN (
    SELECT c.id FROM outbox c
    WHERE c.completed_at IS NULL AND c.failed_at IS NULL
      AND (c.relayed_at IS NULL OR c.relayed_at < now() - make_interval(secs => sqlc.arg(timeout_seconds)::float8))
    ORDER BY c.relayed_at NULLS FIRST, c.created_at
    LIMIT sqlc.arg(batch_size)
    FOR UPDATE SKIP LOCKED
)
RETURNING o.id, o.task_type, o.queue, o.payload, o.max_retry, o.request_id, o.trace_parent, o.relay_count, o.created_at;

-- name: UnclaimOutbox :exec
-- Rows the relay could not hand to Redis: due again at the next poll.
UPDATE outbox SET relayed_at = NULL WHERE id = ANY(sqlc.arg(ids)::uuid[]) AND completed_at IS NULL;

-- name: OutboxStatus :one
SELECT completed_at, failed_at FROM outbox WHERE id = $1;

-- name: CompleteOutbox :exec
-- The payload is reduced once the task is over: email bodies hold
-- single-use tokens and signed links. An email keeps its recipients and
-- subject for operators; other tasks keep nothing.
UPDATE outbox SET completed_at = now(), last_error = '', attempts = GREATEST(attempts, sqlc.arg(attempts)),
    payload = CASE WHEN task_type = 'email:send'
        THEN jsonb_build_object('to', COALESCE(payload->'to', '[]'::jsonb), 'subject', COALESCE(payload->'subject', '""'::jsonb))
        ELSE '{}'::jsonb END
WHERE id = sqlc.arg(id) AND completed_at IS NULL;

-- name: FailOutbox :exec
-- Failed for good: reduced like a completed row, the error kept.
UPDATE outbox SET failed_at = now(), last_error = sqlc.arg(last_error), attempts = GREATEST(attempts, sqlc.arg(attempts)),
    payload = CASE WHEN task_type = 'email:send'
        THEN jsonb_build_object('to', COALESCE(payload->'to', '[]'::jsonb), 'subject', COALESCE(payload->'subject', '""'::jsonb))
        ELSE '{}'::jsonb END
WHERE id = sqlc.arg(id) AND completed_at IS NULL AND failed_at IS NULL;

-- name: NoteOutboxError :exec
UPDATE outbox SET last_error = sqlc.arg(last_error), attempts = GREATEST(attempts, sqlc.arg(attempts))
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
