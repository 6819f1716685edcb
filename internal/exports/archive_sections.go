package exports

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"apistarter/internal/contacts"

	"github.com/jackc/pgx/v5"
)

// The section queries are plain pgx rather than sqlc: sqlc's :many collects
// the whole result in a slice, and these stream row by row from a cursor.
// Each is ordered along an index, so PostgreSQL streams without sorting.

// querier is what the sections read from: the runner's snapshot transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// stream runs sql and emits each row scanned into one reused T.
func stream[T any](q querier, sql string, args []any, scan func(pgx.Rows, *T) error) func(context.Context, func(any) error) error {
	return func(ctx context.Context, emit func(any) error) error {
		rows, err := q.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var v T
		for rows.Next() {
			if err := scan(rows, &v); err != nil {
				return err
			}
			if err := emit(&v); err != nil {
				return err
			}
		}
		return rows.Err()
	}
}

type orgRow struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Slug      string    `json:"slug"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type memberRow struct {
	UserID    int64     `json:"user_id"`
	Email     string    `json:"email"`
	Username  string    `json:"username"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	Role      string    `json:"role"`
	JoinedAt  time.Time `json:"joined_at"`
}

type contactRow struct {
	ID          int64  `json:"id"`
	Slug        string `json:"slug"`
	DisplayName string `json:"display_name"`
	contacts.Card
	CreatorID *int64    `json:"creator_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type tagRow struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Slug      string    `json:"slug"`
	CreatedAt time.Time `json:"created_at"`
}

type tagAssignmentRow struct {
	TagID      int64     `json:"tag_id"`
	TargetType string    `json:"target_type"`
	ObjectID   int64     `json:"object_id"`
	CreatedAt  time.Time `json:"created_at"`
}

type imageRow struct {
	ID          int64     `json:"id"`
	ObjectKey   string    `json:"object_key"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	AltText     string    `json:"alt_text"`
	CreatorID   *int64    `json:"creator_id"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

type imageRelationRow struct {
	ImageID    int64  `json:"image_id"`
	TargetType string `json:"target_type"`
	ObjectID   int64  `json:"object_id"`
	IsCover    bool   `json:"is_cover"`
	Order      *int32 `json:"order"`
}

type invitationRow struct {
	ID          int64      `json:"id"`
	Email       string     `json:"email"`
	Role        string     `json:"role"`
	InvitedByID *int64     `json:"invited_by_id"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	AcceptedAt  *time.Time `json:"accepted_at"`
	RevokedAt   *time.Time `json:"revoked_at"`
}

