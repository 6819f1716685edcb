-- Scheduled cleanup. Every delete works on one bounded batch; callers loop.

-- name: DeleteExpiredSessions :execrows
-- Revoked sessions stay until they expire (the device list shows them).
DELETE FROM auth_sessions WHERE id IN (
    SELECT s.id FROM auth_sessions s WHERE s.expires_at < now() LIMIT sqlc.arg(batch_size));

-- name: DeleteExpiredPendingRegistrations :execrows
DELETE FROM pending_registrations WHERE id IN (
    SELECT p.id FROM pending_registrations p WHERE p.expires_at < now() LIMIT sqlc.arg(batch_size));

-- name: DeleteExpiredPasswordResets :execrows
DELETE FROM pending_password_resets WHERE id IN (
    SELECT p.id FROM pending_password_resets p WHERE p.expires_at < now() LIMIT sqlc.arg(batch_size));

-- name: DeleteExpiredEmailChanges :execrows
DELETE FROM pending_email_changes WHERE id IN (
    SELECT p.id FROM pending_email_changes p WHERE p.expires_at < now() LIMIT sqlc.arg(batch_size));

-- name: DeleteExpiredIdempotencyRecords :execrows
DELETE FROM idempotency_records WHERE identity_hash IN (
    SELECT r.identity_hash FROM idempotency_records r WHERE r.expires_at <= now() LIMIT sqlc.arg(batch_size));

-- name: LockUnusedTags :many
-- Candidates, locked: an assignment cannot be added to a locked tag, so the
-- delete that follows (a new snapshot) sees every assignment there is.
SELECT t.id FROM tags t
WHERE t.created_at < now() - make_interval(secs => sqlc.arg(grace_seconds)::float8)
  AND NOT EXISTS (SELECT 1 FROM tagged_items ti WHERE ti.tag_id = t.id)
ORDER BY t.id
LIMIT sqlc.arg(batch_size)
FOR UPDATE OF t SKIP LOCKED;

-- name: DeleteUnusedTags :execrows
DELETE FROM tags t
WHERE t.id = ANY(sqlc.arg(ids)::bigint[])
  AND NOT EXISTS (SELECT 1 FROM tagged_items ti WHERE ti.tag_id = t.id);

-- name: DeleteDanglingTaggedItems :execrows
-- Assignments whose target no longer exists.
DELETE FROM tagged_items WHERE id IN (
    SELECT ti.id FROM tagged_items ti
    WHERE (ti.target_type = 'contacts.contact' AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = ti.object_id))
       OR (ti.target_type = 'organizations.organization' AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = ti.object_id))
    LIMIT sqlc.arg(batch_size));

-- name: DeleteDanglingImageRelations :execrows
-- Relations whose target no longer exists; the image itself stays in the
-- org's media library.
DELETE FROM image_relations WHERE id IN (
    SELECT r.id FROM image_relations r
    WHERE (r.target_type = 'contacts.contact' AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = r.object_id))
       OR (r.target_type = 'organizations.organization' AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = r.object_id))
    LIMIT sqlc.arg(batch_size));

-- name: ReferencedImageFiles :many
-- Which of these original keys an image row still references.
SELECT k::text AS key FROM unnest(sqlc.arg(keys)::text[]) AS k
WHERE EXISTS (SELECT 1 FROM images i WHERE i.file = k);

-- name: ReferencedAvatarKeys :many
-- Which of these small-avatar keys a user or contact still references.
SELECT k::text AS key FROM unnest(sqlc.arg(keys)::text[]) AS k
WHERE EXISTS (SELECT 1 FROM users u WHERE u.avatar_path = k)
   OR EXISTS (SELECT 1 FROM contacts c WHERE c.avatar_path = k);
