-- Library images, their relations to polymorphic targets, share links, and
-- the user/contact avatar columns. Every image query is bound to an org.

-- name: InsertImage :one
INSERT INTO images (organization_id, creator_id, file, title)
VALUES ($1, $2, $3, $4)
RETURNING *;

-- name: GetImage :one
SELECT * FROM images WHERE organization_id = $1 AND id = $2;

-- name: CountImages :one
SELECT count(*) FROM images WHERE organization_id = $1;

-- name: UpdateImageMetadata :one
-- NULL arguments leave their column unchanged.
UPDATE images SET
    title       = coalesce(sqlc.narg(title), title),
    description = coalesce(sqlc.narg(description), description),
    alt_text    = coalesce(sqlc.narg(alt_text), alt_text),
    updated_at  = now()
WHERE organization_id = $1 AND id = $2
RETURNING *;

-- name: DeleteImage :one
DELETE FROM images WHERE organization_id = $1 AND id = $2 RETURNING file;

-- name: LockImageTarget :exec
-- Serialises every relation write of one target (attach, detach, reorder,
-- cover) for the rest of the transaction. The two-int key space is apart
-- from the bigint one the idempotency locks use.
SELECT pg_advisory_xact_lock(1768777586, hashtext(sqlc.arg(target_type)::text || ':' || sqlc.arg(object_id)::bigint));

-- name: OrgImageIDs :many
SELECT id FROM images WHERE organization_id = $1 AND id = ANY(sqlc.arg(ids)::bigint[]);

-- name: TargetRelationState :one
SELECT coalesce(max("order"), -1)::integer AS max_order, coalesce(bool_or(is_cover), false)::boolean AS has_cover
FROM image_relations WHERE target_type = $1 AND object_id = $2;

-- name: InsertRelation :one
INSERT INTO image_relations (image_id, target_type, object_id, is_cover, "order")
VALUES ($1, $2, $3, $4, $5)
RETURNING id;

-- name: TargetImageIDs :many
-- The target's attached images in relation order.
SELECT image_id FROM image_relations
WHERE target_type = $1 AND object_id = $2
ORDER BY "order", id;

-- name: RelationsOfImages :many
SELECT sqlc.embed(r), sqlc.embed(i)
FROM image_relations r JOIN images i ON i.id = r.image_id
WHERE r.target_type = $1 AND r.object_id = $2 AND r.image_id = ANY(sqlc.arg(image_ids)::bigint[]);

-- name: CountTargetRelations :one
SELECT count(*) FROM image_relations WHERE target_type = $1 AND object_id = $2;

-- name: DeleteRelation :execrows
DELETE FROM image_relations WHERE target_type = $1 AND object_id = $2 AND image_id = $3;

-- name: DeleteRelations :many
-- Detaches the given images (of the org) and returns them in relation order.
WITH gone AS (
    DELETE FROM image_relations r USING images i
    WHERE r.target_type = $1 AND r.object_id = $2 AND r.image_id = ANY(sqlc.arg(image_ids)::bigint[])
      AND i.id = r.image_id AND i.organization_id = sqlc.arg(organization_id)
    RETURNING r.id, r.image_id, r."order"
)
SELECT image_id FROM gone ORDER BY "order", id;

-- name: ReorderRelations :exec
-- Sets "order" to each image's position in image_ids (0-based).
UPDATE image_relations r SET "order" = u.n - 1
FROM unnest(sqlc.arg(image_ids)::bigint[]) WITH ORDINALITY AS u (image_id, n)
WHERE r.target_type = $1 AND r.object_id = $2 AND r.image_id = u.image_id;

-- name: ClearCover :exec
UPDATE image_relations SET is_cover = false
WHERE target_type = $1 AND object_id = $2 AND is_cover;

-- name: SetCover :execrows
UPDATE image_relations SET is_cover = true
WHERE target_type = $1 AND object_id = $2 AND image_id = $3;

-- name: RelationAttached :one
SELECT EXISTS (
    SELECT 1 FROM image_relations r JOIN images i ON i.id = r.image_id
    WHERE r.target_type = $1 AND r.object_id = $2 AND r.image_id = $3 AND i.organization_id = sqlc.arg(organization_id)
);

-- name: InsertShareLink :one
INSERT INTO image_share_links (image_id, token_hash, created_by_id, expires_at)
VALUES ($1, $2, $3, $4)
RETURNING *;

-- name: RevokeShareLink :one
UPDATE image_share_links s SET revoked_at = now()
FROM images i
WHERE s.id = sqlc.arg(id) AND s.image_id = sqlc.arg(image_id)
  AND i.id = s.image_id AND i.organization_id = sqlc.arg(organization_id)
RETURNING s.id;

-- name: ResolveShareLink :one
SELECT s.expires_at, s.revoked_at, i.id AS image_id, i.file
FROM image_share_links s JOIN images i ON i.id = s.image_id
WHERE s.token_hash = $1;

-- name: UserAvatar :one
SELECT avatar_path FROM users WHERE id = $1;

-- name: SetUserAvatar :execrows
-- The users_avatar_change trigger schedules the old pair for deletion.
UPDATE users SET avatar_path = $2, updated_at = now() WHERE id = $1;

-- name: ContactAvatar :one
SELECT id, avatar_path FROM contacts WHERE organization_id = $1 AND slug = $2;

-- name: SetContactAvatar :execrows
-- The contacts_avatar_change trigger schedules the old pair for deletion.
UPDATE contacts SET avatar_path = $3, updated_at = now() WHERE organization_id = $1 AND id = $2;

-- name: DeleteImages :many
DELETE FROM images WHERE organization_id = $1 AND id = ANY(sqlc.arg(ids)::bigint[])
RETURNING id, file;