// orgSections are the JSON files of an org's archive, in archive order.
// Every query is bound to orgID.
func orgSections(q querier, orgID int64) []Section {
	args := []any{orgID}
	return []Section{
		{Name: "organization", Object: true, Rows: stream(q,
			`SELECT id, name, slug, type, created_at, updated_at FROM organizations WHERE id = $1`, args,
			func(r pgx.Rows, v *orgRow) error {
				return r.Scan(&v.ID, &v.Name, &v.Slug, &v.Type, &v.CreatedAt, &v.UpdatedAt)
			})},
		{Name: "members", Rows: stream(q,
			`SELECT u.id, u.email, u.username, u.first_name, u.last_name, m.role, m.created_at
			 FROM memberships m JOIN users u ON u.id = m.user_id
			 WHERE m.organization_id = $1 ORDER BY m.id`, args,
			func(r pgx.Rows, v *memberRow) error {
				return r.Scan(&v.UserID, &v.Email, &v.Username, &v.FirstName, &v.LastName, &v.Role, &v.JoinedAt)
			})},
		{Name: "contacts", Rows: stream(q,
			`SELECT id, slug, display_name, first_name, last_name, email, location, phone, notes,
			        avatar_path, creator_id, created_at, updated_at
			 FROM contacts WHERE organization_id = $1 ORDER BY created_at, id`, args,
			func(r pgx.Rows, v *contactRow) error {
				return r.Scan(&v.ID, &v.Slug, &v.DisplayName, &v.FirstName, &v.LastName, &v.Email, &v.Location,
					&v.Phone, &v.Notes, &v.AvatarPath, &v.CreatorID, &v.CreatedAt, &v.UpdatedAt)
			})},
		{Name: "tags", Rows: stream(q,
			`SELECT id, name, slug, created_at FROM tags WHERE organization_id = $1 ORDER BY name, id`, args,
			func(r pgx.Rows, v *tagRow) error {
				return r.Scan(&v.ID, &v.Name, &v.Slug, &v.CreatedAt)
			})},
		{Name: "tag_assignments", Rows: stream(q,
			`SELECT ti.tag_id, ti.target_type, ti.object_id, ti.created_at
			 FROM tags t JOIN tagged_items ti ON ti.tag_id = t.id
			 WHERE t.organization_id = $1`, args,
			func(r pgx.Rows, v *tagAssignmentRow) error {
				return r.Scan(&v.TagID, &v.TargetType, &v.ObjectID, &v.CreatedAt)
			})},
		{Name: "images", Rows: stream(q,
			`SELECT id, file, title, description, alt_text, creator_id, created_at, updated_at
			 FROM images WHERE organization_id = $1 ORDER BY created_at, id`, args,
			func(r pgx.Rows, v *imageRow) error {
				return r.Scan(&v.ID, &v.ObjectKey, &v.Title, &v.Description, &v.AltText, &v.CreatorID, &v.CreatedAt, &v.UpdatedAt)
			})},
		{Name: "image_relations", Rows: stream(q,
			`SELECT r.image_id, r.target_type, r.object_id, r.is_cover, r."order"
			 FROM images i JOIN image_relations r ON r.image_id = i.id
			 WHERE i.organization_id = $1`, args,
			func(r pgx.Rows, v *imageRelationRow) error {
				return r.Scan(&v.ImageID, &v.TargetType, &v.ObjectID, &v.IsCover, &v.Order)
			})},
		{Name: "invitations", Rows: stream(q,
			`SELECT id, email, role, invited_by_id, created_at, expires_at, accepted_at, revoked_at
			 FROM invitations WHERE organization_id = $1 ORDER BY id`, args,
			func(r pgx.Rows, v *invitationRow) error {
				return r.Scan(&v.ID, &v.Email, &v.Role, &v.InvitedByID, &v.CreatedAt, &v.ExpiresAt, &v.AcceptedAt, &v.RevokedAt)
			})},
	}
}

// orgMedia are the stored files of an org's archive: each image's original
// (private namespace) and each contact's avatar pair (public namespace).
func orgMedia(q querier, orgID int64, private, public ObjectGetter) []MediaSet {
	return []MediaSet{
		{Name: "media_images", Store: private, Files: mediaFiles(q,
			`SELECT id, file FROM images WHERE organization_id = $1 AND file <> '' ORDER BY created_at, id`, orgID,
			func(id int64, key string) []MediaFile {
				return []MediaFile{{Path: fmt.Sprintf("media/images/%d/%s", id, path.Base(key)), Key: key}}
			})},
		{Name: "media_avatars", Store: public, Files: mediaFiles(q,
			`SELECT id, avatar_path FROM contacts
			 WHERE organization_id = $1 AND avatar_path IS NOT NULL AND avatar_path <> '' ORDER BY created_at, id`, orgID,
			func(id int64, key string) []MediaFile {
				dir := fmt.Sprintf("media/avatars/contacts/%d/", id)
				lg := LargeAvatarKey(key)
				return []MediaFile{{Path: dir + path.Base(key), Key: key}, {Path: dir + path.Base(lg), Key: lg}}
			})},
	}
}

func mediaFiles(q querier, sql string, orgID int64, files func(id int64, key string) []MediaFile) func(context.Context, func(MediaFile) error) error {
	return func(ctx context.Context, emit func(MediaFile) error) error {
		rows, err := q.Query(ctx, sql, orgID)
		if err != nil {
			return err
		}
		defer rows.Close()
		var (
			id  int64
			key string
		)
		for rows.Next() {
			if err := rows.Scan(&id, &key); err != nil {
				return err
			}
			for _, f := range files(id, key) {
				if err := emit(f); err != nil {
					return err
				}
			}
		}
		return rows.Err()
	}
}

// LargeAvatarKey is the key of the large avatar stored next to the small
// one: "_lg" before the extension.
func LargeAvatarKey(small string) string {
	ext := path.Ext(small)
	return strings.TrimSuffix(small, ext) + "_lg" + ext
}
