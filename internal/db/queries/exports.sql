-- name: InsertExportJob :one
-- No row when the org already has an active (pending or processing) export.
INSERT INTO export_jobs (id, organization_id, requested_by_id, queued_at)
VALUES (sqlc.arg(id), sqlc.arg(organization_id), sqlc.arg(requested_by_id), now())
ON CONFLICT (organization_id) WHERE status IN ('pending', 'processing') DO NOTHING
RETURNING *;

-- name: ActiveExportJob :one
SELECT * FROM export_jobs
WHERE organization_id = sqlc.arg(organization_id) AND status IN ('pending', 'processing');

-- name: GetExportJob :one
SELECT * FROM export_jobs WHERE id = sqlc.arg(id) AND organization_id = sqlc.arg(organization_id);

-- name: ListExportJobs :many
SELECT * FROM export_jobs
WHERE organization_id = sqlc.arg(organization_id)
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off);

-- name: LockExportJob :one
-- stale: a pending job never picked up, or a processing job whose runner
-- went quiet, for longer than the stale window.
SELECT sqlc.embed(export_jobs),
       ((status = 'pending' AND coalesce(queued_at, created_at) <= now() - make_interval(secs => sqlc.arg(stale_seconds)::float8))
        OR (status = 'processing' AND coalesce(heartbeat_at, started_at, queued_at, created_at) <= now() - make_interval(secs => sqlc.arg(stale_seconds)::float8)))::bool AS stale
FROM export_jobs
WHERE id = sqlc.arg(id) AND organization_id = sqlc.arg(organization_id)
FOR UPDATE;

-- name: TryExportRunLock :one
-- Transaction-scoped twin of the runner's session lock: false while a runner
-- holds the job.
SELECT pg_try_advisory_xact_lock(sqlc.arg(lock_key)::bigint) AS acquired;

-- name: RequeueExportJob :one
-- requested_by_id: the admin who retried becomes the recipient of the ready
-- email; NULL (stale recovery) keeps the requester.
UPDATE export_jobs
SET status = 'pending', queued_at = now(), started_at = NULL, heartbeat_at = NULL,
    completed_at = NULL, expires_at = NULL, object_key = '', error_message = '', email_notice = '',
    requested_by_id = coalesce(sqlc.narg(requested_by_id)::bigint, requested_by_id)
WHERE id = sqlc.arg(id)
RETURNING *;

-- name: ClaimExportJob :one
-- Runner start, under the job's advisory lock. A processing job here is one
-- whose runner died: it is taken over.
UPDATE export_jobs
SET status = 'processing', started_at = now(), heartbeat_at = now(), completed_at = NULL,
    expires_at = NULL, error_message = '', email_notice = '', attempt_count = attempt_count + 1
WHERE id = sqlc.arg(id) AND status IN ('pending', 'processing')
RETURNING *;

-- name: HeartbeatExportJob :execrows
UPDATE export_jobs SET heartbeat_at = now() WHERE id = sqlc.arg(id) AND status = 'processing';

-- name: MarkExportReady :one
UPDATE export_jobs
SET status = 'ready', object_key = sqlc.arg(object_key), heartbeat_at = now(), completed_at = now(),
    expires_at = now() + make_interval(days => sqlc.arg(retention_days)::int), error_message = '',
    email_notice = sqlc.arg(email_notice)
WHERE id = sqlc.arg(id) AND status = 'processing'
RETURNING *;

-- name: MarkExportFailed :execrows
UPDATE export_jobs
SET status = 'failed', object_key = '', error_message = sqlc.arg(error_message),
    heartbeat_at = now(), completed_at = now()
WHERE id = sqlc.arg(id) AND status = 'processing';

-- name: ExportRunContext :one
-- What the runner needs besides the rows: the org and the requester (if any)
-- with the requester's current rights in the org. Run after LockOrgShared so
-- no membership change of the org can commit in between.
SELECT o.id AS org_id, o.name AS org_name, o.slug AS org_slug,
       u.email AS requester_email, u.username AS requester_username,
       u.first_name AS requester_first_name, u.is_active AS requester_active,
       u.is_superuser AS requester_superuser, m.role AS requester_role
FROM export_jobs j
JOIN organizations o ON o.id = j.organization_id
LEFT JOIN users u ON u.id = j.requested_by_id
LEFT JOIN memberships m ON m.user_id = j.requested_by_id AND m.organization_id = j.organization_id
WHERE j.id = sqlc.arg(id);

-- name: LockOrgShared :one
-- Blocks membership writes of the org (they lock it FOR UPDATE) until the
-- transaction ends, in the canonical order (org first).
SELECT id FROM organizations WHERE id = sqlc.arg(org_id) FOR SHARE;

-- name: StaleExportJobs :many
-- Pending jobs never picked up and processing jobs whose runner went quiet.
SELECT id, organization_id FROM export_jobs
WHERE (status = 'pending' AND coalesce(queued_at, created_at) <= now() - make_interval(secs => sqlc.arg(stale_seconds)::float8))
   OR (status = 'processing' AND coalesce(heartbeat_at, started_at, queued_at, created_at) <= now() - make_interval(secs => sqlc.arg(stale_seconds)::float8))
ORDER BY created_at, id
LIMIT sqlc.arg(batch_size);

-- name: ExpiredExportJobs :many
SELECT id, object_key FROM export_jobs
WHERE status = 'ready' AND expires_at <= now()
ORDER BY expires_at, id
LIMIT sqlc.arg(batch_size);

-- name: MarkExportExpired :execrows
UPDATE export_jobs SET status = 'expired', object_key = ''
WHERE id = sqlc.arg(id) AND status = 'ready' AND expires_at <= now();

-- name: ExportJobKeys :many
-- The orphan sweep: which of these archive ids still have a job that owns
-- (or is about to own) its object.
SELECT id FROM export_jobs
WHERE id = ANY(sqlc.arg(ids)::uuid[])
  AND (status IN ('pending', 'processing') OR (status = 'ready' AND object_key <> ''));
