-- Durable Idempotency-Key records (internal/idempotency).

-- name: TryIdempotencyLock :one
-- Held until the transaction ends; false while another request with the same
-- identity is running.
SELECT pg_try_advisory_xact_lock(sqlc.arg(lock_key)::bigint);

-- name: DeleteExpiredIdempotencyRecord :exec
DELETE FROM idempotency_records WHERE identity_hash = $1 AND expires_at <= now();

-- name: GetIdempotencyRecord :one
SELECT request_fingerprint, status_code, content_type, response_body
FROM idempotency_records WHERE identity_hash = $1;

-- name: InsertIdempotencyRecord :exec
INSERT INTO idempotency_records
    (identity_hash, request_fingerprint, user_id, method, path, status_code, content_type, response_body, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: IdempotencyRecordLive :one
SELECT EXISTS (SELECT 1 FROM idempotency_records WHERE identity_hash = $1 AND expires_at > now());
