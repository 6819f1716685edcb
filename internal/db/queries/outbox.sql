-- name: InsertOutbox :exec
INSERT INTO outbox (id, task_type, queue, payload, max_retry)
VALUES ($1, $2, $3, $4, $5);
