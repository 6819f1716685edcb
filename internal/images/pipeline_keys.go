package images

import (
	"fmt"
	"path"
	"strings"

	"github.com/google/uuid"
)

// NewOriginalKey returns a fresh private-bucket key for an org's original:
// private/images/<org_id>/<uuid4>.webp.
func NewOriginalKey(orgID int64) string {
	return fmt.Sprintf("private/images/%d/%s.webp", orgID, uuid.NewString())
}

// VariantKeys maps every variant name (VariantNames, "original" included) to its key:
// originalKey minus its extension plus _thumb.webp, _sm.webp, _md.webp, _lg.webp.
func VariantKeys(originalKey string) map[string]string {
	base := strings.TrimSuffix(originalKey, path.Ext(originalKey))
	keys := map[string]string{VariantOriginal: originalKey}
	for _, s := range variantChain() {
		keys[s.name] = base + "_" + s.name + ".webp"
	}
	return keys
}
