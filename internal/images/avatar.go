package images

import (
	"path"
	"strings"

	"github.com/google/uuid"
)

// AvatarKind is the folder an avatar lives in under public/avatars/.
type AvatarKind string

// The two owners of avatars.
const (
	AvatarUsers    AvatarKind = "users"
	AvatarContacts AvatarKind = "contacts"
)

// Avatar outputs: a small one for lists and a large one for profiles.
const (
	avatarSmallBox, avatarSmallQuality = 160, 65
	avatarLargeBox, avatarLargeQuality = 600, 85
)

// ProcessAvatar validates an upload like Process and renders the two public avatar
// files: upright, alpha kept, fitted inside 160×160 (q65) and 600×600 (q85). The small
// one is resampled from the large one.
func ProcessAvatar(data []byte, lim Limits) (small, large []byte, err error) {
	img, _, err := load(data, lim)
	if err != nil {
		return nil, nil, err
	}
	out, err := render(img, []spec{
		{"large", avatarLargeBox, avatarLargeQuality},
		{"small", avatarSmallBox, avatarSmallQuality},
	})
	if err != nil {
		return nil, nil, err
	}
	return out["small"].WebP, out["large"].WebP, nil
}

// NewAvatarKeys returns fresh public-bucket keys for an avatar pair:
// public/avatars/<kind>/<uuid4 hex>.webp and the same with _lg before the extension.
// The small key is the one stored in avatar_path.
func NewAvatarKeys(kind AvatarKind) (small, large string) {
	id := uuid.New()
	small = "public/avatars/" + string(kind) + "/" + strings.ReplaceAll(id.String(), "-", "") + ".webp"
	return small, LargeAvatarKey(small)
}

// LargeAvatarKey derives the large avatar's key from the small one stored in
// avatar_path: "_lg" goes before the extension.
func LargeAvatarKey(small string) string {
	ext := path.Ext(small)
	return strings.TrimSuffix(small, ext) + "_lg" + ext
}
