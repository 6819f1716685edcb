-- name: ContactInOrg :one
-- Polymorphic target check: the contact exists and belongs to the org.
SELECT EXISTS (SELECT 1 FROM contacts WHERE id = sqlc.arg(id) AND organization_id = sqlc.arg(organization_id));

-- name: LockContactTarget :one
-- Held until commit: the contact cannot be deleted under a new assignment.
SELECT id FROM contacts WHERE id = sqlc.arg(id) AND organization_id = sqlc.arg(organization_id) FOR KEY SHARE;

-- name: ListTags :many
-- One page plus the total. The count row is always there (page columns are
-- NULL when the page is empty). ordering: name | -name | id | -id.
SELECT cnt.total, COALESCE(p.id, 0)::bigint AS id, COALESCE(p.name, '')::text AS name, COALESCE(p.slug, '')::text AS slug
FROM (SELECT count(*) AS total FROM tags c WHERE c.organization_id = sqlc.arg(organization_id)) cnt
LEFT JOIN LATERAL (
    SELECT t.id, t.name, t.slug FROM tags t
    WHERE t.organization_id = sqlc.arg(organization_id)
    ORDER BY CASE WHEN sqlc.arg(ordering)::text = 'name' THEN t.name END ASC,
             CASE WHEN sqlc.arg(ordering)::text = '-name' THEN t.name END DESC,
             CASE WHEN sqlc.arg(ordering)::text = '-id' THEN t.id END DESC,
             t.id ASC
    LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off)
) p ON true;

-- name: SearchTags :many
-- Case-insensitive substring search on the name (pattern already escaped).
SELECT cnt.total, COALESCE(p.id, 0)::bigint AS id, COALESCE(p.name, '')::text AS name, COALESCE(p.slug, '')::text AS slug
FROM (SELECT count(*) AS total FROM tags c WHERE c.organization_id = sqlc.arg(organization_id) AND c.name ILIKE sqlc.arg(pattern)) cnt
LEFT JOIN LATERAL (
    SELECT t.id, t.name, t.slug FROM tags t
    WHERE t.organization_id = sqlc.arg(organization_id) AND t.name ILIKE sqlc.arg(pattern)
    ORDER BY t.name, t.id
    LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off)
) p ON true;

-- name: ListObjectTags :many
-- Tags attached to one target, same ordering values as ListTags.
SELECT cnt.total, COALESCE(p.id, 0)::bigint AS id, COALESCE(p.name, '')::text AS name, COALESCE(p.slug, '')::text AS slug
FROM (SELECT count(*) AS total FROM tagged_items ti JOIN tags t ON t.id = ti.tag_id
      WHERE ti.target_type = sqlc.arg(target_type) AND ti.object_id = sqlc.arg(object_id)
        AND t.organization_id = sqlc.arg(organization_id)) cnt
LEFT JOIN LATERAL (
    SELECT t.id, t.name, t.slug FROM tagged_items ti JOIN tags t ON t.id = ti.tag_id
    WHERE ti.target_type = sqlc.arg(target_type) AND ti.object_id = sqlc.arg(object_id)
      AND t.organization_id = sqlc.arg(organization_id)
    ORDER BY CASE WHEN sqlc.arg(ordering)::text = 'name' THEN t.name END ASC,
             CASE WHEN sqlc.arg(ordering)::text = '-name' THEN t.name END DESC,
             CASE WHEN sqlc.arg(ordering)::text = '-id' THEN t.id END DESC,
             t.id ASC
    LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off)
) p ON true;

-- name: GetTag :one
SELECT id, name, slug FROM tags WHERE id = sqlc.arg(id) AND organization_id = sqlc.arg(organization_id);

-- name: GetTagBySlug :one
SELECT id, name, slug FROM tags WHERE slug = sqlc.arg(slug) AND organization_id = sqlc.arg(organization_id);

-- name: InsertTag :one
INSERT INTO tags (organization_id, name, slug) VALUES (sqlc.arg(organization_id), sqlc.arg(name), sqlc.arg(slug))
RETURNING id, name, slug;

-- name: RenameTag :one
UPDATE tags SET name = sqlc.arg(name), slug = sqlc.arg(slug)
WHERE id = sqlc.arg(id) AND organization_id = sqlc.arg(organization_id)
RETURNING id, name, slug;

-- name: DeleteTag :execrows
DELETE FROM tags WHERE id = sqlc.arg(id) AND organization_id = sqlc.arg(organization_id);

-- name: TagsBySlugs :many
SELECT id, name, slug FROM tags
WHERE organization_id = sqlc.arg(organization_id) AND slug = ANY(sqlc.arg(slugs)::text[]);

-- name: InsertTagsIfMissing :exec
-- Creates the tags that do not exist yet; a name or slug taken meanwhile is
-- skipped and detected by re-reading.
INSERT INTO tags (organization_id, name, slug)
SELECT sqlc.arg(organization_id)::bigint, unnest(sqlc.arg(names)::text[]), unnest(sqlc.arg(slugs)::text[])
ON CONFLICT DO NOTHING;

-- name: AttachTags :many
-- Attaches each tag once; returns the ids that were not attached before.
INSERT INTO tagged_items (tag_id, target_type, object_id)
SELECT x.tag_id, sqlc.arg(target_type), sqlc.arg(object_id)
FROM unnest(sqlc.arg(tag_ids)::bigint[]) AS x(tag_id)
ON CONFLICT (object_id, target_type, tag_id) DO NOTHING
RETURNING tag_id;

-- name: DetachTags :execrows
-- Ids of other orgs' tags match nothing.
DELETE FROM tagged_items ti USING tags t
WHERE t.id = ti.tag_id AND t.organization_id = sqlc.arg(organization_id)
  AND ti.tag_id = ANY(sqlc.arg(tag_ids)::bigint[])
  AND ti.target_type = sqlc.arg(target_type) AND ti.object_id = sqlc.arg(object_id);

-- name: DetachTagBySlug :execrows
DELETE FROM tagged_items ti USING tags t
WHERE t.id = ti.tag_id AND t.organization_id = sqlc.arg(organization_id) AND t.slug = sqlc.arg(slug)
  AND ti.target_type = sqlc.arg(target_type) AND ti.object_id = sqlc.arg(object_id);
