-- name: InsertContact :one
-- Inserts with the first candidate slug not yet used in the org (candidates
-- in order of preference). No row back means every candidate was taken; a
-- unique violation means another request took the chosen one meanwhile.
WITH free AS (
    SELECT x.slug FROM unnest(sqlc.arg(candidates)::text[]) WITH ORDINALITY AS x(slug, n)
    WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.organization_id = sqlc.arg(organization_id) AND c.slug = x.slug)
    ORDER BY x.n
    LIMIT 1
)
INSERT INTO contacts (organization_id, creator_id, display_name, slug, first_name, last_name, email, location, phone, notes)
SELECT sqlc.arg(organization_id), sqlc.arg(creator_id), sqlc.arg(display_name), free.slug, sqlc.arg(first_name),
       sqlc.arg(last_name), sqlc.arg(email), sqlc.arg(location), sqlc.arg(phone), sqlc.arg(notes)
FROM free
RETURNING *;

-- name: GetContact :one
-- A contact with its creator's slug and its tags (JSON array of TagOut).
SELECT sqlc.embed(c), u.slug AS creator_slug,
       COALESCE((SELECT json_agg(json_build_object('id', t.id, 'name', t.name, 'slug', t.slug, 'organization', t.organization_id) ORDER BY t.name COLLATE "C", t.id)
                 FROM tagged_items ti JOIN tags t ON t.id = ti.tag_id
                 WHERE ti.target_type = 'contacts.contact' AND ti.object_id = c.id), '[]')::json AS tags
FROM contacts c
LEFT JOIN users u ON u.id = c.creator_id
WHERE c.organization_id = sqlc.arg(organization_id) AND c.slug = sqlc.arg(slug);

-- name: ReplaceContact :one
-- PUT: every text field is written.
UPDATE contacts SET display_name = sqlc.arg(display_name), first_name = sqlc.arg(first_name),
    last_name = sqlc.arg(last_name), email = sqlc.arg(email), location = sqlc.arg(location),
    phone = sqlc.arg(phone), notes = sqlc.arg(notes), updated_at = now()
WHERE organization_id = sqlc.arg(organization_id) AND slug = sqlc.arg(slug)
RETURNING id;

-- name: PatchContact :one
-- PATCH: a NULL argument leaves the column as it is.
UPDATE contacts SET
    display_name = COALESCE(sqlc.narg(display_name), display_name),
    first_name = COALESCE(sqlc.narg(first_name), first_name),
    last_name = COALESCE(sqlc.narg(last_name), last_name),
    email = COALESCE(sqlc.narg(email), email),
    location = COALESCE(sqlc.narg(location), location),
    phone = COALESCE(sqlc.narg(phone), phone),
    notes = COALESCE(sqlc.narg(notes), notes),
    updated_at = now()
WHERE organization_id = sqlc.arg(organization_id) AND slug = sqlc.arg(slug)
RETURNING id;

-- name: DeleteContact :execrows
-- Triggers remove its tag assignments (00004) and image relations and
-- schedule its avatar files for deletion (00005).
DELETE FROM contacts WHERE organization_id = sqlc.arg(organization_id) AND slug = sqlc.arg(slug);
